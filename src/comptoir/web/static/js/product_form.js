// The "New product" form: shows the sections of the kind chosen, adds and removes barcode
// rows, builds the variant grid from the attributes' values, and finds components. The
// form posts plain fields: without this script a standard product still works, and the
// server builds the variant grid ("Make the variants").
const form = document.getElementById("product-form");
const config = JSON.parse(document.getElementById("product-form-config").textContent);
const t = config.strings;
const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function removeButton() {
  return element("button", { type: "button", class: "remove-row", "aria-label": t.remove, text: "×" });
}

// Kinds ----------------------------------------------------------------------------------

function showKind() {
  // Radios when creating; a hidden field when editing (a product keeps its kind).
  const chosen = form.querySelector('input[name="kind"]:checked, input[type="hidden"][name="kind"]');
  const kind = chosen?.value || "standard";
  form.dataset.kind = kind;
  for (const section of form.querySelectorAll("[data-for-kind]")) {
    section.classList.toggle("kind-on", section.dataset.forKind.split(" ").includes(kind));
  }
}

form.dataset.js = "true";
for (const radio of form.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", showKind);
showKind();

// Rows are removed wherever they are; the server reads the rows left.
form.addEventListener("click", (event) => {
  const button = event.target.closest("button.remove-row");
  if (!button) return;
  const table = button.closest("table");
  button.closest("tr").remove();
  if (table.id !== "codes" && !table.tBodies[0].rows.length) table.hidden = true;
});

function nextIndex(tbody, pattern) {
  let highest = -1;
  for (const input of tbody.querySelectorAll("input[name]")) {
    const match = input.name.match(pattern);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}

// Barcodes ----------------------------------------------------------------------------------

$("add-code").addEventListener("click", () => {
  const tbody = $("codes").tBodies[0];
  const n = nextIndex(tbody, /^code_(\d+)$/);
  const type = element("select", { name: `code_type_${n}`, "aria-label": t.barcode_type },
    config.code_types.map((kind) => element("option", { text: kind })));
  const input = element("input", { name: `code_${n}`, maxlength: "64", "aria-label": t.barcode });
  tbody.append(element("tr", {}, [
    element("td", {}, [input]), element("td", {}, [type]), element("td", {}, [removeButton()]),
  ]));
  input.focus();
});

// Variants ----------------------------------------------------------------------------------

function attributeValues() {
  const used = [];
  for (let k = 1; k <= 3; k += 1) {
    const name = $(`f-attribute_${k}`).value.trim();
    const values = $(`f-attribute_values_${k}`).value.split(",").map((v) => v.trim()).filter(Boolean);
    if (name && values.length) used.push([...new Set(values)]);
  }
  return used;
}

function combinations(lists) {
  return lists.reduce((all, values) => all.flatMap((head) => values.map((v) => [...head, v])), [[]]);
}

function rowKey(values) {
  return values.map((v) => v.toLowerCase()).join("\u0000");
}

function variantRow(n, values) {
  const hidden = values.map((value, k) => element("input", { type: "hidden", name: `variant_${n}_value_${k + 1}`, value }));
  const cell = (name, label, extra = {}) => element("td", extra.num ? { class: "num" } : {}, [
    element("input", { name, "aria-label": label, ...extra.attributes }),
  ]);
  const price = $("f-price").value;
  return element("tr", { class: "variant-row", "data-row": String(n) }, [
    element("td", {}, [values.join(" / "), ...hidden]),
    cell(`variant_${n}_sku`, `${t.sku} ${values.join(" / ")}`, { attributes: { maxlength: "255", size: "10", placeholder: t.generated } }),
    cell(`variant_${n}_barcode`, `${t.barcode} ${values.join(" / ")}`, { attributes: { maxlength: "64", size: "13" } }),
    cell(`variant_${n}_price`, `${t.price} ${values.join(" / ")}`, { num: true, attributes: { inputmode: "decimal", size: "7", placeholder: price } }),
    ...config.outlet_ids.map((outletId, i) => cell(`variant_${n}_stock_${outletId}`,
      `${t.stock} · ${config.outlets[i]} ${values.join(" / ")}`, { num: true, attributes: { inputmode: "decimal", size: "5" } })),
    element("td", {}, [removeButton()]),
  ]);
}

$("make-variants")?.addEventListener("click", (event) => {
  event.preventDefault();
  const grid = $("variant-grid");
  const tbody = grid.tBodies[0];
  const wanted = combinations(attributeValues()).filter((values) => values.length);
  if (wanted.length > config.max_rows) { window.alert(t.too_many); return; }
  // Rows already filled in are kept for the combinations that remain.
  const existing = new Map();
  for (const row of tbody.rows) {
    const values = [...row.querySelectorAll('input[type="hidden"]')].map((i) => i.value).filter(Boolean);
    existing.set(rowKey(values), row);
  }
  let n = nextIndex(tbody, /^variant_(\d+)_value_1$/);
  const rows = wanted.map((values) => existing.get(rowKey(values)) || variantRow(n++, values));
  tbody.replaceChildren(...rows);
  grid.hidden = rows.length === 0;
});

// Components --------------------------------------------------------------------------------

const search = $("component-search");
const results = $("component-results");
let found = [];
let highlighted = -1;
let searchSeq = 0;

function addComponent(product) {
  const table = $("components");
  const tbody = table.tBodies[0];
  const present = tbody.querySelector(`tr[data-product-id="${product.id}"] input[name$="_quantity"]`);
  if (present) { present.focus(); return; }
  const n = nextIndex(tbody, /^component_(\d+)_id$/);
  const name = product.variant_name || product.name;
  const quantity = element("input", { name: `component_${n}_quantity`, value: "1", inputmode: "decimal", size: "5", "aria-label": `${t.quantity_of} ${name}` });
  tbody.append(element("tr", { class: "component-row", "data-row": String(n), "data-product-id": product.id }, [
    element("td", {}, [
      `${name} · ${product.sku}`,
      element("input", { type: "hidden", name: `component_${n}_id`, value: product.id }),
      element("input", { type: "hidden", name: `component_${n}_name`, value: name }),
    ]),
    element("td", { class: "num" }, [quantity]),
    element("td", {}, [removeButton()]),
  ]));
  table.hidden = false;
  search.value = "";
  showResults([]);
  quantity.focus();
  quantity.select();
}

function showResults(products, typed = "") {
  found = products;
  highlighted = products.length ? 0 : -1;
  results.replaceChildren(...products.map((product, index) => {
    const item = element("li", { role: "option", id: `component-${index}`, "aria-selected": String(index === 0),
      text: `${product.variant_name || product.name} · ${product.sku}` });
    item.addEventListener("mousedown", (event) => { event.preventDefault(); addComponent(product); });
    return item;
  }));
  if (!products.length && typed) results.append(element("li", { class: "muted", text: t.no_results }));
  results.hidden = !results.children.length;
  search.setAttribute("aria-expanded", String(!results.hidden));
}

let debounce = 0;
search.addEventListener("input", () => {
  clearTimeout(debounce);
  const typed = search.value.trim();
  if (!typed) { showResults([]); return; }
  debounce = setTimeout(async () => {
    const seq = ++searchSeq;
    const response = await fetch(`/api/2.0/search?type=products&page_size=8&q=${encodeURIComponent(typed)}`,
      { credentials: "same-origin" });
    const body = response.ok ? await response.json() : { data: [] };
    // A composite cannot hold another composite: those are not offered.
    if (seq === searchSeq) showResults(body.data.filter((p) => !p.is_composite), typed);
  }, 150);
});

search.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (!found.length) return;
    highlighted = Math.max(0, Math.min(found.length - 1, highlighted + (event.key === "ArrowDown" ? 1 : -1)));
    for (const item of results.querySelectorAll("[role=option]")) {
      item.setAttribute("aria-selected", String(item.id === `component-${highlighted}`));
    }
  } else if (event.key === "Enter") {
    event.preventDefault(); // never submit the form from the search box
    if (highlighted >= 0) addComponent(found[highlighted]);
  } else if (event.key === "Escape") {
    showResults([]);
  }
});
