// Applies the saved light/dark choice before the page paints (no flash). No choice: follow the system.
(function () {
  try {
    var saved = localStorage.getItem("policybook-theme");
    if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  } catch (e) { /* storage may be unavailable from file:// in some browsers */ }
})();
