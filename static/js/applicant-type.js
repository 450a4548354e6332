/* The request form: 申请人类型 is 公民 or 法人或其他组织; the organisation's kind (组织类型)
   shows only for an organisation. Loaded through the request admin's Media (the CSP allows
   no inline script). */
"use strict";
(function () {
  function update() {
    const chosen = document.querySelector("input[name='applicant_category']:checked");
    const row = document.querySelector(".form-row.field-applicant_type");
    if (!row) return;
    row.hidden = !chosen || chosen.value !== "organisation";
  }
  document.addEventListener("change", (event) => {
    if (event.target.name === "applicant_category") update();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
