document.getElementById("print")?.addEventListener("click", () => window.print());
document.getElementById("new-sale")?.focus();
