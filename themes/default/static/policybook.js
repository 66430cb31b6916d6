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

  renderSidebar();
  setupThemeToggle();
  setupSidebarToggle();
})();
