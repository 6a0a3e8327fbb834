// The sell screen's register state: open or closed, with the link to open it (its float)
// when closed, and to move cash or close it when open. A sale on a closed register is
// refused by the server (409); this makes the state visible before the cashier rings up.
const config = JSON.parse(document.getElementById("sell-config").textContent);
const select = document.getElementById("register");
const badge = document.getElementById("register-state");
const openLink = document.getElementById("register-open-link");
const cashLink = document.getElementById("register-cash-link");
const closeLink = document.getElementById("register-close-link");

function show() {
  if (!select || !badge || !select.value) return;
  const register = config.registers[select.value] ?? {};
  const isOpen = Boolean(register.is_open);
  badge.textContent = isOpen ? badge.dataset.openLabel : badge.dataset.closedLabel;
  badge.classList.toggle("ok", isOpen);
  badge.dataset.state = isOpen ? "open" : "closed";
  const base = `/registers/${select.value}`;
  openLink.href = `${base}/open?next=/sell`;
  openLink.hidden = isOpen;
  if (cashLink) {
    cashLink.href = `${base}/cash`;
    cashLink.hidden = !isOpen;
  }
  if (closeLink) {
    closeLink.href = `${base}/close`;
    closeLink.hidden = !isOpen;
  }
}

select?.addEventListener("change", show);
show();
