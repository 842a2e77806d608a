// Progressive enhancement only: every page works without this file.
// - A copy button beside each citation.
// - The filters of a search too broad to count before its page was sent
//   are fetched (without this file a link on the page asks for them).
// - On the incident list, a change to a filter or the sort order updates
//   the results in place (fetched, swapped, announced, and the address
//   updated): content changes but the reader stays where they are, so this
//   is not a change of context (WCAG 3.2.2). Without this file the Apply
//   and Sort buttons submit the form.
// - On a phone the main navigation and the list's filters fold behind a
//   "Menu" button and a "Filters" disclosure, so content comes first.
// - Links print with their absolute address (print.css shows data-print-url).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var PHONE = window.matchMedia("(max-width: 40em)");

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

  function loadDeferredFilters(root) {
    (root || document).querySelectorAll("[data-facets-src]").forEach(function (box) {
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

  // The main navigation behind a "Menu" button on a phone.
  function foldNavigation() {
    var nav = document.getElementById("site-nav");
    var name = document.querySelector(".site-name");
    if (!nav || !name) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "site-nav__toggle";
    button.textContent = "Menu";
    button.setAttribute("aria-controls", "site-nav");
    button.setAttribute("aria-expanded", "false");
    nav.classList.add("site-nav--folded");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("site-nav--folded", !open);
    });
    name.insertAdjacentElement("afterend", button);
  }

  // The list's filters: closed on a phone (the results come first), open on a wider screen.
  function fitFilters() {
    var box = document.querySelector("[data-filters]");
    if (!box) return;
    function fit() { box.open = !PHONE.matches; }
    fit();
    if (PHONE.addEventListener) PHONE.addEventListener("change", fit);
  }

  // Filters and sort order apply as soon as they change.
  function applyFiltersOnChange() {
    var form = document.getElementById("incident-search");
    if (!form || !window.fetch || !window.DOMParser) return;
    form.classList.add("incident-search--live");
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    live.id = "results-status";
    form.appendChild(live);
    var pending = null;
    // The parts of the page a search changes; the search box and the filters' open state stay.
    var REGIONS = ["h1", "[data-filters-body]", "[data-filters-summary]", "[data-results]"];

    function queryOf() {
      return new URLSearchParams(new FormData(form)).toString();
    }

    function focusKey(element) {
      if (!element || element === document.body) return null;
      if (element.id) return "#" + CSS.escape(element.id);
      if (element.name) {
        var selector = "[name='" + CSS.escape(element.name) + "']";
        return element.value !== undefined ? selector + "[value='" + CSS.escape(element.value) + "']" : selector;
      }
      return null;
    }

    function swap(html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var key = focusKey(document.activeElement);
      REGIONS.forEach(function (selector) {
        var old = document.querySelector(selector);
        var replacement = fresh.querySelector(selector);
        if (old && replacement) old.innerHTML = replacement.innerHTML;
      });
      document.title = fresh.title;
      // The control the reader changed was replaced: give focus to its successor.
      if (key && (document.activeElement === document.body || !document.activeElement)) {
        var again = document.querySelector(key);
        if (again) again.focus();
      }
      loadDeferredFilters(form);
      markPrintUrls(form);
      var count = document.getElementById("results-heading");
      live.textContent = count ? count.textContent : "";
    }

    function show(url, push) {
      if (pending) pending.abort();
      pending = new AbortController();
      form.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" }, signal: pending.signal })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (push) history.pushState({ incidentSearch: true }, "", url);
          swap(html);
          form.removeAttribute("aria-busy");
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          form.removeAttribute("aria-busy");
          window.location.assign(url); // the server renders it as without this script
        });
    }

    // On a phone the filters' button closes them and shows the results they already updated.
    var apply = form.querySelector(".facets__apply");
    var box = form.querySelector("[data-filters]");
    if (apply && box) {
      apply.textContent = "Show the results";
      apply.addEventListener("click", function (event) {
        event.preventDefault();
        if (PHONE.matches) box.open = false; // on a wider screen the filters stay open beside the results
        var heading = document.getElementById("results-heading");
        if (heading) {
          heading.setAttribute("tabindex", "-1");
          heading.focus();
        }
      });
    }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!target.matches("[data-filters-body] input, [data-filters-body] select, #sort")) return;
      show(form.getAttribute("action") + "?" + queryOf(), true);
    });
    window.addEventListener("popstate", function () {
      var q = new URLSearchParams(window.location.search).get("q") || "";
      var search = form.querySelector("input[name=q]");
      if (search) search.value = q;
      show(window.location.href, false);
    });
  }

  // Print each link's absolute address after it (print.css); the attribute
  // is set ahead of time because emulated print media fires no beforeprint.
  function markPrintUrls(root) {
    (root || document).querySelectorAll("main a[href]").forEach(function (link) {
      var href = link.getAttribute("href");
      if (!href || href.charAt(0) === "#" || !/^https?:/.test(link.href)) return;
      var text = link.textContent.trim();
      if (text === link.href || text === href) return;
      link.setAttribute("data-print-url", link.href);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons();
    loadDeferredFilters();
    foldNavigation();
    fitFilters();
    applyFiltersOnChange();
    markPrintUrls();
  });
  window.addEventListener("beforeprint", function () { markPrintUrls(); });
})();
