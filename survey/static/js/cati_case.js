// The case screen: letters record how the call ended, P shows the number (audited), S starts the
// interview; the claim is kept alive while the page is open.
(function () {
  const card = document.getElementById("case");
  if (!card) return;
  const csrf = document.querySelector("#outcome-form input[name=csrf_token]").value;
  const post = (url) => fetch(url, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
  setInterval(() => post(card.dataset.touchUrl), 60000);
  const reveal = async () => {
    const response = await post(card.dataset.phoneUrl);
    const body = await response.json();
    document.getElementById("phone").textContent = body.phone || body.error;
  };
  document.getElementById("reveal").addEventListener("click", reveal);
  const buttons = {};
  document.querySelectorAll("button.outcome").forEach((b) => { buttons[b.dataset.key] = b; });
  const appointment = document.getElementById("appointment_at");
  document.getElementById("appointment-button").addEventListener("click", (event) => {
    if (!appointment.value) { event.preventDefault(); appointment.focus(); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (typing) return;
    const key = event.key.toLowerCase();
    if (key === "p") { event.preventDefault(); reveal(); }
    else if (key === "s") { event.preventDefault(); document.getElementById("start-interview").click(); }
    else if (buttons[key]) { event.preventDefault(); buttons[key].click(); }
  });
})();
