// The customer's answer on the public page of a quote: POSTed as JSON to the public API
// (/api/v1/public/quotes/<token>/accept or /decline), then the page is loaded again to show it.
// Without JavaScript the form posts to /q/<token>/answer/ instead.
(function () {
  "use strict";
  document.querySelectorAll("form[data-quote-answer]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch) {
        return; // the plain form POST does it
      }
      event.preventDefault();
      var error = form.querySelector("[data-answer-error]");
      var action = button.value === "accept" ? "accept" : "decline";
      form.querySelectorAll("button").forEach(function (each) { each.disabled = true; });
      fetch(form.dataset.api + action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ comment: form.elements.comment.value }),
      })
        .then(function (response) {
          if (response.ok) {
            window.location.reload();
            return null;
          }
          return response.json().then(function (body) {
            var reasons = (body.errors || []).map(function (item) { return item.message; });
            error.textContent = reasons.length ? reasons.join(" ") : body.detail;
            error.hidden = false;
            form.querySelectorAll("button").forEach(function (each) { each.disabled = false; });
          });
        })
        .catch(function () {
          // No answer from the API: fall back to the plain form.
          var field = document.createElement("input");
          field.type = "hidden";
          field.name = "answer";
          field.value = action;
          form.appendChild(field);
          form.submit();
        });
    });
  });
})();
