/* The city dashboard (overview/): every estate from overview/estates.json, filtered by
   district, street, type and light, sorted by any column and paged, in the browser.
   Without script the block stays hidden and overview/<district>/ pages hold the same
   table as plain HTML. Nothing is loaded from other hosts; data is written with
   textContent, never as HTML. The file's format: generator/outputs/dashboard.py. */
(function () {
  var PAGE = 50;
  var ICONS = ["○", "✓", "▲", "✕"];
  var CSS = ["sl-level-none", "sl-level-ok", "sl-level-watch", "sl-level-act"];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function light(level, labels) {
    var span = el("span", { "class": "sl-light " + CSS[level] });
    span.appendChild(el("span", { "class": "sl-light__icon", "aria-hidden": "true" }, ICONS[level]));
    span.appendChild(document.createTextNode(" "));
    span.appendChild(el("span", { "class": "sl-light__word" }, labels[level]));
    return span;
  }

  function setup(box, data) {
    var form = box.querySelector("form");
    var body = box.querySelector("tbody");
    var count = box.querySelector(".sl-dash__count");
    var at = box.querySelector(".sl-pager__at");
    var prev = box.querySelector("[data-step='-1']");
    var next = box.querySelector("[data-step='1']");
    var base = box.getAttribute("data-base") || "";
    var heads = box.querySelectorAll("thead th");
    var state = { page: 0, key: null, asc: true };
    var rows = data.e.map(function (e) {
      return { id: e[0], name: e[1], d: e[2], s: e[3], t: e[4], status: e[5], lv: e[6] };
    });

    function fill(select, items) {
      var keep = select.value;
      while (select.options.length > 1) select.remove(1);
      items.forEach(function (item) { select.appendChild(el("option", { value: item[0] }, item[1])); });
      select.value = keep;
      if (select.value !== keep) select.value = "";
    }
    fill(form.type, data.t.map(function (t, i) { return [String(i), t]; }));
    function streets() {
      var d = form.district.value;
      var di = -1;
      data.d.forEach(function (x, i) { if (x[0] === d) di = i; });
      var list = [];
      data.s.forEach(function (x, i) { if (di < 0 ? d === "" : x[0] === di) list.push([String(i), x[1]]); });
      list.sort(function (a, b) { return a[1].localeCompare(b[1], "zh-CN"); });
      fill(form.street, list);
    }
    streets();

    // Names sort A→Z; levels worst first.
    function textual(key) { return key === "name" || key === "street" || key === "type"; }

    function value(row, key) {
      if (key === "name") return row.name;
      if (key === "street") return data.s[row.s][1];
      if (key === "type") return data.t[row.t];
      if (key === "status") return row.status;
      return +row.lv.charAt(+key.slice(1));
    }

    function chosen() {
      var d = form.district.value, s = form.street.value, t = form.type.value;
      var m = form.measure.value, lv = form.level.value, q = form.q.value.trim();
      var di = -1;
      data.d.forEach(function (x, i) { if (x[0] === d) di = i; });
      var out = rows.filter(function (r) {
        if (d && r.d !== di) return false;
        if (s && r.s !== +s) return false;
        if (t && r.t !== +t) return false;
        if (lv !== "") {
          var level = m === "" ? r.status : +r.lv.charAt(+m);
          if (level !== +lv) return false;
        }
        return !q || r.name.indexOf(q) !== -1;
      });
      if (state.key) {
        var k = state.key, sign = state.asc ? 1 : -1;
        out.sort(function (a, b) {
          var x = value(a, k), y = value(b, k);
          var c = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "zh-CN");
          return c * sign;
        });
      }
      return out;
    }

    function draw() {
      var list = chosen();
      var pages = Math.max(1, Math.ceil(list.length / PAGE));
      if (state.page >= pages) state.page = pages - 1;
      var slice = list.slice(state.page * PAGE, (state.page + 1) * PAGE);
      while (body.firstChild) body.removeChild(body.firstChild);
      slice.forEach(function (r) {
        var tr = el("tr");
        var th = el("th", { scope: "row" });
        th.appendChild(el("a", { href: base + "estates/" + r.id + "/" }, r.name));
        tr.appendChild(th);
        tr.appendChild(el("td", { "data-label": "街道（镇）" }, data.s[r.s][1]));
        tr.appendChild(el("td", { "data-label": "类型" }, data.t[r.t]));
        var st = el("td", { "data-label": "状态" });
        st.appendChild(light(r.status, data.l));
        tr.appendChild(st);
        data.m.forEach(function (m, i) {
          var td = el("td", { "data-label": m[1], "data-measure": m[0] });
          td.appendChild(light(+r.lv.charAt(i), data.l));
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      count.textContent = "共 " + list.length + " 个小区" +
        (list.length ? "，第 " + (state.page * PAGE + 1) + "–" + (state.page * PAGE + slice.length) + " 个" : "");
      at.textContent = "第 " + (state.page + 1) + " / " + pages + " 页";
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }

    Array.prototype.forEach.call(heads, function (th) {
      var key = th.getAttribute("data-key");
      var button = el("button", { type: "button", "class": "sl-sort-key" });
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        state.asc = state.key === key ? !state.asc : textual(key);
        state.key = key;
        form.sort.value = "";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", state.asc ? "ascending" : "descending");
        state.page = 0;
        draw();
      });
    });
    // On a phone the header row is hidden (cards): the 排序 menu sorts instead.
    form.sort.addEventListener("change", function () {
      state.key = form.sort.value || null;
      state.asc = textual(state.key);
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    form.addEventListener("input", function (ev) {
      if (ev.target === form.district) streets();
      state.page = 0;
      draw();
    });
    form.addEventListener("change", function (ev) {
      if (ev.target === form.district) streets();
      state.page = 0;
      draw();
    });
    prev.addEventListener("click", function () { state.page--; draw(); });
    next.addEventListener("click", function () { state.page++; draw(); });
    box.hidden = false;
    draw();
  }

  function start() {
    var box = document.getElementById("sl-dash");
    if (!box || !window.fetch) return;
    fetch(box.getAttribute("data-src"))
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { setup(box, data); })
      .catch(function () { /* the static per-district pages remain */ });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
