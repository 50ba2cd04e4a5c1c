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
})();
