/* Material's bundle is not loaded on generated pages (theme/main.html); the few things
   of it they need are here or in CSS. */

/* While the search box is open on a phone, the page behind it does not scroll, as
   Material's bundle does it (body[data-md-scrolllock] in its CSS): its overlay grows far
   past the screen's edge. The box opens by its label (change), by "/" or a key on the
   magnifier (search.js sets checked and focuses the box: focusin), closes by Escape. */
(function () {
  var toggle = document.getElementById("__search");
  if (!toggle || document.querySelector("script[src*='javascripts/bundle.']")) return;
  var phone = window.matchMedia("(max-width: 59.984375em)");
  var at = null;
  function update() {
    var body = document.body;
    var lock = toggle.checked && phone.matches;
    if (lock && at === null) {
      at = window.scrollY;
      body.style.top = -at + "px";
      body.setAttribute("data-md-scrolllock", "");
    } else if (!lock && at !== null) {
      body.removeAttribute("data-md-scrolllock");
      body.style.top = "";
      window.scrollTo(0, at);
      at = null;
    }
  }
  toggle.addEventListener("change", update);
  document.addEventListener("focusin", update);
  document.addEventListener("focusout", function () { setTimeout(update, 0); });
  if (phone.addEventListener) phone.addEventListener("change", update);
})();
/* Directory filter: narrows the list of streets as you type and, from the names file
   (overview/names.json, read when the box is first focused or typed in), lists the
   estates whose name, district, street or pinyin match. Without script the list of districts and streets
   shows and the box stays hidden: each street's page lists its estates. */
(function () {
  var MAX_HITS = 100;
  function setup() {
    var table = document.querySelector("table[data-sl-filter]");
    var box = document.querySelector(".sl-filter");
    if (!table || !box) return;
    var input = box.querySelector("input");
    var count = document.getElementById("sl-filter-count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    // Each row's text and its pinyin keys (data-pinyin: 全拼 and 首字母, xuhuiqu xhq).
    var texts = rows.map(function (row) {
      return (row.textContent + " " + (row.getAttribute("data-pinyin") || "")).toLowerCase();
    });
    var none = document.getElementById("sl-filter-none");
    var hits = document.getElementById("sl-filter-hits");
    var hint = document.querySelector(".sl-filter-hint");
    var names = null, loading = null, base = input.getAttribute("data-sl-base") || "";
    function load() {
      if (!loading && input.getAttribute("data-sl-names") && window.fetch) {
        loading = fetch(input.getAttribute("data-sl-names"))
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return;
            names = data.e.map(function (e) {
              var st = data.s[e[2]];
              return { e: e, st: st, type: data.t[e[3]], level: data.l[e[4]],
                       text: (e[1] + " " + e[5] + " " + st[0] + " " + st[1] + " " + st[3]).toLowerCase() };
            });
            update();
          })
          .catch(function () { /* the list of streets still works */ });
      }
    }
    function cell(tag, text, label) {
      var c = document.createElement(tag);
      if (tag === "th") c.scope = "row";
      if (label) c.setAttribute("data-label", label);
      if (text !== undefined) c.textContent = text;
      return c;
    }
    function badge(text, css) {
      var b = document.createElement("span");
      b.className = "sl-badge " + css;
      b.textContent = text;
      return b;
    }
    function showHits(terms) {
      if (!hits) return 0;
      var body = hits.querySelector("tbody");
      while (body.firstChild) body.removeChild(body.firstChild);
      if (!terms.length || !names) { hits.hidden = true; return 0; }
      var found = names.filter(function (n) {
        return terms.every(function (t) { return n.text.indexOf(t) !== -1; });
      });
      found.slice(0, MAX_HITS).forEach(function (n) {
        var tr = document.createElement("tr");
        var th = cell("th");
        var a = document.createElement("a");
        a.href = base + "estates/" + n.e[0] + "/";
        a.textContent = n.e[1];
        th.appendChild(a);
        tr.appendChild(th);
        tr.appendChild(cell("td", n.st[0], "区"));
        var street = cell("td", undefined, "街道（镇）");
        var sa = document.createElement("a");
        sa.href = base + n.st[2];
        sa.textContent = n.st[1];
        street.appendChild(sa);
        tr.appendChild(street);
        tr.appendChild(cell("td", n.type, "类型"));
        var status = cell("td", undefined, "状态");
        status.appendChild(badge(n.level[0], n.level[1]));
        if (n.e[6]) { status.appendChild(document.createTextNode(" ")); status.appendChild(badge(n.e[6], "sl-badge--late")); }
        tr.appendChild(status);
        body.appendChild(tr);
      });
      hits.hidden = !found.length;
      var caption = hits.querySelector("caption");
      caption.textContent = found.length > MAX_HITS
        ? "符合的小区：前 " + MAX_HITS + " 个（共 " + found.length + " 个，请多输入几个字）"
        : "符合的小区（" + found.length + " 个）";
      return found.length;
    }
    function update() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
        row.hidden = !match;
        if (match) shown++;
      });
      var estates = showHits(terms);
      count.textContent = terms.length
        ? (names ? estates + " 个小区，" : "") + shown + " / " + rows.length + " 个街道（镇）"
        : "";
      // Nothing matches: say so, and how to search, instead of an empty table.
      if (none) {
        none.hidden = !(terms.length && !shown && !estates && (names || !loading));
        none.querySelector("span").textContent = input.value.trim();
      }
    }
    box.hidden = false;
    if (hint) hint.hidden = false;
    input.addEventListener("focus", load);
    input.addEventListener("input", function () { load(); update(); });
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
    button.title = "大字、高对比度、简洁排版";
    // The name stays 关怀模式 (aria-pressed says on or off to a screen reader); the
    // visible "：开／关" says it to everyone else.
    button.appendChild(document.createTextNode("关怀模式"));
    var state = document.createElement("span");
    state.setAttribute("aria-hidden", "true");
    button.appendChild(state);
    function show() {
      var on = root.classList.contains("sl-care");
      button.setAttribute("aria-pressed", on ? "true" : "false");
      state.textContent = on ? "：开" : "：关";
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
          if (raw === "") return null;
          return /^-?\d+(\.\d+)?$/.test(raw) ? parseFloat(raw) : raw;
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

/* Is this printed notice current? A notice's QR code opens the estate page with
   ?v=<version>. Compare it with this build's version and the list of older versions
   (inline JSON, no request) and say so above the page. Without script the history page
   lists every version's checksum, which the notice also prints. */
(function () {
  function setup() {
    var box = document.getElementById("sl-notice-check");
    var data = document.getElementById("sl-versions");
    var match = /[?&]v=([0-9a-f]{4,64})/i.exec(window.location.search);
    if (!box || !data || !match) return;
    var info = JSON.parse(data.textContent);
    var v = match[1].toLowerCase();
    var history = "history/";
    box.hidden = false;
    if (v === info.current) {
      box.className += " sl-notice-check--ok";
      box.textContent = "这张告示是最新版本：告示上的信息与本页一致。";
      return;
    }
    var index = -1;
    for (var i = 0; i < info.versions.length; i++) {
      if (info.versions[i].v === v) { index = i; break; }
    }
    box.className += " sl-notice-check--old";
    var link = document.createElement("a");
    var text;
    if (index > 0) {
      // versions are newest first: the one just before index replaced the notice's data.
      var next = info.versions[index - 1];
      text = "这张告示已过期：" + next.date + " 起数据有更新。";
      link.href = history + "#" + next.anchor;
      link.textContent = "查看此后的变化";
    } else if (index === 0) {
      text = "这张告示对应的版本已提交，但网站尚未更新到该版本之后的内容。";
      link.href = history + "#" + info.versions[0].anchor;
      link.textContent = "查看变更记录";
    } else {
      text = "无法识别这张告示的版本（" + v + "），可能已过期。";
      link.href = history;
      link.textContent = "查看全部变更记录";
    }
    box.appendChild(document.createTextNode(text + " "));
    box.appendChild(link);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();

/* 朗读 read aloud: the page's main content with the browser's Chinese voice, for readers
   who find reading hard. No voice, no button: a button that cannot speak is worse than
   none. Voices may arrive late (Chrome fills getVoices() after "voiceschanged"). */
(function () {
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") return;
  var button = null;
  function chinese() {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^zh([-_]CN|[-_]Hans|$)/i.test(voices[i].lang)) return voices[i];
    }
    return null;
  }
  function text(article) {
    // What a reader sees: no hidden parts, no technical details, no navigation.
    var copy = article.cloneNode(true);
    var skip = copy.querySelectorAll("[hidden], .sl-tech, nav, .sl-crumbs, script, style, .sl-speak, .sl-visually-hidden, [aria-hidden=true], [data-search-exclude]");
    Array.prototype.forEach.call(skip, function (el) { el.remove(); });
    // A pause after each heading and block, which textContent would run together.
    Array.prototype.forEach.call(copy.querySelectorAll("h1, h2, h3, h4, caption, summary"), function (el) {
      el.appendChild(document.createTextNode("。 "));
    });
    Array.prototype.forEach.call(copy.querySelectorAll("p, li, td, th, dt, dd, figcaption"), function (el) {
      el.appendChild(document.createTextNode(" "));
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }
  function setup() {
    var voice = chinese();
    var article = document.querySelector("article.md-content__inner") || document.querySelector("main");
    if (!voice || !article || button) return;
    button = document.createElement("button");
    button.type = "button";
    button.className = "sl-speak";
    button.textContent = "朗读";
    button.removeAttribute("data-speaking");
    button.title = "用手机的语音朗读本页内容";
    button.addEventListener("click", function () {
      if (button.hasAttribute("data-speaking")) {
        synth.cancel();
        button.removeAttribute("data-speaking");
        button.textContent = "朗读";
        return;
      }
      var say = new window.SpeechSynthesisUtterance(text(article));
      say.voice = voice;
      say.lang = voice.lang || "zh-CN";
      say.rate = 0.9;
      say.onend = say.onerror = function () {
        button.removeAttribute("data-speaking");
        button.textContent = "朗读";
      };
      synth.cancel();
      synth.speak(say);
      button.setAttribute("data-speaking", "");
      button.textContent = "停止朗读";
    });
    var h1 = article.querySelector("h1");
    if (h1) h1.parentNode.insertBefore(button, h1.nextSibling);
    else article.insertBefore(button, article.firstChild);
  }
  if (synth.addEventListener) synth.addEventListener("voiceschanged", setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
