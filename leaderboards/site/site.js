// vmbench leaderboard site: click a column header to sort its table (no server, no network).
// The first click on a metric column puts the best value first (direction from data-better);
// the next click reverses. Cells sort by their data-v number; cells without one go last.
// Published rows stay below the measured rows.
(function () {
  "use strict";

  function key(row, col) {
    var cell = row.cells[col];
    if (!cell) return null;
    var v = cell.getAttribute("data-v");
    if (v !== null && v !== "") {
      var x = parseFloat(v);
      return isNaN(x) ? null : x;
    }
    var t = cell.textContent.trim();
    return t === "" || t === "\u2013" ? null : t;
  }

  function compare(a, b, descending) {
    if (a === null && b === null) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    var r = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
    return descending ? -r : r;
  }

  function sortTable(table, th) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var col = headers.indexOf(th);
    var current = th.getAttribute("aria-sort");
    var firstDescending = th.getAttribute("data-better") === "higher";
    var descending = current === null || current === "none" ? firstDescending : current === "ascending";
    headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r._pos = i; });
    rows.sort(function (a, b) {
      var pa = a.classList.contains("published"), pb = b.classList.contains("published");
      if (pa !== pb) return pa ? 1 : -1;
      return compare(key(a, col), key(b, col), descending) || a._pos - b._pos;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function init() {
    var tables = document.querySelectorAll("table.sortable");
    Array.prototype.forEach.call(tables, function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
        th.tabIndex = 0;
        th.title = "click to sort";
        th.addEventListener("click", function () { sortTable(table, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, th); }
        });
      });
    });
    document.documentElement.setAttribute("data-sortable-ready", String(tables.length));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
