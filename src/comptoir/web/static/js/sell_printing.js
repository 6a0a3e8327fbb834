// The sell screen's printing: the register printer's state in the register bar, and the
// receipt emailed to an address typed in the payment dialog once the sale is recorded.
const $ = (id) => document.getElementById(id);
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
const PENDING_EMAILS = "comptoir.pendingReceiptEmails";
const POLL_MS = 15000;

async function put(path, body) {
  try {
    const response = await fetch(path, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    return response.status;
  } catch {
    return 0;
  }
}

function pendingEmails() {
  try { return JSON.parse(localStorage.getItem(PENDING_EMAILS) || "[]"); } catch { return []; }
}

// Kept on this device until the server has queued it: a network blip never loses it. A
// refusal (422: not an address) is dropped; the receipt page can still email it.
async function flushEmails() {
  const left = [];
  for (const item of pendingEmails()) {
    const status = await put(`/api/2.0/sales/${item.saleId}/actions/email_receipt`, { email: item.email });
    if (status === 0 || status >= 500 || status === 429) left.push(item);
  }
  localStorage.setItem(PENDING_EMAILS, JSON.stringify(left));
}

export async function sendTypedReceiptEmail(saleId) {
  const email = $("receipt-email")?.value.trim();
  if (!email) return;
  localStorage.setItem(PENDING_EMAILS, JSON.stringify([...pendingEmails(), { saleId, email }]));
  await flushEmails();
}

async function showPrinter() {
  const badge = $("printer-status");
  const register = $("register")?.value;
  if (!badge || !register) return;
  let state;
  try {
    const response = await fetch(`/api/2.0/registers/${register}/printer`, { credentials: "same-origin" });
    if (!response.ok) return;
    state = (await response.json()).data;
  } catch {
    return;
  }
  badge.hidden = !state.configured;
  badge.dataset.status = state.status;
  let text = badge.dataset[state.status] || "";
  if (state.status === "error" && state.last_error) badge.title = state.last_error;
  if (state.pending_jobs) text += ` · ${state.pending_jobs} ${badge.dataset.waiting}`;
  badge.textContent = text;
  const retry = $("printer-retry");
  if (retry) retry.hidden = !(state.configured && state.pending_jobs > 0);
}

$("printer-retry")?.addEventListener("click", async () => {
  const register = $("register")?.value;
  if (register) await put(`/api/2.0/registers/${register}/printer/actions/retry`, {});
  showPrinter();
});

$("register")?.addEventListener("change", showPrinter);
showPrinter();
setInterval(showPrinter, POLL_MS);
flushEmails();
