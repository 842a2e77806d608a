// Progressive enhancement only: every page works without this file.
// Adds a copy button beside each citation, and fetches the filters of a
// search too broad to count before its page was sent (without this file a
// link on the page asks for them). Forms are never submitted on
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

  function loadDeferredFilters() {
    document.querySelectorAll("[data-facets-src]").forEach(function (box) {
      var status = document.createElement("p");
      status.setAttribute("role", "status");
      status.textContent = "Counting the filters…";
      box.appendChild(status);
      fetch(box.getAttribute("data-facets-src"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(
          function (html) {
            box.removeAttribute("data-facets-src");
            box.innerHTML = html; // our own server-rendered fragment
          },
          function () { status.textContent = "The filters could not be counted: use the link above."; }
        );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons();
    loadDeferredFilters();
  });
})();
