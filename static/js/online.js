// The application form: show the organisation fields only for 法人或其他组织; the receipt's
// print button. Without scripts the form still works (every field shows).
(function () {
  "use strict";
  function toggleOrganisation() {
    var chosen = document.querySelector('input[name="applicant_kind"]:checked');
    var show = chosen && chosen.value === "organisation";
    document.querySelectorAll("[data-online-show-for]").forEach(function (el) {
      el.classList.toggle("online-hidden", !show);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var radios = document.querySelectorAll('input[name="applicant_kind"]');
    if (radios.length) {
      radios.forEach(function (r) { r.addEventListener("change", toggleOrganisation); });
      toggleOrganisation();
    }
    document.querySelectorAll("[data-online-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
