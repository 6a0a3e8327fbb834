// The sell screen's discounts: a line's discount (percent or amount), price and note, the
// whole sale's discount, and a manager's approval when the server says a discount is
// beyond the cashier's limit. Amounts are computed by money.js exactly as the server does
// (sales/pricing.py), so the total on screen is the total recorded.
import { UNIT, divRound, priceSale, quantumOf, roundTo, toDecimalString, toUnits } from "./money.js";

const $ = (id) => document.getElementById(id);

// The sale's own discount: { percent, amount } in units (null when not given).
export const saleDiscount = { percent: null, amount: null };

// One cart line as money.js prices it. `catalog` is the catalog unit price in the store's
// mode; a price typed below it is a discount (an amount off the line), above it a price.
function lineInput(line, { catalog, rates, taxInclusive, digits }) {
  const input = { unitPrice: catalog, quantity: line.quantity, rates };
  if (line.percent != null) return { ...input, percent: line.percent };
  if (line.amount != null) return { ...input, amount: line.amount };
  if (line.price != null && line.price < catalog) {
    return { ...input, amount: roundTo((catalog - line.price) * line.quantity, UNIT, quantumOf(digits)) };
  }
  if (line.price != null && line.price > catalog) {
    return { ...input, unitPrice: serverUnit(line.price, rates, taxInclusive) };
  }
  return input;
}

const rateOf = (rates) => rates.reduce((sum, r) => sum + r.rate, 0n);

// A price sent excluding tax and taken back with tax, as the server does (5 places).
function excludingTax(price, rates, taxInclusive) {
  return taxInclusive ? divRound(price * UNIT, UNIT + rateOf(rates)) : price;
}

function serverUnit(price, rates, taxInclusive) {
  if (!taxInclusive) return price;
  return divRound(excludingTax(price, rates, true) * (UNIT + rateOf(rates)), UNIT);
}

// The cart priced with its discounts: { lines, net, tax, gross, taxes, discount }.
export function priceCart({ lines, catalogOf, ratesOf, taxInclusive, digits }) {
  const inputs = lines.map((line) => lineInput(line, {
    catalog: catalogOf(line.product), rates: ratesOf(line.product), taxInclusive, digits,
  }));
  const sale = priceSale({ lines: inputs, taxInclusive, digits, ...saleDiscount });
  const discount = sale.lines.reduce((sum, l) => sum + l.discount, 0n);
  return { ...sale, discount };
}

// What the 0.9 body carries for a line's discount, price and note.
export function lineFields(line, { catalogOf, ratesOf, taxInclusive, digits }) {
  const fields = {};
  const catalog = catalogOf(line.product);
  const input = lineInput(line, { catalog, rates: ratesOf(line.product), taxInclusive, digits });
  if (input.percent != null) fields.discount_percent = toDecimalString(input.percent);
  else if (input.amount != null) fields.discount_amount = toDecimalString(input.amount);
  else if (line.price != null && line.price > catalog) {
    fields.price = toDecimalString(excludingTax(line.price, ratesOf(line.product), taxInclusive));
  }
  if (line.note) fields.note = line.note;
  return fields;
}

export function saleFields() {
  if (saleDiscount.percent != null) return { discount_percent: toDecimalString(saleDiscount.percent) };
  if (saleDiscount.amount != null) return { discount_amount: toDecimalString(saleDiscount.amount) };
  return {};
}

// A typed amount or percent: null when empty, undefined when not a number >= 0.
function parsed(text) {
  if (!text.trim()) return null;
  const units = toUnits(text.replace(/\s|%/g, ""));
  return units === null || units < 0n ? undefined : units;
}

// The line editor: opened from a line's name; `onChange` re-renders the sale.
export function initLineEditor({ t, money, catalogOf, onChange }) {
  const box = $("line-dialog");
  const fields = { percent: $("line-percent"), amount: $("line-amount"), price: $("line-price"), note: $("line-note") };
  let editing = null;
  const show = (value) => (value == null ? "" : toDecimalString(value));
  function open(line) {
    editing = line;
    $("line-title").textContent = line.product.name;
    $("line-list-price").textContent = money.format(catalogOf(line.product));
    fields.percent.value = show(line.percent);
    fields.amount.value = show(line.amount);
    fields.price.value = show(line.price);
    fields.note.value = line.note ?? "";
    $("line-error").textContent = "";
    box.showModal();
    fields.percent.focus();
  }
  $("line-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const percent = parsed(fields.percent.value);
    const amount = parsed(fields.amount.value);
    const price = parsed(fields.price.value);
    const given = [percent, amount, price].filter((v) => v != null).length;
    if ([percent, amount, price].includes(undefined) || given > 1 || (percent != null && percent > 100n * UNIT)) {
      $("line-error").textContent = t.discount_invalid;
      return;
    }
    Object.assign(editing, { percent, amount, price, note: fields.note.value.trim() || null });
    box.close();
    onChange();
  });
  $("line-cancel").addEventListener("click", () => box.close());
  return { open };
}

export function initSaleDiscount({ t, onChange }) {
  const box = $("sale-discount-dialog");
  const percent = $("sale-percent");
  const amount = $("sale-amount");
  $("sale-discount-open").addEventListener("click", () => {
    percent.value = saleDiscount.percent == null ? "" : toDecimalString(saleDiscount.percent);
    amount.value = saleDiscount.amount == null ? "" : toDecimalString(saleDiscount.amount);
    $("sale-discount-error").textContent = "";
    box.showModal();
    percent.focus();
  });
  $("sale-discount-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const p = parsed(percent.value);
    const a = parsed(amount.value);
    if (p === undefined || a === undefined || (p != null && a != null) || (p != null && p > 100n * UNIT)) {
      $("sale-discount-error").textContent = t.discount_invalid;
      return;
    }
    Object.assign(saleDiscount, { percent: p, amount: a });
    box.close();
    onChange();
  });
  $("sale-discount-cancel").addEventListener("click", () => box.close());
}

// The manager's approval, asked when the server refuses a discount beyond the cashier's
// limit (403 with `details.limit`): resolves with the approval's id, or null if cancelled.
export function askApproval({ t, api, saleId, refused }) {
  const box = $("approval-dialog");
  const secret = $("approval-secret");
  const details = refused.details ?? {};
  $("approval-reason").textContent = t.approval_reason
    .replace("{percent}", details.percent ?? "").replace("{limit}", details.limit ?? "");
  $("approval-error").textContent = "";
  secret.value = "";
  return new Promise((resolve) => {
    const form = $("approval-form");
    const done = (value) => {
      form.removeEventListener("submit", onSubmit);
      $("approval-cancel").removeEventListener("click", onCancel);
      box.close();
      resolve(value);
    };
    async function onSubmit(event) {
      event.preventDefault();
      const using = box.querySelector('input[name="approval-with"]:checked').value;
      const reply = await api("/api/comptoir/discount_approvals", {
        method: "POST",
        body: JSON.stringify({
          sale_id: saleId,
          username: $("approval-user").value,
          [using]: secret.value,
          max_percent: details.percent ?? "100",
        }),
      });
      if (reply.ok) { done(reply.body.data.id); return; }
      $("approval-error").textContent = reply.status === 429 ? t.switch_locked : (reply.body.error || t.switch_failed);
      secret.select();
    }
    const onCancel = () => done(null);
    form.addEventListener("submit", onSubmit);
    $("approval-cancel").addEventListener("click", onCancel);
    box.showModal();
    secret.focus();
  });
}
