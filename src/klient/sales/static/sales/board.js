// The deal board: drag a card onto another column to move the deal there. A lost column asks why first.
// The server answers in JSON; the board is then read again, so counts and totals are the stored ones.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function say(text) {
    const message = document.getElementById("board-message");
    if (message) message.textContent = text;
  }

  function reload(board) {
    return fetch(board.dataset.boardUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { board.outerHTML = html; });
  }

  function askWhyLost() {
    const dialog = document.getElementById("lost-dialog");
    return new Promise(function (resolve) {
      const form = dialog.querySelector("form");
      form.reset();
      dialog.addEventListener("close", function handler() {
        dialog.removeEventListener("close", handler);
        if (dialog.returnValue !== "lost") return resolve(null);
        resolve({ lost_reason: form.lost_reason.value, lost_to: form.lost_to.value });
      });
      dialog.showModal();
    });
  }

  function move(board, card, column) {
    const stage = column.dataset.stage;
    const lost = column.dataset.kind === "lost" ? askWhyLost() : Promise.resolve({});
    lost.then(function (extra) {
      if (extra === null) return;
      const body = new URLSearchParams({ stage: stage, version: card.dataset.version });
      Object.keys(extra).forEach(function (key) { body.append(key, extra[key]); });
      const url = board.dataset.moveUrl.replace("/0/", "/" + card.dataset.deal + "/");
      card.classList.add("moving");
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          say(answer.ok ? "" : answer.message);
          return reload(board);
        })
        .catch(function () { card.classList.remove("moving"); });
    });
  }

  document.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".board-card[draggable=true]");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.deal);
    event.dataTransfer.effectAllowed = "move";
  });

  document.addEventListener("dragover", function (event) {
    const column = event.target.closest && event.target.closest(".deal-board[data-can-move] .board-column");
    if (column) {
      event.preventDefault();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("dragleave", function (event) {
    const column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    const column = event.target.closest && event.target.closest(".deal-board[data-can-move] .board-column");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const board = column.closest(".deal-board");
    const card = board.querySelector('.board-card[data-deal="' + event.dataTransfer.getData("text/plain") + '"]');
    if (card && card.closest(".board-column") !== column) move(board, card, column);
  });
})();
