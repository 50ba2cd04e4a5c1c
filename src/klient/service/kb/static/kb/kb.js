// Knowledge base on the ticket page: "Insert into reply" puts a suggested article's text (and, for a
// public article, its address) into the reply box at the cursor: the textarea named "body" inside
// #reply-body (or #reply-body itself when it is the textarea).
(function () {
  "use strict";
  if (window.klientKbInsert) return;
  window.klientKbInsert = true;

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-kb-insert]") : null;
    if (!button) return;
    const source = document.querySelector('[data-kb-text="' + button.getAttribute("data-kb-insert") + '"]');
    const holder = document.getElementById("reply-body");
    const reply = (holder && holder.tagName === "TEXTAREA" ? holder : null) ||
      (holder && holder.querySelector('textarea[name="body"]')) ||
      document.querySelector('textarea[name="body"]');
    if (!source || !reply) return;
    const text = source.value;
    const start = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? reply.value.length;
    const before = reply.value.slice(0, start);
    const after = reply.value.slice(end);
    const gap = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
    reply.value = before + gap + text + (after ? "\n\n" + after : "");
    reply.focus();
    const caret = (before + gap + text).length;
    reply.setSelectionRange(caret, caret);
    reply.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
