// Kartoteka's behaviour without inline scripts (the CSP forbids them).
(function () {
  "use strict";

  // "/" focuses global search, as in most web apps; Escape closes the suggestions.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing) {
      var box = document.getElementById("global-search");
      if (box) { event.preventDefault(); box.focus(); }
    }
    if (event.key === "Escape") {
      var suggestions = document.getElementById("search-suggestions");
      if (suggestions) { suggestions.innerHTML = ""; }
    }
  });

  // Confirmation for destructive buttons: <button data-confirm="Delete 3 records?">
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // "Select all" checkbox in lists.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll("input[name='ids']").forEach(function (box) {
        box.checked = all.checked;
      });
    }
    var selects = document.querySelectorAll("input[name='ids']:checked").length;
    var bar = document.getElementById("bulk-bar");
    if (bar) {
      bar.classList.toggle("kt-hidden", selects === 0);
      var count = document.getElementById("bulk-count");
      if (count) { count.textContent = String(selects); }
    }
    // Auto-submit selects marked so (language switch, saved views).
    var auto = event.target.closest("[data-autosubmit]");
    if (auto && auto.form) { auto.form.requestSubmit(); }
  });

  // Show/hide parts of forms depending on a select's value: data-show-when="type=choice,multichoice"
  function syncConditional(root) {
    (root || document).querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("=");
      var source = document.getElementById(rule[0]);
      if (!source) { return; }
      var shown = rule[1].split(",").indexOf(source.value) !== -1;
      el.classList.toggle("kt-hidden", !shown);
    });
  }
  document.addEventListener("change", function () { syncConditional(); });
  document.addEventListener("DOMContentLoaded", function () { syncConditional(); });
  document.addEventListener("htmx:afterSwap", function (event) { syncConditional(event.target); });
})();
