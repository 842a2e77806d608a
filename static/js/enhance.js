// Progressive enhancement only: every page works without this file.
// Adds a copy button beside each citation. Forms are never submitted on
// change, so choosing a filter or sort order does not move the reader
// (WCAG 3.2.2); the submit buttons apply them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function addCopyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("[data-copyable]").forEach(function (block) {
      var label = document.getElementById(block.getAttribute("aria-labelledby"));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy " + (label ? label.textContent.toLowerCase() : "") + " citation";
      var status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(block.textContent.trim()).then(
          function () { status.textContent = "Copied"; },
          function () { status.textContent = "Copy failed: select the text and copy it"; }
        );
      });
      block.insertAdjacentElement("afterend", status);
      block.insertAdjacentElement("afterend", button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons();
  });
})();
