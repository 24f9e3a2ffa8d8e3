/* Estate pages, for residents: 我的楼 and the district's medians. Loaded only by the
   estate pages that include theme/sunlight/_residents.html. Without script neither shows
   and nothing else depends on this file. */
(function () {
  "use strict";

  /* 我的楼: choose your building once; it is remembered per estate in localStorage (as
     care mode is), and a building notice's QR code (?v=…&b=3) chooses it. The overview and
     finances then lead with that building's maintenance fund (the sentence comes from the
     build: generator/outputs/plain.building_sentence). */
  function myBuilding() {
    var box = document.getElementById("sl-mybuilding");
    var data = document.getElementById("sl-buildings");
    if (!box || !data) return;
    var info = JSON.parse(data.textContent);
    var select = document.getElementById("sl-mybuilding-select");
    var row = document.getElementById("sl-mybuilding-row");
    var key = "sl-building:" + info.estate;
    var bySlug = {};
    info.rows.forEach(function (r) { bySlug[r.slug] = r; });
    function load() { try { return localStorage.getItem(key) || ""; } catch (e) { return ""; } }
    function save(slug) {
      try {
        if (slug) localStorage.setItem(key, slug);
        else localStorage.removeItem(key);
      } catch (e) { /* private mode: chosen for this page only */ }
    }
    function show(slug) {
      var r = bySlug[slug];
      select.value = r ? slug : "";
      row.textContent = r ? r.text + "（" + info.period + "）。" : "";
      row.className = "sl-mybuilding__row" + (r && r.below ? " sl-late" : "");
      // Finances: mark the building's row in the ledger table.
      var cells = document.querySelectorAll("table.sl-fund tbody th[scope=row]");
      Array.prototype.forEach.call(cells, function (th) {
        var mine = r && th.textContent.trim() === r.b;
        th.parentNode.classList.toggle("sl-mine", !!mine);
        if (mine) th.parentNode.setAttribute("aria-current", "true");
        else th.parentNode.removeAttribute("aria-current");
      });
    }
    var match = /[?&]b=([0-9A-Za-z-]{1,20})(?:&|$)/.exec(window.location.search);
    var chosen = match && bySlug[match[1]] ? match[1] : load();
    if (match && bySlug[match[1]]) save(match[1]);
    select.addEventListener("change", function () { save(select.value); show(select.value); });
    box.hidden = false;
    show(chosen);
  }

  /* Context: the district median of the same property type beside a figure (「全区同类
     中位 0.55 元」). Where the district has fewer than two estates of the type (or of the
     figure), the city's median of the type stands in and says so (「全市同类」). The files
     are small, one per district and one for the city; a page without them shows nothing. */
  function medians() {
    var ctx = document.getElementById("sl-context");
    var spans = document.querySelectorAll(".sl-median[data-median]");
    if (!spans.length) return;
    if (!ctx || !window.fetch) {
      document.documentElement.setAttribute("data-sl-medians", "none");
      return;
    }
    var kind = ctx.getAttribute("data-type");
    function get(url) {
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { return (data && data.types && data.types[kind]) || null; });
    }
    var filled = 0;
    function fill(group, scope, span) {
      var text = group && group[span.getAttribute("data-median")];
      if (!text) return false;
      span.textContent = scope + "同类（" + group.estates + " 个小区）中位 " + text;
      filled += 1;
      return true;
    }
    get(ctx.getAttribute("data-medians"))
      .then(function (district) {
        var missing = Array.prototype.filter.call(spans, function (span) {
          return !fill(district, "全区", span);
        });
        var city = ctx.getAttribute("data-city-medians");
        if (!missing.length || !city) return null;
        return get(city).then(function (group) {
          missing.forEach(function (span) { fill(group, "全市", span); });
        });
      })
      .catch(function () { /* no medians: the figures stand alone */ })
      .then(function () {
        // Done either way: the CSS gives back the space of a median left empty.
        document.documentElement.setAttribute("data-sl-medians", filled ? "shown" : "none");
      });
  }

  function setup() { myBuilding(); medians(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
