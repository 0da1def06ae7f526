// The import mapping (step 2) answers as the selects change, before anything is sent: a column
// left out is greyed, two columns going to one field are marked, and the warning about
// required fields without a column shrinks to what is still missing. The server checks it all
// again when the form is sent.
(function () {
  "use strict";

  function update() {
    var form = document.getElementById("mapping-form");
    if (!form) { return; }
    var selects = form.querySelectorAll("#mapping select");
    var counts = {};
    selects.forEach(function (select) {
      if (select.value) { counts[select.value] = (counts[select.value] || 0) + 1; }
    });
    selects.forEach(function (select) {
      var row = select.closest("tr");
      var twice = Boolean(select.value) && counts[select.value] > 1;
      row.classList.toggle("kt-ignored", !select.value);
      select.classList.toggle("is-invalid", twice);
      var note = row.querySelector("[data-duplicate-message]");
      if (note) { note.classList.toggle("kt-hidden", !twice); }
    });
    var warning = document.getElementById("required-unmapped");
    if (!warning) { return; }
    var missing = 0;
    warning.querySelectorAll("[data-required-field]").forEach(function (field) {
      var mapped = Boolean(counts[field.getAttribute("data-required-field")]);
      field.classList.toggle("kt-hidden", mapped);
      if (!mapped) { missing += 1; }
    });
    warning.classList.toggle("kt-hidden", missing === 0);
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest("#mapping select")) { update(); }
  });
  document.addEventListener("DOMContentLoaded", update);
})();
