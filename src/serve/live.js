// policybook serve: reload when the site changes; show build errors over the page until fixed.
(function () {
  "use strict";
  var overlay = null;
  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "policybook-overlay";
      overlay.setAttribute("role", "alert");
      var s = overlay.style;
      s.position = "fixed"; s.left = "0"; s.right = "0"; s.bottom = "0"; s.maxHeight = "60vh"; s.overflow = "auto";
      s.zIndex = "1000"; s.background = "#2b0b0b"; s.color = "#ffe4e4"; s.padding = "1rem 1.5rem";
      s.font = "14px/1.45 ui-monospace, monospace"; s.borderTop = "4px solid #ff6b6b";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "policybook: the last change does not build. This is the last good version of the page.";
    var pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.textContent = text;
    overlay.appendChild(title);
    overlay.appendChild(pre);
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  var source = new EventSource("/__policybook/events");
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("errors", function (e) { show(e.data); });
  source.addEventListener("ok", hide);
})();
