// The receipt page: print from the browser (the button, or by itself after a sale when the
// register prints receipts and has no network printer), or again on the register's printer.
const receipt = document.querySelector(".receipt");
const status = document.getElementById("print-status");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

document.getElementById("print")?.addEventListener("click", () => window.print());
document.getElementById("new-sale")?.focus();

if (receipt?.dataset.autoprint === "1") {
  // After the page has laid out, so the print shows the whole receipt.
  window.addEventListener("load", () => window.print(), { once: true });
}

document.getElementById("print-network")?.addEventListener("click", async (event) => {
  const saleId = event.currentTarget.dataset.saleId;
  const reply = await fetch(`/api/2.0/sales/${saleId}/actions/print_receipt`, {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
  }).catch(() => null);
  if (status) status.textContent = reply?.ok ? status.dataset.queued || "✓" : status.dataset.failed || "✗";
});
