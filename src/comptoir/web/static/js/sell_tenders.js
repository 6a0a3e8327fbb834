// The pay panel: several payments of several types on one sale, quick cash buttons (the
// exact amount, the next notes), change only from cash, and the store's cash rounding
// (sales/pricing.py `cash_rounding`): what is left to pay in cash once the other tenders are
// counted is rounded to the increment, shown as its own line.
import { roundToIncrement, toDecimalString, toUnits } from "./money.js";
import { cancelTerminalPayment, payOnTerminal } from "./sell_terminal.js";

const $ = (id) => document.getElementById(id);
const NOTES = [5n, 10n, 20n, 50n, 100n, 200n, 500n].map((n) => n * 100000n);

export function initTenders({ dialog, money, t, increment, due }) {
  const tendered = $("tendered");
  const list = $("tender-list");
  const payments = [];
  const step = increment ? toUnits(increment) : null;

  const selected = () => dialog.querySelector('input[name="payment_type"]:checked');
  const isCash = (radio) => radio?.dataset.cash === "true";
  const sum = (items) => items.reduce((total, p) => total + p.amount, 0n);

  // The rounding, the amount to pay and what is left, counting `pending` (the amount typed
  // for the tender chosen, not added yet) as the server will count the payments sent.
  function figures(pending = null) {
    const all = pending ? [...payments, pending] : payments;
    const total = due();
    const cash = all.some((p) => p.isCash);
    const notCash = sum(all.filter((p) => !p.isCash));
    let rounding = 0n;
    if (step && cash && total - notCash > 0n) {
      rounding = roundToIncrement(total - notCash, step) - (total - notCash);
    }
    const toPay = total + rounding;
    return { rounding, toPay, remaining: toPay - sum(all), cashPaid: sum(all.filter((p) => p.isCash)) };
  }

  function pending() {
    const amount = toUnits(tendered.value);
    const radio = selected();
    if (amount === null || amount <= 0n || !radio) return null;
    return {
      typeId: radio.value, name: radio.parentElement.textContent.trim(), isCash: isCash(radio), amount,
      provider: radio.dataset.provider || "",  // integrated: taken on the terminal when added
    };
  }

  // What is left once the payments added so far are counted, for the tender chosen.
  function leftFor(radio) {
    const left = figures(isCash(radio) ? { isCash: true, amount: 0n } : null).remaining;
    return left > 0n ? left : 0n;
  }

  function renderQuickCash() {
    const box = $("quick-cash");
    box.replaceChildren();
    if (!isCash(selected())) return;
    const left = leftFor(selected());
    if (left <= 0n) return;
    const values = [left, ...NOTES.filter((n) => n > left).slice(0, 3)];
    for (const [index, value] of values.entries()) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "quick";
      button.dataset.amount = toDecimalString(value);
      button.textContent = index === 0 ? `${t.exact} ${money.format(value)}` : money.format(value);
      button.addEventListener("click", () => { tendered.value = toDecimalString(value); update(); });
      box.append(button);
    }
  }

  function renderList() {
    list.replaceChildren(...payments.map((p, index) => {
      const item = document.createElement("li");
      item.textContent = `${p.name} ${money.format(p.amount)} `;
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "remove"; remove.textContent = "×";
      remove.setAttribute("aria-label", `${t.remove} ${p.name}`);
      remove.addEventListener("click", () => {
        // An approved card payment taken off the sale is voided on the terminal.
        if (p.terminalPaymentId) cancelTerminalPayment(p.terminalPaymentId);
        payments.splice(index, 1);
        reset();
      });
      item.append(remove);
      return item;
    }));
  }

  function update() {
    const radio = selected();
    const typed = pending();
    const { rounding, toPay, remaining, cashPaid } = figures(typed);
    $("pay-due").textContent = money.format(toPay);
    $("pay-rounding-row").hidden = rounding === 0n;
    $("pay-rounding").textContent = money.format(rounding);
    // What is left once the payments added are counted (the amount typed is not added yet).
    $("pay-remaining").textContent = money.format(leftFor(radio));
    const confirm = $("pay-confirm");
    const cardOver = typed && !typed.isCash && typed.amount > leftFor(radio);
    if (typed === null && payments.length === 0) {
      $("change-label").textContent = "";
      $("change").textContent = "";
      confirm.disabled = true;
    } else {
      $("change-label").textContent = remaining <= 0n ? t.change_due : t.still_to_pay;
      $("change").textContent = money.format(remaining <= 0n ? -remaining : remaining);
      // A card amount typed for a terminal is only counted once the terminal approved it.
      confirm.disabled = remaining > 0n || -remaining > cashPaid || Boolean(cardOver) || Boolean(typed?.provider);
    }
    $("tender-add").disabled = typed === null || Boolean(cardOver);
    renderQuickCash();
  }

  // After a change of tender or list: the amount box proposes what is left.
  function reset() {
    renderList();
    tendered.value = toDecimalString(leftFor(selected()));
    update();
  }

  $("tender-add").addEventListener("click", async () => {
    const typed = pending();
    if (!typed) return;
    if (typed.provider) {
      const approved = await payOnTerminal({
        registerId: document.getElementById("register").value,
        typeId: typed.typeId,
        amount: toDecimalString(typed.amount),
        label: money.format(typed.amount),
      });
      if (!approved) { tendered.focus(); return; }
      typed.terminalPaymentId = approved.id;
    }
    payments.push(typed);
    reset();
    tendered.focus();
    tendered.select();
  });
  tendered.addEventListener("input", update);
  for (const radio of dialog.querySelectorAll('input[name="payment_type"]')) {
    radio.addEventListener("change", () => { reset(); tendered.focus(); });
  }

  return {
    open() {
      payments.length = 0;
      reset();
    },
    // The payments to send: those added, and the amount typed for the tender chosen.
    body() {
      const typed = pending();
      return [...payments, ...(typed && !typed.provider ? [typed] : [])].map((p) => ({
        retailer_payment_type_id: p.typeId, amount: toDecimalString(p.amount),
        ...(p.terminalPaymentId ? { terminal_payment_id: p.terminalPaymentId } : {}),
      }));
    },
  };
}
