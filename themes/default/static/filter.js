// Filter the rows of a record table (register, SoA) from a form.table-filter: each select or
// checkbox named N keeps the rows whose data-N (on the row or an enclosing element) equals its
// value; the field "q" keeps rows containing the words typed. Groups (data-groups) with no row left
// are hidden. The form is hidden until this script runs, so without JavaScript every row shows.
(function () {
  "use strict";
  function dataOf(row, name) {
    var holder = row.closest("[data-" + name + "]");
    return holder ? holder.getAttribute("data-" + name) : "";
  }
  // A record table that fits the width needs no scrolling region of its own: the page scrolls and
  // its header row sticks under the top bar.
  function markFitting() {
    document.querySelectorAll(".records-wrap").forEach(function (wrap) {
      wrap.classList.remove("fits");
      var table = wrap.querySelector("table");
      if (table && table.offsetWidth <= wrap.clientWidth) wrap.classList.add("fits");
    });
  }
  markFitting();
  window.addEventListener("resize", markFitting);

  document.querySelectorAll("form.table-filter").forEach(function (form) {
    var rows = Array.prototype.slice.call(document.querySelectorAll(form.dataset.rows));
    var groups = form.dataset.groups ? Array.prototype.slice.call(document.querySelectorAll(form.dataset.groups)) : [];
    var count = form.querySelector(".filter-count");
    var noun = form.dataset.noun || "rows";
    // Selects listing the values found in the rows (e.g. the implementation statuses in use).
    form.querySelectorAll("select[data-options-from]").forEach(function (select) {
      var key = select.dataset.optionsFrom;
      var seen = {};
      rows.forEach(function (row) {
        var value = dataOf(row, key);
        if (!value || seen[value]) return;
        var label = row.querySelector("." + key + "-" + value);
        seen[value] = label ? label.textContent.trim() : value;
      });
      Object.keys(seen).sort().forEach(function (value) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = seen[value];
        select.appendChild(option);
      });
    });
    function apply() {
      var words = ((form.elements.q && form.elements.q.value) || "").toLowerCase().split(/\s+/).filter(Boolean);
      var conditions = [];
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.name === "q") return;
        if (field.type === "checkbox") {
          if (field.checked) conditions.push([field.name, field.value]);
        } else if (field.value) {
          conditions.push([field.name, field.value]);
        }
      });
      var shown = 0;
      rows.forEach(function (row) {
        var text = words.length ? row.textContent.toLowerCase() : "";
        var keep = conditions.every(function (c) { return dataOf(row, c[0]) === c[1]; }) &&
          words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      groups.forEach(function (group) {
        group.hidden = !group.querySelector("tbody tr:not([hidden])");
      });
      count.textContent = shown === rows.length ? "All " + rows.length + " " + noun + " shown." : shown + " of " + rows.length + " " + noun + " shown.";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  });
})();
