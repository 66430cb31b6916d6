// policybook serve: reload when the site changes; show build errors over the page until fixed.
// Every event carries data (browsers drop events whose data is empty): the site's generation for
// `ok` and `reload`, the errors as text for `errors`. The page knows the generation it was served
// from, so a change made while it was loading is not missed.
(function () {
  "use strict";
  var script = document.currentScript;
  var generation = script ? script.getAttribute("data-generation") : null;
  var overlay = document.getElementById("policybook-overlay");
  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "policybook-overlay";
      overlay.setAttribute("role", "alert");
      overlay.setAttribute("tabindex", "0");
      overlay.setAttribute("aria-label", "Build errors");
      var title = document.createElement("strong");
      title.textContent = "policybook: the last change does not build. This is the last good version of the page.";
      overlay.appendChild(title);
      overlay.appendChild(document.createElement("pre"));
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  function state(name) { document.documentElement.setAttribute("data-policybook-live", name); }
  var source = new EventSource("/__policybook/events");
  source.addEventListener("reload", function () { state("reloading"); location.reload(); });
  source.addEventListener("errors", function (e) { show(e.data); state("errors"); });
  source.addEventListener("ok", function (e) {
    if (generation !== null && e.data !== generation) { state("reloading"); location.reload(); return; }
    hide();
    state("ok");
  });
})();
