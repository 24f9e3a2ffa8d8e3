/* Directory filter: narrows the estate table as you type. Without script the full
   table shows and the box stays hidden, so nothing depends on this file. */
(function () {
  function setup() {
    var table = document.querySelector("table[data-sl-filter]");
    var box = document.querySelector(".sl-filter");
    if (!table || !box) return;
    var input = box.querySelector("input");
    var count = document.getElementById("sl-filter-count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    box.hidden = false;
    input.addEventListener("input", function () {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
        row.hidden = !match;
        if (match) shown++;
      });
      count.textContent = terms.length ? "显示 " + shown + " / " + rows.length + " 个小区" : "";
    });
  }
  // Material's instant loading is off, so DOMContentLoaded is enough.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();

/* 关怀模式 care mode: a switch in the header, remembered across pages (localStorage).
   main.html applies the saved choice before the page paints. */
(function () {
  function setup() {
    var header = document.querySelector(".md-header__inner");
    if (!header || header.querySelector(".sl-care-toggle")) return;
    var root = document.documentElement;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sl-care-toggle";
    button.textContent = "关怀模式";
    button.title = "大字、高对比度、简洁排版";
    function show() {
      button.setAttribute("aria-pressed", root.classList.contains("sl-care") ? "true" : "false");
    }
    button.addEventListener("click", function () {
      var on = root.classList.toggle("sl-care");
      try { localStorage.setItem("sl-care", on ? "1" : "0"); } catch (e) { /* private mode */ }
      show();
    });
    show();
    var search = header.querySelector(".md-search") || header.querySelector("[for=__search]");
    header.insertBefore(button, search || null);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();

/* Sortable comparison tables: each column header becomes a button; cells sort by their
   data-value (numbers numerically, empty last). Without script the table is unchanged. */
(function () {
  function sortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sl-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(row) {
          var cell = row.cells[col];
          var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
          var num = parseFloat(raw);
          return raw === "" ? null : (isNaN(num) ? raw : num);
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === null) return y === null ? 0 : 1;
          if (y === null) return -1;
          var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }
  function setup() { Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), sortable); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
