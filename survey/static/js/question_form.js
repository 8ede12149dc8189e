// The question form shows the sections of the chosen type; for a new question, changing the type
// reloads the form for that type (nothing has been saved yet).
(function () {
  const form = document.querySelector("form.question-form[data-new]");
  if (!form) return;
  const type = form.querySelector("#type");
  type.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("type", type.value);
    window.location.assign(url.toString());
  });
})();
