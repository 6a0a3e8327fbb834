// The sale's states at the sell screen: park (with a note) or save as a quote, retrieve a
// parked sale, quote, layby or on-account sale of this outlet and continue it (same id, its
// version so a sale continued at two registers at once is refused at one), take a later
// payment on a layby or an on-account sale, and record a layby or an on-account sale.
import { toDecimalString, toUnits, uuid4 } from "./money.js";

if (!window.comptoirSell) {
  await new Promise((resolve) => document.addEventListener("comptoir:sell-ready", resolve, { once: true }));
}
const sell = window.comptoirSell;
const config = JSON.parse(document.getElementById("sell-config").textContent);
const t = JSON.parse(document.getElementById("sell-states-strings").textContent);
const $ = (id) => document.getElementById(id);
const registerSelect = $("register");
const parkDialog = $("park-dialog");
const retrieveDialog = $("retrieve-dialog");
const installmentDialog = $("installment-dialog");

function customerId() {
  return $("sale-customer").value || null;
}

function refreshButtons() {
  $("park-open").disabled = sell.state.lines.length === 0;
}

function clearSale() {
  sell.state.lines.length = 0;
  sell.state.saleId = null;
  sell.state.version = null;
  $("continuing").hidden = true;
  sell.render();
  refreshButtons();
}

function statusText(sale) {
  if (sale.status === "SAVED" && sale.is_quote) return t.QUOTE;
  return t[sale.status] || sale.status;
}

// Park -------------------------------------------------------------------------------------

$("park-open").addEventListener("click", () => {
  $("park-error").textContent = "";
  parkDialog.showModal();
  $("park-note").focus();
});
$("park-cancel").addEventListener("click", () => parkDialog.close());
$("park-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const sale = sell.buildSale();
  delete sale.state;
  sale.status = "SAVED";
  sale.note = $("park-note").value.trim() || null;
  sale.is_quote = $("park-quote").checked;
  sale.register_sale_payments = [];
  const reply = await sell.api("/api/register_sales", { method: "POST", body: JSON.stringify(sale) });
  if (!reply.ok) {
    $("park-error").textContent = `${t.refused} ${reply.body.error || reply.status}`;
    return;
  }
  if (sale.is_quote) {
    // The quote to print or email to the customer.
    window.location.assign(`/sales/${reply.body.register_sale.id}/quote`);
    return;
  }
  parkDialog.close();
  $("park-note").value = "";
  $("park-quote").checked = false;
  clearSale();
  sell.setStatus(sale.is_quote ? t.quote_saved : t.parked, "ok");
});

// Layby and on account, from the payment dialog ----------------------------------------------

async function recordOpen(status) {
  if (!customerId()) {
    $("pay-error").textContent = t.needs_customer;
    return;
  }
  const sale = sell.buildSale();
  delete sale.state;
  sale.status = status;
  // A deposit (or nothing): only the tenders actually received.
  sale.register_sale_payments = sale.register_sale_payments.filter((p) => (toUnits(p.amount) ?? 0n) > 0n);
  sell.submit(sale);
}
$("layby-confirm").addEventListener("click", () => recordOpen("LAYBY"));
$("onaccount-confirm").addEventListener("click", () => recordOpen("ONACCOUNT"));

// Retrieve ---------------------------------------------------------------------------------

async function openSales() {
  const outlet = config.registers[registerSelect.value]?.outlet_id;
  const query = new URLSearchParams({ outlet_id: outlet ?? "", page_size: "500" });
  query.append("state[]", "parked");
  query.append("state[]", "pending");
  const reply = await sell.api(`/api/register_sales?${query}`);
  return reply.ok ? reply.body.register_sales : [];
}

function cell(text, className = "") {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

async function showRetrieve() {
  $("retrieve-error").textContent = "";
  const found = (await openSales()).reverse();
  $("retrieve-empty").hidden = found.length > 0;
  $("retrieve-list").replaceChildren(...found.map((sale) => {
    const row = document.createElement("tr");
    row.dataset.saleId = sale.id;
    const paid = sale.totals.total_payment;
    const total = sale.totals.total_payment + sale.totals.total_to_pay;
    row.append(
      cell(sale.invoice_number),
      cell(statusText(sale)),
      cell(sale.customer_name),
      cell(sale.note),
      cell(sell.money.format(toUnits(total.toFixed(5))), "num"),
      cell(sell.money.format(toUnits(paid.toFixed(5))), "num"),
    );
    const actions = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    if (sale.status === "SAVED") {
      button.textContent = t.continue;
      button.addEventListener("click", () => continueSale(sale));
    } else {
      button.textContent = t.pay;
      button.addEventListener("click", () => openInstallment(sale));
    }
    const voiding = document.createElement("button");
    voiding.type = "button";
    voiding.className = "void";
    voiding.textContent = t.void;
    voiding.addEventListener("click", () => voidSale(sale));
    actions.append(button, " ", voiding);
    if (sale.is_quote) {
      const print = document.createElement("a");
      print.href = `/sales/${sale.id}/quote`;
      print.className = "button";
      print.textContent = t.QUOTE;
      actions.append(" ", print);
    }
    row.append(actions);
    return row;
  }));
  if (!retrieveDialog.open) retrieveDialog.showModal();
}
$("retrieve-open").addEventListener("click", showRetrieve);
$("retrieve-close").addEventListener("click", () => retrieveDialog.close());

async function continueSale(sale) {
  const full = await sell.api(`/api/2.0/sales/${sale.id}`);
  if (!full.ok) { $("retrieve-error").textContent = `${t.refused} ${full.body.error || full.status}`; return; }
  const lines = [];
  for (const line of full.body.data.line_items) {
    const product = await sell.api(`/api/2.0/products/${line.product_id}`);
    if (!product.ok) { $("retrieve-error").textContent = `${t.refused} ${product.body.error || product.status}`; return; }
    lines.push({ product: product.body.data, quantity: toUnits(Number(line.quantity).toFixed(5)) });
  }
  sell.state.lines.splice(0, sell.state.lines.length, ...lines);
  sell.state.saleId = sale.id;
  sell.state.version = sale.version;
  $("sale-customer").value = sale.customer_id || "";
  $("customer-name").textContent = sale.customer_name || "";
  $("customer-code").textContent = "";
  $("customer-attached").hidden = !sale.customer_id;
  $("customer-find").hidden = Boolean(sale.customer_id);
  $("continuing").textContent = t.continuing.replace("__NUMBER__", sale.invoice_number);
  $("continuing").hidden = false;
  retrieveDialog.close();
  sell.render();
  refreshButtons();
}

// A cashier voids a parked or open sale: its stock comes back, what was paid is refunded.
async function voidSale(sale) {
  if (!window.confirm(t.void_confirm.replace("__NUMBER__", sale.invoice_number))) return;
  const reply = await sell.api(`/api/2.0/sales/${sale.id}/actions/void`, { method: "PUT" });
  if (!reply.ok) {
    $("retrieve-error").textContent = `${t.refused} ${reply.body.error || reply.status}`;
    return;
  }
  sell.setStatus(t.voided, "ok");
  await showRetrieve();
}

// A later payment on a layby or an on-account sale --------------------------------------------

let installment = null;

function openInstallment(sale) {
  const due = toUnits(sale.totals.total_to_pay.toFixed(5));
  installment = { sale, id: uuid4() };
  $("installment-due").textContent = sell.money.format(due);
  $("installment-amount").value = toDecimalString(due);
  $("installment-error").textContent = "";
  installmentDialog.showModal();
  $("installment-amount").select();
}
$("installment-cancel").addEventListener("click", () => installmentDialog.close());
$("installment-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const amount = toUnits($("installment-amount").value);
  if (amount === null || amount <= 0n) return;
  const reply = await sell.api(`/api/2.0/sales/${installment.sale.id}/payments`, {
    method: "POST",
    body: JSON.stringify({
      id: installment.id,
      retailer_payment_type_id: $("installment-type").value,
      amount: toDecimalString(amount),
      register_id: registerSelect.value,
    }),
  });
  if (!reply.ok) {
    $("installment-error").textContent = `${t.refused} ${reply.body.error || reply.status}`;
    return;
  }
  installmentDialog.close();
  sell.setStatus(t.paid, "ok");
  await showRetrieve();
});

// The Park button follows the cart (sell.js renders it on each change).
new MutationObserver(refreshButtons).observe($("cart-lines"), { childList: true });
refreshButtons();

// /sell?sale=<id> (the sale's page in sales history: "Continue the sale", "Take a payment").
(async function openFromHistory() {
  const wanted = new URLSearchParams(window.location.search).get("sale");
  if (!wanted) return;
  const sale = (await openSales()).find((found) => found.id === wanted);
  if (!sale) { sell.setStatus(t.refused, "error"); return; }
  if (sale.status === "SAVED") {
    await continueSale(sale);
  } else {
    await showRetrieve();
    openInstallment(sale);
  }
})();
