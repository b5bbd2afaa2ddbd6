// Allocation table: "select all on this page", closing a reasons row, and showing only
// the bulk fields the chosen action uses. Delegated from document, so it keeps working
// after htmx swaps the table in.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-select-page]")) {
      var table = box.closest("table");
      table.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = box.checked; });
    }
    if (box.matches("[data-bulk-action]")) { showBulkFields(box.form); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-close-row]");
    if (button) { button.closest("tr").hidden = true; }
  });
  // Empty filters stay out of the URL, so a shared link shows only what was chosen.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.target.id !== "filters") { return; }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "") { delete params[key]; }
    });
  });
  function showBulkFields(form) {
    if (!form) { return; }
    var action = form.querySelector("[data-bulk-action]").value;
    form.querySelectorAll("[data-bulk-for]").forEach(function (label) {
      label.hidden = label.getAttribute("data-bulk-for").split(" ").indexOf(action) < 0;
    });
  }
  function init() { showBulkFields(document.getElementById("bulk")); }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
