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

  // Relation pickers: <input data-lookup="/e/company/lookup/" data-lookup-target="hidden-id">
  var lookupTimer = null;
  function resultsBox(input) {
    var scope = input.closest(".position-relative") || input.form || document;
    return scope.querySelector("[data-lookup-results]");
  }
  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-lookup]");
    if (!input) { return; }
    var hidden = document.getElementById(input.getAttribute("data-lookup-target"));
    if (hidden) { hidden.value = ""; }
    var box = resultsBox(input);
    window.clearTimeout(lookupTimer);
    if (!input.value.trim()) { if (box) { box.innerHTML = ""; } return; }
    lookupTimer = window.setTimeout(function () {
      var url = input.getAttribute("data-lookup") + "?q=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) { return response.text(); })
        .then(function (html) { if (box) { box.innerHTML = html; } });
    }, 200);
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-lookup-id]");
    if (!option) { return; }
    var box = option.closest("[data-lookup-results]");
    var scope = box.parentElement;
    var input = scope.querySelector("[data-lookup]");
    var hidden = document.getElementById(input.getAttribute("data-lookup-target"));
    hidden.value = option.getAttribute("data-lookup-id");
    input.value = option.getAttribute("data-lookup-title");
    box.innerHTML = "";
    input.focus();
  });

  // Keys typed for you: <input data-slug-from="id_label"> follows the label, in Latin letters,
  // until the person edits the key by hand (or the form already had one).
  var TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z"
  };
  function slugify(text) {
    return text.toLowerCase().split("").map(function (ch) {
      return Object.prototype.hasOwnProperty.call(TRANSLIT, ch) ? TRANSLIT[ch] : ch;
    }).join("").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 50);
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.hasAttribute && target.hasAttribute("data-slug-from")) {
      target.setAttribute("data-slug-edited", target.value ? "1" : "");
      return;
    }
    document.querySelectorAll("[data-slug-from='" + target.id + "']").forEach(function (key) {
      if (!key.getAttribute("data-slug-edited") && !key.readOnly) {
        key.value = slugify(target.value);
      }
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-slug-from]").forEach(function (key) {
      if (key.value) { key.setAttribute("data-slug-edited", "1"); }
    });
  });

  // Copy buttons: <button data-copy="input-id" data-copied="Copied">
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    source.select();
    var done = function () { button.textContent = button.getAttribute("data-copied") || "✓"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
  });

  // Column chooser: the checked boxes become the "columns" parameter.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var target = form.querySelector("#columns-input");
    if (!target) { return; }
    var checked = Array.prototype.map.call(
      form.querySelectorAll(".kt-column:checked"), function (box) { return box.value; });
    target.value = checked.join(",");
    form.querySelectorAll(".kt-column").forEach(function (box) { box.disabled = true; });
  });
  document.addEventListener("DOMContentLoaded", function () { syncConditional(); });
  document.addEventListener("htmx:afterSwap", function (event) { syncConditional(event.target); });
})();
