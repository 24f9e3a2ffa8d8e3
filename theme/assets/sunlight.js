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
