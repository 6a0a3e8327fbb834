// The card terminal dialog: a payment on an integrated type is started on the register's
// terminal with an id made here (the idempotency key: a lost answer is retried with the same
// id, never a second charge), polled until it ends, and may be cancelled by the cashier.
// Resolves with the approved terminal payment, or null.
import { uuid4 } from "./money.js";

const $ = (id) => document.getElementById(id);
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const POLL_MS = 700;

async function api(path, options = {}) {
  try {
    const response = await fetch(path, {
      ...options,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
    });
    const body = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body };
  } catch {
    return { ok: false, status: 0, body: {} };
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function cancelTerminalPayment(id) {
  return api(`/api/comptoir/terminal_payments/${id}/actions/cancel`, { method: "POST" });
}

export function payOnTerminal({ registerId, typeId, amount, label }) {
  const dialog = $("terminal-dialog");
  const words = dialog.dataset;
  const id = uuid4();
  let cancelled = false;
  let payment = null;

  const show = (text, message = "") => {
    $("terminal-status").textContent = text;
    $("terminal-message").textContent = message;
    dialog.dataset.state = payment?.status ?? "";
  };

  return new Promise((resolve) => {
    const finish = (result) => { dialog.close(); resolve(result); };
    $("terminal-amount").textContent = label;
    $("terminal-cancel").hidden = false;
    $("terminal-cancel").disabled = false;
    $("terminal-close").hidden = true;
    $("terminal-cancel").onclick = async () => {
      cancelled = true;
      $("terminal-cancel").disabled = true;
      const reply = await cancelTerminalPayment(id);
      if (reply.ok) payment = reply.body.data;
    };
    $("terminal-close").onclick = () => finish(null);
    dialog.oncancel = (event) => event.preventDefault(); // Escape: use the Cancel button
    show(words.pending);
    dialog.showModal();

    (async () => {
      const body = JSON.stringify({ id, register_id: registerId, payment_type_id: typeId, amount });
      // Started with the same id until the server answers: one payment whatever happens.
      for (;;) {
        const reply = await api("/api/comptoir/terminal_payments", { method: "POST", body });
        if (reply.ok) { payment = reply.body.data; break; }
        if (reply.status !== 0 && reply.status < 500) {
          show(words.error, reply.body.error || String(reply.status));
          $("terminal-cancel").hidden = true;
          $("terminal-close").hidden = false;
          return;
        }
        show(words.unreachable);
        await sleep(POLL_MS * 2);
      }
      while (payment.status === "PENDING") {
        show(payment.message && !cancelled ? words.unreachable : words.pending);
        await sleep(POLL_MS);
        const reply = await api(`/api/comptoir/terminal_payments/${id}`);
        if (reply.ok) payment = reply.body.data;
      }
      const status = payment.status;
      show(words[status.toLowerCase()] || status, payment.message || "");
      if (status === "APPROVED") {
        $("terminal-cancel").hidden = true;
        await sleep(600);
        finish(payment);
        return;
      }
      $("terminal-cancel").hidden = true;
      $("terminal-close").hidden = false;
      $("terminal-close").focus();
    })();
  });
}
