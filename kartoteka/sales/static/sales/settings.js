// Sales settings: reorder a pipeline's stages by drag and drop (SortableJS). The arrow
// buttons next to each stage do the same without a mouse; this script only adds dragging.
(function () {
  "use strict";

  function announce(text, ok) {
    var status = document.getElementById("stage-order-status");
    if (!status) { return; }
    status.textContent = text;
    status.classList.remove("kt-hidden", "alert-success", "alert-danger");
    status.classList.add(ok ? "alert-success" : "alert-danger");
  }

  // Row numbers and the disabled first "up" / last "down" buttons follow the new order.
  function renumber(body) {
    var rows = body.querySelectorAll("tr[data-stage-id]");
    rows.forEach(function (row, index) {
      var position = row.querySelector("[data-position]");
      if (position) { position.textContent = String(index + 1); }
      var up = row.querySelector("[data-move=up]");
      var down = row.querySelector("[data-move=down]");
      if (up) { up.disabled = index === 0; }
      if (down) { down.disabled = index === rows.length - 1; }
    });
  }

  function save(body) {
    var form = new URLSearchParams();
    body.querySelectorAll("tr[data-stage-id]").forEach(function (row) {
      form.append("ids", row.getAttribute("data-stage-id"));
    });
    renumber(body);
    fetch(body.getAttribute("data-stage-order"), {
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
        announce(result.data.message || body.getAttribute("data-saved"), true);
      } else {
        announce(result.data.message || body.getAttribute("data-failed"), false);
        window.setTimeout(function () { window.location.reload(); }, 2500);
      }
    }).catch(function () {
      announce(body.getAttribute("data-failed"), false);
      window.setTimeout(function () { window.location.reload(); }, 2500);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.Sortable === "undefined") { return; }
    document.querySelectorAll("tbody[data-stage-order]").forEach(function (body) {
      window.Sortable.create(body, {
        handle: ".kt-drag-handle",
        draggable: "tr[data-stage-id]",
        animation: 150,
        ghostClass: "table-active",
        onEnd: function (event) {
          if (event.oldIndex !== event.newIndex) { save(body); }
        }
      });
    });
  });
})();
