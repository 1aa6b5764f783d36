// Forms marked data-autosubmit (the currency switch) reload the page as soon as a choice
// changes; their submit button stays for keyboards and browsers without JavaScript.
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
