// Klient UI behaviour. No inline scripts: the content security policy forbids them.
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) return false;
    const tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // "/" or Ctrl/Cmd+K focuses the global search box.
  document.addEventListener("keydown", function (event) {
    const search = document.getElementById("global-search");
    if (!search) return;
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target);
    const ctrlK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k";
    if (slash || ctrlK) {
      event.preventDefault();
      search.focus();
      search.select();
    }
    if (event.key === "Escape" && document.activeElement === search) {
      search.blur();
    }
  });

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  // Forms with data-confirm ask before they post (delete, revoke, end now).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // Lists: the header checkbox ticks (or clears) every row shown in its table.
  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-select-all")) return;
    const table = box.closest("table");
    if (!table) return;
    table.querySelectorAll('tbody input[type="checkbox"][name="selected"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });

  // Phone-width screens: the menu button shows and hides the navigation.
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-toggle-nav]") : null;
    if (!button) return;
    const nav = document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    const open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Logging a call on the client card: "c" (or the Log call button) opens the form with the outcome
  // focused; Enter on the outcome saves. A timer runs from the opening and is sent as the duration.
  function openCallForm() {
    const details = document.getElementById("call-form");
    if (!details) return false;
    details.open = true;
    const outcome = details.querySelector("[data-call-outcome]");
    if (outcome) outcome.focus();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "c" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) {
      if (openCallForm()) event.preventDefault();
    }
    const target = event.target;
    if (event.key === "Enter" && target instanceof HTMLSelectElement && target.hasAttribute("data-call-outcome") && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
    }
  });
  document.addEventListener("click", function (event) {
    const link = event.target instanceof Element ? event.target.closest("[data-open-call-form]") : null;
    if (link && openCallForm()) event.preventDefault();
  });
  let callStarted = null;
  let callTicker = null;
  document.addEventListener("toggle", function (event) {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || details.id !== "call-form") return;
    const shown = details.querySelector("[data-call-timer]");
    if (details.open && callStarted === null) {
      callStarted = Date.now();
      callTicker = window.setInterval(function () {
        const seconds = Math.floor((Date.now() - callStarted) / 1000);
        if (shown) shown.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
      }, 1000);
    }
  }, true);
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-call-log") || callStarted === null) return;
    const duration = form.querySelector('input[name="duration"]');
    if (duration && !duration.value) duration.value = String(Math.round((Date.now() - callStarted) / 1000));
    if (callTicker !== null) window.clearInterval(callTicker);
  });
})();
