/* Accessible names for the few admin widgets Django 5.2 and its bundled Select2 leave unnamed.
   (Run after Django's own scripts: it is deferred, and it watches for rows and widgets added later.)
   - Split date/time fields: "Date :" and "Heure :" are bare text; they become labels tied to their
     input, with the field's own label (hidden) in front, so "Start, Date" and "End, Date" differ.
   - The filter icon of the two-list selector has an aria-label on a plain span (not allowed): role="img".
   - Select2 (autocomplete fields) names its box by the selected text only, empty at first: the field's
     label is added to the name; in multiple choices, the search box gets the field's label. */
(function () {
  "use strict";

  function labelSplitDateTime(root) {
    root.querySelectorAll("p.datetime").forEach(function (paragraph) {
      var row = paragraph.closest(".form-row, .flex-container, td");
      var rowLabel = row && row.querySelector("label:not([for])");
      var fieldName = rowLabel ? rowLabel.textContent.replace(/[:\s]+$/, "").trim() : "";
      paragraph.querySelectorAll("input[id]").forEach(function (input) {
        if (input.labels && input.labels.length) return;
        var text = input.previousSibling;
        while (text && text.nodeType === Node.TEXT_NODE && !text.textContent.trim()) text = text.previousSibling;
        if (!text || text.nodeType !== Node.TEXT_NODE) return;
        var label = document.createElement("label");
        label.htmlFor = input.id;
        if (fieldName) {
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = fieldName + ", ";
          label.appendChild(hidden);
        }
        label.appendChild(document.createTextNode(text.textContent.trim()));
        text.parentNode.replaceChild(label, text);
        label.insertAdjacentText("afterend", " ");
      });
    });
  }

  function fixFilterIcons(root) {
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function nameSelect2(root) {
    root.querySelectorAll(".select2-selection[role=combobox][aria-labelledby]").forEach(function (box) {
      var renderedId = box.getAttribute("aria-labelledby").split(" ").pop();
      var selectId = renderedId.replace(/^select2-/, "").replace(/-container$/, "");
      var label = document.querySelector('label[for="' + selectId + '"]');
      if (!label) return;
      if (!label.id) label.id = selectId + "_label";
      box.setAttribute("aria-labelledby", label.id + " " + renderedId);
      var rendered = document.getElementById(renderedId);
      if (rendered && !rendered.hasAttribute("aria-labelledby")) {
        rendered.setAttribute("aria-labelledby", label.id + " " + renderedId);
      }
    });
  }

  function nameSelect2Multiple(root) {
    root.querySelectorAll("select.select2-hidden-accessible[multiple][id]").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2-container")) return;
      var label = document.querySelector('label[for="' + select.id + '"]');
      var search = container.querySelector("input.select2-search__field");
      if (label && search && !search.hasAttribute("aria-labelledby")) {
        if (!label.id) label.id = select.id + "_label";
        search.setAttribute("aria-labelledby", label.id);
      }
      // The mouse-only "clear all" cross sits inside the list of choices (not a list item):
      // hidden from assistive technologies, which remove choices with the search box's Backspace.
      container.querySelectorAll("ul > .select2-selection__clear:not([aria-hidden])").forEach(function (cross) {
        cross.setAttribute("aria-hidden", "true");
      });
    });
  }

  function fix() {
    labelSplitDateTime(document);
    fixFilterIcons(document);
    nameSelect2(document);
    nameSelect2Multiple(document);
  }

  document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("load", function () {
    fix();
    new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
  });
})();
