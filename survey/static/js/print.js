// A button that prints the page (the bulletin); inline handlers are not allowed by the CSP.
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
