// Product list: the header checkbox ticks or unticks every product for label printing.
const all = document.getElementById("labels-all");
const boxes = () => document.querySelectorAll('input[name="product"]');

if (all) {
  all.addEventListener("change", () => {
    for (const box of boxes()) box.checked = all.checked;
  });
  for (const box of boxes()) {
    box.addEventListener("change", () => {
      all.checked = [...boxes()].every((b) => b.checked);
    });
  }
}
