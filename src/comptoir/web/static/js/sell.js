// The sell screen: scan or search, build the sale, take payment, record it once.
import { formatter, toDecimalString, toUnits, uuid4 } from "./money.js";
import { askApproval, initLineEditor, initSaleDiscount, lineFields, priceCart, saleFields } from "./sell_pricing.js";
import { sendTypedReceiptEmail } from "./sell_printing.js";
import { initTenders } from "./sell_tenders.js";

const config = JSON.parse(document.getElementById("sell-config").textContent);
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const t = config.strings;
const money = formatter(config.locale, config.currency);
const taxInclusive = !config.tax_exclusive;
const PENDING_KEY = "comptoir.pendingSale";
const REGISTER_KEY = "comptoir.register";

const $ = (id) => document.getElementById(id);
const search = $("search");
const results = $("results");
const registerSelect = $("register");
const statusLine = $("status");
const cartBody = $("cart-lines");
const payButton = $("pay");
const dialog = $("pay-dialog");
const tendered = $("tendered");

// saleId/version: a parked sale being continued (sell_states.js), sent with its own id.
const state = {
  lines: [], results: [], highlighted: -1, taxes: new Map(), searchSeq: 0, saleId: null, version: null,
};

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken, ...(options.headers || {}) },
  });
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}

async function loadTaxes() {
  const { ok, body } = await api("/api/2.0/taxes");
  if (!ok) return;
  for (const tax of body.data) {
    state.taxes.set(tax.id, tax.rates.map((r) => ({ id: r.id, name: r.name, rate: toUnits(r.rate) })));
  }
}

// The rates a product sells with at the chosen register, chosen as the server does
// (sales/lookup.py): the product's tax at the register's outlet, else the outlet's or
// the store's default tax.
function ratesOf(product) {
  const register = config.registers[registerSelect.value] ?? {};
  const atOutlet = (product.outlet_taxes ?? []).find((t) => t.outlet_id === register.outlet_id);
  const taxId = (atOutlet ? atOutlet.tax_id : product.tax_id) || register.default_tax_id;
  return state.taxes.get(taxId) ?? [];
}

function unitPrice(product) {
  return toUnits(taxInclusive ? product.price_including_tax : product.price_excluding_tax);
}

// The sale with its discounts (sell_pricing.js), as the server will price it.
const pricing = { catalogOf: unitPrice, ratesOf, taxInclusive, digits: money.digits };

function amounts() {
  return priceCart({ lines: state.lines, ...pricing });
}

// With more than one rate in the sale, its tax by rate, as the receipt will show it.
function renderTaxByRate(taxes) {
  for (const row of document.querySelectorAll(".totals .tax-rate")) row.remove();
  if (taxes.length < 2) return;
  const before = $("tax-label");
  for (const tax of taxes) {
    const name = document.createElement("dt");
    name.className = "tax-rate";
    name.textContent = tax.name;
    const amount = document.createElement("dd");
    amount.className = "tax-rate";
    amount.textContent = money.format(tax.amount);
    before.before(name, amount);
  }
}

function setStatus(text, kind = "") {
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

function render() {
  const totals = amounts();
  cartBody.replaceChildren(...state.lines.map((line, index) => {
    const row = document.createElement("tr");
    row.dataset.productId = line.product.id;
    const name = document.createElement("td");
    const edit = document.createElement("button");
    edit.type = "button"; edit.className = "line-edit link"; edit.textContent = line.product.name;
    edit.setAttribute("aria-haspopup", "dialog");
    edit.addEventListener("click", () => lineEditor.open(line));
    name.append(edit);
    const given = totals.lines[index].discount;
    if (given || line.note) {
      const detail = document.createElement("small");
      detail.className = "line-detail";
      detail.textContent = [given ? `${t.discount} −${money.format(given)}` : "", line.note ?? ""].filter(Boolean).join(" · ");
      name.append(document.createElement("br"), detail);
    }
    const qtyCell = document.createElement("td");
    qtyCell.className = "num";
    const qty = document.createElement("input");
    qty.type = "number"; qty.min = "1"; qty.step = "any"; qty.className = "qty";
    qty.value = toDecimalString(line.quantity);
    qty.setAttribute("aria-label", `${line.product.name}: quantity`);
    qty.addEventListener("change", () => {
      const value = toUnits(qty.value);
      if (value !== null && value > 0n) line.quantity = value;
      render();
    });
    qty.addEventListener("keydown", (event) => { if (event.key === "Enter") { qty.blur(); search.focus(); } });
    qtyCell.append(qty);
    const price = document.createElement("td");
    price.className = "num";
    price.textContent = money.format(unitPrice(line.product));
    const total = document.createElement("td");
    total.className = "num line-total";
    total.textContent = money.format(taxInclusive ? totals.lines[index].gross : totals.lines[index].net);
    const removeCell = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button"; remove.className = "remove"; remove.textContent = "×";
    remove.setAttribute("aria-label", `${t.remove} ${line.product.name}`);
    remove.addEventListener("click", () => { state.lines.splice(index, 1); render(); search.focus(); });
    removeCell.append(remove);
    row.append(name, qtyCell, price, total, removeCell);
    return row;
  }));
  $("empty").hidden = state.lines.length > 0;
  $("subtotal").textContent = money.format(totals.net);
  $("tax").textContent = money.format(totals.tax);
  renderTaxByRate(totals.taxes);
  $("total").textContent = money.format(totals.gross);
  $("discount-label").hidden = $("discount-total").hidden = totals.discount === 0n;
  $("discount-total").textContent = `−${money.format(totals.discount)}`;
  payButton.disabled = state.lines.length === 0;
  $("sale-discount-open").disabled = state.lines.length === 0;
}

// `typed` is the text the product was found by: the box is cleared only if it still holds
// it, so what the cashier typed while a scan was being looked up is kept.
function addProduct(product, typed = search.value) {
  const existing = state.lines.find((line) => line.product.id === product.id);
  if (existing) existing.quantity += 100000n;
  else state.lines.push({ product, quantity: 100000n });
  if (search.value === typed) {
    search.value = "";
    hideResults();
  }
  setStatus(`${t.added}: ${product.name}`);
  render();
}

function hideResults() {
  results.hidden = true;
  search.setAttribute("aria-expanded", "false");
  state.results = [];
  state.resultsFor = null;
  state.highlighted = -1;
}

function showResults(products, text) {
  state.results = products;
  state.resultsFor = text;
  state.highlighted = products.length ? 0 : -1;
  results.replaceChildren(...products.map((product, index) => {
    const item = document.createElement("li");
    item.role = "option";
    item.id = `result-${index}`;
    item.dataset.index = String(index);
    const name = document.createElement("span");
    name.textContent = product.name;
    const detail = document.createElement("span");
    detail.className = "muted";
    detail.textContent = `${product.sku} · ${money.format(unitPrice(product))}`;
    item.append(name, detail);
    item.addEventListener("mousedown", (event) => { event.preventDefault(); addProduct(product); });
    return item;
  }));
  if (!products.length) {
    const none = document.createElement("li");
    none.className = "muted";
    none.textContent = t.no_results;
    results.append(none);
    if (quickAdd) {
      // Nothing found: offer to create it (Enter does the same).
      const offer = document.createElement("li");
      offer.className = "quick-add-offer";
      const button = document.createElement("button");
      button.type = "button";
      button.id = "quick-add-offer";
      button.textContent = `${t.quick_add} « ${text} »`;
      button.addEventListener("mousedown", (event) => { event.preventDefault(); quickAdd.open(text); });
      offer.append(button);
      results.append(offer);
    }
  }
  results.hidden = false;
  search.setAttribute("aria-expanded", "true");
  highlight(state.highlighted);
}

function highlight(index) {
  state.highlighted = index;
  for (const item of results.querySelectorAll("[role=option]")) {
    item.setAttribute("aria-selected", String(Number(item.dataset.index) === index));
  }
  if (index >= 0) search.setAttribute("aria-activedescendant", `result-${index}`);
}

// Search-as-you-type drops answers overtaken by a newer keystroke; a lookup on Enter (a scan)
// is never dropped, whatever the cashier types next.
async function find(text, { latestOnly = true } = {}) {
  const seq = ++state.searchSeq;
  const { ok, body } = await api(`/api/2.0/search?type=products&page_size=8&q=${encodeURIComponent(text)}`);
  if (latestOnly && seq !== state.searchSeq) return null;
  return ok ? body.data : [];
}

let debounce = 0;
search.addEventListener("input", () => {
  clearTimeout(debounce);
  const text = search.value.trim();
  if (!text) { hideResults(); return; }
  debounce = setTimeout(async () => {
    const found = await find(text);
    if (found !== null && search.value.trim() === text) showResults(found, text);
  }, 120);
});

search.addEventListener("keydown", async (event) => {
  if (event.key === "ArrowDown" && state.results.length) {
    event.preventDefault();
    highlight(Math.min(state.highlighted + 1, state.results.length - 1));
  } else if (event.key === "ArrowUp" && state.results.length) {
    event.preventDefault();
    highlight(Math.max(state.highlighted - 1, 0));
  } else if (event.key === "Escape") {
    hideResults();
  } else if (event.key === "Enter") {
    event.preventDefault();
    const text = search.value.trim();
    if (!text) { if (state.lines.length) openPayment(); return; }
    clearTimeout(debounce);
    const current = state.resultsFor === text && !results.hidden;
    const chosen = current && state.highlighted >= 0 ? state.results[state.highlighted] : null;
    if (chosen) { addProduct(chosen); return; }
    if (current && !state.results.length && quickAdd) { quickAdd.open(text); return; }
    // A scanner types the code and Enter faster than the debounce: look it up now.
    const typed = search.value;
    const found = await find(text, { latestOnly: false });
    const exact = found.find((p) => p.sku === text || p.product_codes.some((c) => c.code === text));
    if (exact || found.length === 1) addProduct(exact || found[0], typed);
    else if (search.value === typed) showResults(found, text);
  }
});

search.addEventListener("blur", () => setTimeout(hideResults, 150));

// A scan lands in the search box wherever the focus was, unless the cashier is typing elsewhere.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLInputElement || target instanceof HTMLSelectElement
    || target instanceof HTMLTextAreaElement || dialog.open || $("switch-dialog").open
    || $("quick-add-dialog")?.open;
  if (!typing && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
    search.focus();
  }
});

// Quick add ------------------------------------------------------------------------------

// A product missing from the catalog: a name and a price create it and put it in the sale.
// The request carries an id made when the dialog opens, so sending it again after a timeout
// finds the product the first attempt created instead of making a second one.
const quickAdd = config.can_quick_add ? (() => {
  const box = $("quick-add-dialog");
  const fields = {
    name: $("quick-add-name"), price: $("quick-add-price"), sku: $("quick-add-sku"), barcode: $("quick-add-barcode"),
  };
  const error = $("quick-add-error");
  const confirm = $("quick-add-confirm");
  let clientId = null;

  function open(typed = "") {
    hideResults();
    clientId = uuid4();
    const scanned = /^\d{8,14}$/.test(typed.trim());
    fields.name.value = scanned ? "" : typed.trim();
    fields.price.value = "";
    fields.sku.value = "";
    fields.barcode.value = scanned ? typed.trim() : "";
    error.textContent = "";
    confirm.disabled = false;
    box.showModal();
    (fields.name.value ? fields.price : fields.name).focus();
  }

  function close() {
    box.close();
    clientId = null;
    search.focus();
  }

  async function create(event) {
    event.preventDefault();
    if (confirm.disabled) return;
    const price = toUnits(fields.price.value.replace(",", "."));
    if (price === null || price < 0n) { error.textContent = t.quick_add_price; fields.price.focus(); return; }
    confirm.disabled = true;
    error.textContent = "";
    let reply;
    try {
      reply = await api("/sell/quick_add", {
        method: "POST",
        body: JSON.stringify({
          client_id: clientId,
          name: fields.name.value,
          price: toDecimalString(price),
          sku: fields.sku.value.trim() || null,
          barcode: fields.barcode.value.trim() || null,
        }),
      });
    } catch {
      reply = { ok: false, status: 0, body: {} };
    }
    confirm.disabled = false;
    if (reply.ok) {
      const typed = search.value;
      close();
      addProduct(reply.body.data, typed);
      return;
    }
    if (reply.status === 0 || reply.status >= 500 || reply.status === 429) {
      // Same id on the next press: a product the server made meanwhile is found, not doubled.
      error.textContent = t.quick_add_offline;
      return;
    }
    const problems = (reply.body.details?.problems || []).map((p) => `${p.field}: ${p.message}`);
    error.textContent = `${t.quick_add_failed} ${[reply.body.error || reply.status, ...problems].join(" · ")}`;
  }

  $("quick-add-form").addEventListener("submit", create);
  $("quick-add-cancel").addEventListener("click", close);
  box.addEventListener("cancel", () => { clientId = null; });
  $("quick-add-open").addEventListener("click", () => open(search.value));
  return { open };
})() : null;

// Payment --------------------------------------------------------------------------------

const tenders = initTenders({ dialog, money, t, increment: config.cash_rounding_increment, due: () => amounts().gross });
const lineEditor = initLineEditor({ t, money, catalogOf: unitPrice, onChange: render });
initSaleDiscount({ t, onChange: render });

function openPayment() {
  if (!state.lines.length) return;
  $("pay-error").textContent = "";
  tenders.open();
  dialog.showModal();
  tendered.focus();
  tendered.select();
}

payButton.addEventListener("click", openPayment);
$("pay-cancel").addEventListener("click", () => { dialog.close(); search.focus(); });

function buildSale() {
  const sale = {
    id: state.saleId || uuid4(),
    register_id: registerSelect.value,
    user_id: config.user_id,
    customer_id: document.getElementById("sale-customer").value || null,
    state: "closed",
    register_sale_products: state.lines.map((line, index) => ({
      product_id: line.product.id, quantity: toDecimalString(line.quantity), sequence: index,
      ...lineFields(line, pricing),
    })),
    register_sale_payments: tenders.body(),
    ...saleFields(),
  };
  if (state.version !== null) sale.version = state.version;
  return sale;
}

// The sale is kept on this device until the server acknowledges it, and re-sent with the same
// id: a retry never records it twice, and closing the tab never loses it.
async function submit(sale, attempt = 0) {
  localStorage.setItem(PENDING_KEY, JSON.stringify(sale));
  setStatus(t.saving);
  let reply;
  try {
    reply = await api("/api/register_sales", { method: "POST", body: JSON.stringify(sale) });
  } catch {
    reply = { ok: false, status: 0, body: {} };
  }
  if (reply.ok) {
    localStorage.removeItem(PENDING_KEY);
    await sendTypedReceiptEmail(reply.body.register_sale.id);
    window.location.assign(`/sales/${reply.body.register_sale.id}/receipt`);
    return;
  }
  if (reply.status === 0 || reply.status >= 500 || reply.status === 429) {
    setStatus(t.offline_retry, "warning");
    const delay = Math.min(30000, 1000 * 2 ** attempt);
    setTimeout(() => submit(sale, attempt + 1), delay);
    return;
  }
  if (reply.status === 403 && reply.body.details?.limit !== undefined && !sale.discount_approval_id) {
    // A discount beyond the cashier's limit: a manager approves it for this sale.
    const approvalId = await askApproval({ t, api, saleId: sale.id, refused: reply.body });
    if (approvalId) { submit({ ...sale, discount_approval_id: approvalId }); return; }
  }
  localStorage.removeItem(PENDING_KEY);
  $("pay-error").textContent = `${t.error} ${reply.body.error || reply.status}`;
  setStatus("");
  if (!dialog.open) dialog.showModal();
}

$("pay-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if ($("pay-confirm").disabled) return;
  $("pay-confirm").disabled = true;
  submit(buildSale());
});

// After a switch at this register (switch_user.js), the sale is made by the new user.
document.addEventListener("comptoir:user-switched", (event) => { config.user_id = event.detail.user_id; });

// Start-up -------------------------------------------------------------------------------

// What sell_states.js (park, retrieve, layby, on account) works with.
window.comptoirSell = { state, render, amounts, api, buildSale, submit, setStatus, money, dialog };
document.dispatchEvent(new CustomEvent("comptoir:sell-ready"));

const savedRegister = localStorage.getItem(REGISTER_KEY);
if (savedRegister && [...registerSelect.options].some((o) => o.value === savedRegister)) {
  registerSelect.value = savedRegister;
}
registerSelect.addEventListener("change", () => {
  localStorage.setItem(REGISTER_KEY, registerSelect.value);
  render(); // another outlet may tax the same products otherwise
});

await loadTaxes();
render();
const pending = localStorage.getItem(PENDING_KEY);
if (pending) submit(JSON.parse(pending));
// Start-up waited for the taxes: never take the focus from what the cashier reached meanwhile.
if (document.activeElement === document.body || document.activeElement === null) search.focus();
document.documentElement.dataset.sellReady = "true";
