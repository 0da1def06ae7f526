// The deals board: drag a card to another column to move the deal to that stage. The server
// applies the same rules as the form; a lost stage first asks for a reason, and a refused
// move puts the card back where it was with the server's message.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function showMessage(text) {
    var box = document.getElementById("board-message");
    box.textContent = text;
    box.classList.toggle("d-none", !text);
  }

  function updateColumns(columns) {
    Object.keys(columns).forEach(function (stageId) {
      var section = document.querySelector('.kt-board-column[data-stage="' + stageId + '"]');
      if (!section) return;
      section.querySelector("[data-count]").textContent = columns[stageId].count;
      section.querySelector("[data-total]").textContent = columns[stageId].total;
    });
  }

  function putBack(event) {
    var from = event.from;
    var before = from.children[event.oldIndex] || null;
    from.insertBefore(event.item, before);
  }

  function askReason() {
    return new Promise(function (resolve) {
      var dialog = document.getElementById("lost-dialog");
      var form = document.getElementById("lost-form");
      var select = document.getElementById("lost-reason");
      var modal = bootstrap.Modal.getOrCreateInstance(dialog);
      var answered = false;
      select.value = "";
      select.classList.remove("is-invalid");
      function onSubmit(e) {
        e.preventDefault();
        if (!select.value) {
          select.classList.add("is-invalid");
          select.focus();
          return;
        }
        answered = true;
        modal.hide();
      }
      function onHidden() {
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("hidden.bs.modal", onHidden);
        resolve(answered ? select.value : null);
      }
      form.addEventListener("submit", onSubmit);
      dialog.addEventListener("hidden.bs.modal", onHidden);
      dialog.addEventListener("shown.bs.modal", function () { select.focus(); }, { once: true });
      modal.show();
    });
  }

  function move(board, event) {
    var card = event.item;
    var column = event.to.closest(".kt-board-column");
    var stage = column.getAttribute("data-stage");
    var kind = column.getAttribute("data-kind");
    var reasonNeeded = kind === "lost" ? askReason() : Promise.resolve("");
    reasonNeeded.then(function (reason) {
      if (reason === null) {
        putBack(event);
        return;
      }
      var body = new URLSearchParams();
      body.set("stage", stage);
      body.set("version", card.getAttribute("data-version"));
      if (reason) body.set("lost_reason", reason);
      var url = board.getAttribute("data-move-url").replace("/0/", "/" + card.getAttribute("data-deal") + "/");
      var params = board.getAttribute("data-filter-params");
      fetch(url + (params ? "?" + params : ""), {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (data) { return { status: response.status, data: data }; });
        })
        .then(function (result) {
          if (!result.data.ok) {
            putBack(event);
            showMessage(result.data.detail || "");
            if (result.status === 409) window.setTimeout(function () { window.location.reload(); }, 1500);
            return;
          }
          showMessage("");
          var holder = document.createElement("ol");
          holder.innerHTML = result.data.card;
          var fresh = holder.querySelector(".kt-deal");
          card.replaceWith(fresh);
          updateColumns(result.data.columns);
          var empty = event.to.querySelector(".kt-board-empty");
          if (empty) empty.remove();
        })
        .catch(function () {
          putBack(event);
          showMessage(board.getAttribute("data-error") || "Network error");
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (!board || board.getAttribute("data-can-change") !== "1" || !window.Sortable) return;
    board.querySelectorAll(".kt-board-cards").forEach(function (list) {
      window.Sortable.create(list, {
        group: "deals",
        draggable: ".kt-deal",
        animation: 120,
        sort: false,
        onEnd: function (event) {
          if (event.from === event.to) return;
          move(board, event);
        },
      });
    });
  });
})();
