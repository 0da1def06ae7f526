// The customer portal's behaviour without inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // The language switch submits itself; a <noscript> button covers browsers without scripts.
  document.addEventListener("change", function (event) {
    var auto = event.target.closest("[data-autosubmit]");
    if (auto && auto.form) { auto.form.requestSubmit(); }
  });

  // Say at once when too many or too large files are chosen; the server checks again.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-files]")) { return; }
    var box = document.getElementById(input.id + "_error");
    var maxFiles = parseInt(input.getAttribute("data-max-files"), 10);
    var maxBytes = parseInt(input.getAttribute("data-max-megabytes"), 10) * 1024 * 1024;
    var problems = [];
    if (input.files.length > maxFiles) {
      problems.push(input.getAttribute("data-too-many") || ("max " + maxFiles));
    }
    Array.prototype.forEach.call(input.files, function (file) {
      if (maxBytes && file.size > maxBytes) {
        problems.push(file.name + ": " + (input.getAttribute("data-too-large") || "too large"));
      }
    });
    input.classList.toggle("is-invalid", problems.length > 0);
        if (box) {
      box.textContent = "";
      problems.forEach(function (text) {
        var line = document.createElement("div");
        line.textContent = text;
        box.appendChild(line);
      });
    }
  });
})();
