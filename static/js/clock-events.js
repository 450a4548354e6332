/* The events inline of a request (办理事项): show only the fields the chosen kind uses.
   The map of kind → fields comes from the 事项 select's data-kind-fields (written once, in
   disclosure/clock/admin.py KIND_FIELDS). Without the script every field shows and the
   server drops the values a kind does not use. */
"use strict";
(function () {
  const DEPENDENT = ["period_days", "ends_on", "counterpart", "approved_by", "notified_on",
    "fee_basis", "fee_quantity", "amount", "note"];

  function update(select) {
    const block = select.closest(".inline-related");
    if (!block) return;
    let map = {};
    try { map = JSON.parse(select.dataset.kindFields || "{}"); } catch (e) { return; }
    const shown = map[select.value] || [];
    // A line of several fields is a .form-row of .fieldBox elements (both carry the field-NAME
    // classes); a line of one field is a .form-row alone.
    const named = (el) => DEPENDENT.find((name) => el.classList.contains("field-" + name));
    for (const row of block.querySelectorAll(".form-row")) {
      const boxes = Array.from(row.querySelectorAll(".fieldBox"));
      for (const box of boxes) {
        const name = named(box);
        if (name) box.hidden = !shown.includes(name);
      }
      // The help text of a field in a line of several sits outside its box.
      for (const help of row.querySelectorAll(".help[id$='_helptext']")) {
        const name = DEPENDENT.find((n) => help.id.endsWith("-" + n + "_helptext"));
        if (name) help.hidden = !shown.includes(name);
      }
      if (boxes.length) {
        row.hidden = boxes.every((box) => box.hidden);
      } else {
        const name = named(row);
        if (name) row.hidden = !shown.includes(name);
      }
    }
  }

  function updateAll(root) {
    for (const select of root.querySelectorAll("select.clock-event-kind")) update(select);
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches("select.clock-event-kind")) update(event.target);
  });
  document.addEventListener("formset:added", (event) => updateAll(event.target));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => updateAll(document));
  } else {
    updateAll(document);
  }
})();
