// The receive form of a purchase order: a scan (or a typed barcode/SKU, then Enter) adds
// one to the "received now" quantity of the line it names, without posting the form.
const scan = document.querySelector("[data-receive-scan]");
if (scan) {
  scan.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const code = scan.value.trim();
    scan.value = "";
    if (!code) return;
    const row = [...document.querySelectorAll("#receive-lines tr[data-codes]")].find((tr) =>
      tr.dataset.codes.split(" ").includes(code),
    );
    scan.setCustomValidity(row ? "" : scan.dataset.unknown || "?");
    if (!row) { scan.reportValidity(); return; }
    const input = row.querySelector("input[name^='received_']");
    const current = Number((input.value || "0").replace(",", ".")) || 0;
    input.value = String(current + 1);
    row.classList.add("scanned");
  });
}
