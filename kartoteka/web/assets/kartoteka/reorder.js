// Reorder the rows of a list by drag and drop (SortableJS): the sales pipelines' stages, the
// service desk's SLA policies and categories. The arrow buttons in every row do the same
// without a mouse; this script only adds dragging.
// A list opts in with <tbody data-order-url="…" data-csrf="…" data-failed="…"> (and
// data-saved="…" for when the answer has no message) and rows <tr data-id="…"> holding a
// .kt-drag-handle. The outcome is announced in the page's #order-status.
(function () {
  "use strict";

  function announce(text, ok) {
    var status = document.getElementById("order-status");
    if (!status) { return; }
    status.textContent = text;
    status.classList.remove("kt-hidden", "alert-success", "alert-danger");
    status.classList.add(ok ? "alert-success" : "alert-danger");
  }

  // Row numbers and the disabled first "up" / last "down" buttons follow the new order.
  function renumber(body) {
    var rows = body.querySelectorAll("tr[data-id]");
    rows.forEach(function (row, index) {
      var position = row.querySelector("[data-position]");
      if (position) { position.textContent = String(index + 1); }
      var up = row.querySelector("[data-move=up]");
      var down = row.querySelector("[data-move=down]");
      if (up) { up.disabled = index === 0; }
      if (down) { down.disabled = index === rows.length - 1; }
    });
  }

  // The server refused or could not be reached: say so, then show the order it has.
  function failed(body, message) {
    announce(message || body.getAttribute("data-failed"), false);
    window.setTimeout(function () { window.location.reload(); }, 2500);
  }

  function save(body) {
    var form = new URLSearchParams();
    body.querySelectorAll("tr[data-id]").forEach(function (row) {
      form.append("ids", row.getAttribute("data-id"));
    });
    renumber(body);
    fetch(body.getAttribute("data-order-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": body.getAttribute("data-csrf"),
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json"
      },
      body: form.toString()
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        announce(result.data.message || body.getAttribute("data-saved") || "", true);
      } else {
        failed(body, result.data.message);
      }
    }).catch(function () { failed(body); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.Sortable === "undefined") { return; }
    document.querySelectorAll("tbody[data-order-url]").forEach(function (body) {
      window.Sortable.create(body, {
        handle: ".kt-drag-handle",
        draggable: "tr[data-id]",
        animation: 150,
        ghostClass: "table-active",
        onEnd: function (event) {
          if (event.oldIndex !== event.newIndex) { save(body); }
        }
      });
    });
  });
})();
