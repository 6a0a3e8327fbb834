// Import page: polls the job's progress, moves the bar, and reloads the page when the
// import has ended (the server then shows the errors, the warnings or the summary).
const box = document.querySelector("[data-import-progress]");
const POLL_MS = 500;

async function poll() {
  let progress;
  try {
    const reply = await fetch(box.dataset.url, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (!reply.ok) throw new Error(String(reply.status));
    progress = await reply.json();
  } catch {
    setTimeout(poll, POLL_MS * 4); // a restarting server: try again a little later
    return;
  }
  if (progress.finished) {
    window.location.reload();
    return;
  }
  const bar = document.getElementById("import-bar");
  bar.value = progress.percent;
  bar.textContent = `${progress.percent} %`;
  const label = progress.phase && box.dataset[`phase${progress.phase[0].toUpperCase()}${progress.phase.slice(1)}`];
  if (label) document.getElementById("import-phase").textContent = `${label} · ${progress.percent} %`;
  setTimeout(poll, POLL_MS);
}

if (box) setTimeout(poll, POLL_MS);
