// The closure page's print button: the browser prints it on the 80 mm roll (registers.css).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
