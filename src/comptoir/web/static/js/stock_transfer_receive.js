// Receiving a transfer: a scan (a barcode reader types the code and Enter) adds one to the
// line holding that code; every change shows the difference with what was sent.
const form = document.getElementById("receive");
const scan = document.getElementById("scan-received");
const status = document.getElementById("scan-status");
const rows = [...form.querySelectorAll("tbody tr")];

function number(text) {
  const value = Number(String(text).trim().replace(",", "."));
  return Number.isFinite(value) ? value : null;
}

function showDifference(row) {
  const received = number(row.querySelector("input.received").value);
  const cell = row.querySelector(".difference");
  if (received === null) {
    cell.textContent = "?";
    return;
  }
  const difference = Math.round((received - number(row.dataset.sent)) * 100000) / 100000;
  cell.textContent = difference > 0 ? `+${difference}` : String(difference);
  row.classList.toggle("short", difference < 0);
}

for (const row of rows) {
  row.querySelector("input.received").addEventListener("input", () => showDifference(row));
  showDifference(row);
}

document.getElementById("received-zero").addEventListener("click", () => {
  for (const row of rows) {
    row.querySelector("input.received").value = "0";
    showDifference(row);
  }
  scan.focus();
});

scan.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault(); // a scan never submits the receipt
  const code = scan.value.trim();
  scan.value = "";
  if (!code) return;
  const row = rows.find((r) => r.dataset.codes.split(" ").includes(code));
  if (!row) {
    status.textContent = scan.dataset.notFound;
    status.classList.add("warning");
    return;
  }
  const input = row.querySelector("input.received");
  input.value = String((number(input.value) || 0) + 1);
  showDifference(row);
  status.textContent = `${row.dataset.product}: ${input.value}`;
  status.classList.remove("warning");
});
