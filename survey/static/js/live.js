// Refreshes a live fragment (the fieldwork monitor) without reloading the page.
(function () {
  const chooser = document.getElementById("round");
  if (chooser) chooser.addEventListener("change", () => chooser.form.submit());
  const box = document.getElementById("live");
  if (!box) return;
  const refresh = async () => {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      if (response.ok) box.innerHTML = await response.text();
    } catch (error) { /* keep the last figures; try again at the next tick */ }
  };
  setInterval(refresh, 10000);
})();
