// The sell screen's customer: find one to attach to the sale, or create one in a dialog
// without leaving the sale. sell.js sends `#sale-customer` with the sale.
import { uuid4 } from "./money.js";

const $ = (id) => document.getElementById(id);
const box = $("customer-box");
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const search = $("customer-search");
const results = $("customer-results");
const attached = $("customer-attached");
const chosen = $("sale-customer");
const dialog = $("customer-dialog");
const form = $("customer-form");
const FIELDS = [
  "first_name", "last_name", "email", "phone", "customer_group_id", "company_name", "mobile",
  "date_of_birth", "physical_address_1", "physical_postcode", "physical_city", "on_account_limit", "note",
];
let searchSeq = 0;
let found = [];
let highlighted = -1;
// The id the register gives the customer it creates: kept until the server confirms, so
// pressing "Create" again after a lost answer never makes a second customer.
let pendingId = null;

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
  });
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}

function displayName(customer) {
  return customer.name || customer.company_name || customer.customer_code;
}

function attach(customer) {
  chosen.value = customer.id;
  $("customer-name").textContent = displayName(customer);
  $("customer-code").textContent = customer.customer_code;
  attached.hidden = false;
  $("customer-find").hidden = true;
  hideResults();
  search.value = "";
  document.dispatchEvent(new CustomEvent("comptoir:customer-attached", { detail: customer }));
  $("search").focus();
}

function detach() {
  chosen.value = "";
  attached.hidden = true;
  $("customer-find").hidden = false;
  search.focus();
}

function hideResults() {
  results.hidden = true;
  search.setAttribute("aria-expanded", "false");
  found = [];
  highlighted = -1;
}

function option(text, onPick, className = "") {
  const item = document.createElement("li");
  item.role = "option";
  item.className = className;
  item.textContent = text;
  item.addEventListener("mousedown", (event) => { event.preventDefault(); onPick(); });
  return item;
}

function highlight(index) {
  highlighted = index;
  [...results.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
}

function showResults(customers, typed) {
  found = customers;
  const items = customers.map((c) => {
    const detail = [c.customer_code, c.email, c.mobile || c.phone].filter(Boolean).join(" · ");
    return option(`${displayName(c)} — ${detail}`, () => attach(c));
  });
  if (!customers.length) items.push(option(box.dataset.noResults, () => {}, "muted"));
  items.push(option(box.dataset.addLabel.replace("__NAME__", typed), () => openDialog(typed), "add-new"));
  results.replaceChildren(...items);
  results.hidden = false;
  search.setAttribute("aria-expanded", "true");
  highlight(customers.length ? 0 : items.length - 1);
}

search.addEventListener("input", () => {
  const typed = search.value.trim();
  const seq = ++searchSeq;
  if (!typed) { hideResults(); return; }
  setTimeout(async () => {
    if (seq !== searchSeq) return;
    const params = new URLSearchParams({ type: "customers", q: typed, page_size: "8" });
    const reply = await api(`/api/2.0/search?${params}`).catch(() => null);
    if (seq !== searchSeq || search.value.trim() !== typed) return;
    showResults(reply && reply.ok ? reply.body.data : [], typed);
  }, 150);
});

search.addEventListener("keydown", (event) => {
  const count = results.children.length;
  if (event.key === "ArrowDown" && count) { event.preventDefault(); highlight(Math.min(highlighted + 1, count - 1)); }
  else if (event.key === "ArrowUp" && count) { event.preventDefault(); highlight(Math.max(highlighted - 1, 0)); }
  else if (event.key === "Enter" && !results.hidden && highlighted >= 0) {
    event.preventDefault();
    results.children[highlighted].dispatchEvent(new MouseEvent("mousedown"));
  } else if (event.key === "Escape") hideResults();
});
search.addEventListener("blur", () => setTimeout(hideResults, 150));
$("customer-remove").addEventListener("click", detach);

// The dialog ---------------------------------------------------------------------------

function showTab(details) {
  $("customer-tab-main").setAttribute("aria-selected", String(!details));
  $("customer-tab-details").setAttribute("aria-selected", String(details));
  $("customer-panel-main").hidden = details;
  $("customer-panel-details").hidden = !details;
}
$("customer-tab-main").addEventListener("click", () => showTab(false));
$("customer-tab-details").addEventListener("click", () => showTab(true));

async function loadGroups() {
  const select = $("c-customer_group_id");
  if (select.options.length) return;
  const reply = await api("/api/2.0/customer_groups").catch(() => null);
  const groups = reply && reply.ok ? reply.body.data : [];
  groups.sort((a, b) => (a.name === "All Customers" ? -1 : b.name === "All Customers" ? 1 : a.name.localeCompare(b.name)));
  select.replaceChildren(...groups.map((g) => new Option(g.name, g.id)));
}

function prefill(typed) {
  // What the cashier typed goes where it belongs: an email, a phone number, or a name.
  for (const name of FIELDS) { const input = $(`c-${name}`); if (input.tagName !== "SELECT") input.value = ""; }
  $("c-enable_loyalty").checked = false;
  $("c-do_not_email").checked = false;
  if (typed.includes("@")) $("c-email").value = typed;
  else if (/^[+\d][\d\s.-]{5,}$/.test(typed)) $("c-phone").value = typed;
  else {
    const [first, ...rest] = typed.split(/\s+/);
    $("c-first_name").value = first || "";
    $("c-last_name").value = rest.join(" ");
  }
}

function clearErrors() {
  for (const name of FIELDS) $(`ce-${name}`).textContent = "";
  $("customer-error").textContent = "";
}

async function openDialog(typed) {
  hideResults();
  clearErrors();
  pendingId = uuid4();
  prefill(typed);
  showTab(false);
  dialog.showModal();
  await loadGroups();
  $("c-first_name").focus();
}

$("customer-cancel").addEventListener("click", () => { dialog.close(); search.focus(); });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const body = { id: pendingId };
  for (const name of FIELDS) {
    const value = $(`c-${name}`).value.trim();
    if (value) body[name] = value;
  }
  body.enable_loyalty = $("c-enable_loyalty").checked;
  body.do_not_email = $("c-do_not_email").checked;
  const button = $("customer-create");
  button.disabled = true;
  const reply = await api("/api/2.0/customers", { method: "POST", body: JSON.stringify(body) }).catch(() => null);
  button.disabled = false;
  if (reply === null) { $("customer-error").textContent = box.dataset.offline; return; }
  if (!reply.ok) {
    const field = reply.body.details && reply.body.details.field;
    const target = field && $(`ce-${field}`);
    if (target) {
      target.textContent = reply.body.error;
      showTab($(`customer-panel-details`).contains(target));
    } else $("customer-error").textContent = reply.body.error || String(reply.status);
    return;
  }
  pendingId = null;
  dialog.close();
  attach(reply.body.data);
});
