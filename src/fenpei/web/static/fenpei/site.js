// Behaviour shared by every page, kept out of the markup: the Content Security Policy
// allows no inline script or event handler.
"use strict";
document.addEventListener("change", function (event) {
  // <select data-submit-on-change>: the language menu switches as soon as it is chosen.
  var field = event.target;
  if (field instanceof HTMLElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});
