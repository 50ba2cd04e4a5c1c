// Working a call list with the keyboard: Alt+S skips the entry (with the reason typed, if any), Alt+Z
// moves to the snooze time. Enter on the outcome logs the call (klient/app.js, as on the client card).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    if (key === "s" || event.code === "KeyS") {
      const skip = document.querySelector("[data-skip-form]");
      if (skip) {
        event.preventDefault();
        skip.requestSubmit();
      }
    } else if (key === "z" || event.code === "KeyZ") {
      const until = document.querySelector("[data-snooze-form] input[name=until]");
      if (until) {
        event.preventDefault();
        until.focus();
      }
    }
  });
})();
