// policybook default theme: the sidebar (from the shared nav.js data), the theme toggle and the
// phone-width sidebar toggle. Everything works without this script except these conveniences.
(function () {
  "use strict";
  var body = document.body;
  var root = body.dataset.root || "";
  var current = body.dataset.pageId || "";

  function renderSidebar() {
    var holder = document.getElementById("sidebar-documents");
    var nav = window.POLICYBOOK_NAV;
    if (!holder || !nav) return;
    var fragment = document.createDocumentFragment();
    nav.forEach(function (group) {
      var section = document.createElement("section");
      var heading = document.createElement("h2");
      heading.textContent = group[0];
      section.appendChild(heading);
      var list = document.createElement("ul");
      group[1].forEach(function (doc) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = root + doc[0] + ".html";
        link.textContent = doc[1];
        if (doc[2]) {
          // Not in force: draft, in-review or retired.
          var marker = document.createElement("span");
          marker.className = "status status-" + doc[2] + " nav-status";
          marker.textContent = doc[2] === "in-review" ? "in review" : doc[2];
          link.appendChild(document.createTextNode(" "));
          link.appendChild(marker);
          item.className = "status-" + doc[2];
        }
        if (doc[0] === current) {
          link.setAttribute("aria-current", "page");
          item.className = (item.className + " current").trim();
        }
        item.appendChild(link);
        list.appendChild(item);
      });
      section.appendChild(list);
      fragment.appendChild(section);
    });
    holder.appendChild(fragment);
    // Bring the current page into view inside the sidebar only (scrollIntoView would scroll the
    // page too, hiding its top under the header).
    var active = holder.querySelector(".current");
    var sidebar = document.getElementById("sidebar");
    if (active && sidebar && sidebar.scrollHeight > sidebar.clientHeight) {
      var top = active.getBoundingClientRect().top - sidebar.getBoundingClientRect().top + sidebar.scrollTop;
      sidebar.scrollTop = Math.max(0, top - sidebar.clientHeight / 2);
    }
  }

  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    function effective() {
      var explicit = document.documentElement.dataset.theme;
      if (explicit) return explicit;
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    }
    function sync() {
      button.setAttribute("aria-pressed", effective() === "dark" ? "true" : "false");
    }
    button.addEventListener("click", function () {
      var next = effective() === "dark" ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      try { localStorage.setItem("policybook-theme", next); } catch (e) { /* not persisted */ }
      sync();
    });
    sync();
  }

  function setupSidebarToggle() {
    var button = document.querySelector(".sidebar-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var open = body.classList.toggle("sidebar-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // A region that scrolls sideways must be reachable by keyboard (and named for screen readers);
  // one that fits needs no extra stop in the tab order.
  function focusableWhenScrolling(element, name) {
    function update() {
      if (element.scrollWidth > element.clientWidth + 1) {
        element.setAttribute("tabindex", "0");
        if (!element.hasAttribute("aria-label") && !element.hasAttribute("aria-labelledby")) element.setAttribute("aria-label", name);
      } else if (element.dataset.focusable !== "always") {
        element.removeAttribute("tabindex");
      }
    }
    update();
    window.addEventListener("resize", update);
  }

  // Tables in documents: wrapped in a region that scrolls sideways on narrow screens; dates never
  // break at their hyphens.
  function setupTables() {
    document.querySelectorAll("#content td").forEach(function (cell) {
      if (/^\d{4}-\d{2}-\d{2}$/.test(cell.textContent.trim())) cell.classList.add("date");
    });
    document.querySelectorAll(".document-body table").forEach(function (table) {
      if (table.parentElement.classList.contains("table-wrap")) return;
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.setAttribute("role", "region");
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
      var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      focusableWhenScrolling(wrap, "Table" + (headings.length ? ": " + headings.slice(0, 3).join(", ") : ""));
    });
  }

  // Diagrams: never shrunk below legible labels (about 12 px); a narrow screen scrolls them sideways.
  function setupDiagrams() {
    document.querySelectorAll("figure.diagram").forEach(function (figure) {
      var svg = figure.querySelector("svg");
      if (!svg || !svg.viewBox || !svg.viewBox.baseVal || !svg.viewBox.baseVal.width) return;
      var smallest = Infinity;
      svg.querySelectorAll("text, foreignObject *").forEach(function (label) {
        if (!label.textContent.trim()) return;
        var size = parseFloat(getComputedStyle(label).fontSize);
        if (size > 0 && size < smallest) smallest = size;
      });
      if (smallest === Infinity) return;
      svg.style.minWidth = Math.ceil(svg.viewBox.baseVal.width * 12 / smallest) + "px";
      var title = svg.querySelector("title");
      focusableWhenScrolling(figure, title ? title.textContent.trim() : "Diagram");
    });
  }

  renderSidebar();
  setupThemeToggle();
  setupSidebarToggle();
  setupTables();
  setupDiagrams();
})();
