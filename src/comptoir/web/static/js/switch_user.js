// Switching who sells at this register: the target's PIN, or their password when the store's
// switch protection asks for it (a higher role). Keyboard: Tab between fields, Enter, Escape.
const config = JSON.parse(document.getElementById("sell-config").textContent);
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const t = config.strings;
const $ = (id) => document.getElementById(id);
const dialog = $("switch-dialog");
const select = $("switch-user");
const secret = $("switch-secret");
const error = $("switch-error");

function needsPassword() {
  return select.selectedOptions[0]?.dataset.needsPassword === "true";
}

function updateLabel() {
  $("switch-secret-label").textContent = needsPassword() ? t.password : t.pin;
  secret.inputMode = needsPassword() ? "text" : "numeric";
}

function open() {
  error.textContent = "";
  secret.value = "";
  updateLabel();
  dialog.showModal();
  select.focus();
}

function refreshTargets(targets) {
  select.replaceChildren(...targets.map((target) => {
    const option = document.createElement("option");
    option.value = target.user_id;
    option.textContent = target.display_name;
    option.dataset.needsPassword = String(target.needs_password);
    return option;
  }));
}

async function submit(event) {
  event.preventDefault();
  const body = { user_id: select.value, register_id: $("register")?.value || null };
  body[needsPassword() ? "password" : "pin"] = secret.value;
  $("switch-confirm").disabled = true;
  try {
    const response = await fetch("/api/comptoir/switch_user", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
    });
    const reply = await response.json().catch(() => ({}));
    if (!response.ok) {
      error.textContent = response.status === 429 ? t.switch_locked : t.switch_failed;
      secret.select();
      return;
    }
    const who = reply.data;
    $("seller-name").textContent = who.display_name;
    const topbar = document.querySelector('[data-testid="current-user"]');
    if (topbar) topbar.textContent = who.display_name;
    refreshTargets(who.switch_targets);
    document.dispatchEvent(new CustomEvent("comptoir:user-switched", { detail: who }));
    dialog.close();
    $("search").focus();
  } finally {
    $("switch-confirm").disabled = false;
  }
}

$("switch-open").addEventListener("click", open);
$("switch-cancel").addEventListener("click", () => { dialog.close(); $("search").focus(); });
select.addEventListener("change", updateLabel);
$("switch-form").addEventListener("submit", submit);
