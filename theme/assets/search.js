/* The header's search box over Pagefind (generator/search.py builds the index).
 *
 * Pagefind's index is split into small files; a query fetches pagefind.js, its WebAssembly,
 * the index chunks holding the query's words, and one fragment per result shown (ten at a
 * time). Nothing is loaded until the reader focuses the box. Everything comes from this
 * site, found relative to the page (data-root), so the site works under any base path.
 *
 * Two searches, name matches first (the text search waits for "more" when there are any):
 *  - the name search: each two-character window of the query as a token "sn" + its UTF-8
 *    in hex, the same tokens the estate overview carries for its name (estate_header in
 *    theme/sunlight/_macros.html), so 林新 finds 梅林新村 although no segmenter cuts 林新
 *    out of it;
 *  - the text search: the query as typed, over the pages' text (Pagefind segments Chinese).
 */
(() => {
  "use strict";

  const box = document.querySelector("[data-sl-search]");
  if (!box) return;
  const toggle = document.getElementById("__search");
  const form = box.querySelector("form");
  const input = form.querySelector("input[name=query]");
  const meta = box.querySelector(".md-search-result__meta");
  const list = box.querySelector(".md-search-result__list");
  const more = box.querySelector(".sl-search-more");
  const say = box.dataset;
  const root = new URL(say.root.replace(/\/?$/, "/"), document.baseURI);
  const PAGE = 10;
  const TOKEN = /\bsn[0-9a-f]{12}\b/g;
  const HAN = /^\p{Script=Han}{2}$/u;

  const ESTATES = "sl_estates";
  let engine = null; // Promise of the Pagefind module, once asked for
  let nameFilter = {}; // search options that keep the name search to the estates' shards
  let asked = 0; // number of the latest query: answers to older ones are dropped
  let results = [];
  let shown = 0;
  let later = null; // the query whose text search waits for "more" (after name matches)

  /* Pagefind, with every shard of the index merged in (generator/search.py writes one
   * bundle per district and one for the site's own pages, listed in pagefind/shards.json):
   * the primary bundle's script and WebAssembly, then each shard's entry file and page list;
   * index chunks and fragments come later, as a query needs them. */
  function pagefind() {
    if (!engine) {
      engine = (async () => {
        const response = await fetch(new URL("pagefind/shards.json", root));
        if (!response.ok) throw new Error(`pagefind/shards.json: ${response.status}`);
        const manifest = await response.json();
        const bundle = (name) => new URL(`pagefind/${name}/`, root);
        const pf = await import(new URL("pagefind.js", bundle(manifest.primary)).href);
        // noWorker: search in this thread; the worker script would be 41 KB more to fetch
        // for searches over small index chunks that take milliseconds anyway.
        const settings = { baseUrl: root.pathname, excerptLength: 24 };
        await pf.options({ ...settings, noWorker: true });
        await pf.init();
        const others = Object.keys(manifest.shards).filter((n) => n !== manifest.primary);
        // The other shards hold the estates: tagged, so the name search can leave out the
        // site's own pages, which carry no name tokens (Pagefind would match them by a
        // shortened token and fetch their fragments for nothing).
        const tag = { mergeFilter: { [ESTATES]: ["1"] } };
        await Promise.all(others.map((n) => pf.mergeIndex(bundle(n).pathname, { ...settings, ...tag })));
        nameFilter = others.length ? { filters: { [ESTATES]: "1" } } : {};
        return pf;
      })();
      engine.catch(() => {
        engine = null; // try again on the next query
      });
    }
    return engine;
  }

  /* UTF-8 bytes in hex, as jinja's urlencode writes them with the % signs removed. */
  function hex(text) {
    return Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function nameTokens(query) {
    const tokens = [];
    for (const word of query.split(/\s+/)) {
      const chars = Array.from(word);
      for (let i = 0; i + 1 < chars.length; i++) {
        const pair = chars[i] + chars[i + 1];
        if (HAN.test(pair)) tokens.push("sn" + hex(pair));
      }
    }
    return [...new Set(tokens)];
  }

  /* Pagefind's excerpt as safe nodes: its text and <mark>s, without the name tokens. */
  function excerpt(html) {
    const p = document.createElement("p");
    const doc = new DOMParser().parseFromString(html || "", "text/html");
    for (const node of doc.body.childNodes) {
      const text = node.textContent.replace(TOKEN, "").replace(/\s{2,}/g, " ");
      if (!text.trim() && node.nodeName === "MARK") continue;
      if (node.nodeName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = text;
        p.append(mark);
      } else {
        p.append(text);
      }
    }
    return p;
  }

  function item(data) {
    const li = document.createElement("li");
    li.className = "md-search-result__item";
    const a = document.createElement("a");
    a.className = "md-search-result__link";
    a.href = data.url;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || data.url;
    // An estate's result reads as its summary sentences (the overview's
    // data-pagefind-meta="summary"), not as the cells of its tables run together.
    const summary = data.meta && data.meta.summary;
    if (summary) {
      const p = document.createElement("p");
      p.textContent = summary;
      article.append(title, p);
    } else {
      article.append(title, excerpt(data.excerpt));
    }
    a.append(article);
    li.append(a);
    return li;
  }

  function count(n) {
    if (later) return (say.names || "# 个名称相符的小区").replace("#", n.toLocaleString("zh-CN"));
    if (n === 0) return say.none;
    if (n === 1) return say.one;
    return say.other.replace("#", n.toLocaleString("zh-CN"));
  }

  /* Adds results not already in the list (the text search finds the name matches too). */
  function add(more) {
    const seen = new Set(results.map((r) => r.id));
    for (const r of more) {
      if (!seen.has(r.id)) {
        seen.add(r.id);
        results.push(r);
      }
    }
  }

  /* The next ten results; past the name matches, the text search runs first. */
  async function showMore(query) {
    if (shown >= results.length && later) {
      const pf = await pagefind();
      const byText = await pf.search(later);
      if (query !== asked) return;
      later = null;
      add(byText.results);
      meta.textContent = count(results.length);
    }
    const slice = results.slice(shown, shown + PAGE);
    const data = await Promise.all(slice.map((r) => r.data()));
    if (query !== asked) return;
    for (const d of data) list.append(item(d));
    shown += slice.length;
    more.hidden = shown >= results.length && !later;
  }

  /* The name search's results that really are names containing the query. A word it does
   * not know, Pagefind shortens until something matches, so a fragment in no estate's name
   * would bring estates whose tokens merely start alike; and two bigrams can both be in a
   * name without the fragment (桂南 and 南村 in 桂南南村, searching 桂南村). The first ten
   * (shown anyway) are checked against their titles, the best three first: when none of
   * those passes, the query is no name and seven fragments are saved. */
  async function nameMatches(byName, text) {
    if (!byName || !byName.results.length) return [];
    const want = text.replace(/\s+/g, "");
    const named = (data) => ((data.meta && data.meta.title) || "").includes(want);
    const best = byName.results.slice(0, 3);
    if (!(await Promise.all(best.map((r) => r.data()))).some(named)) return [];
    const head = byName.results.slice(0, PAGE);
    const data = await Promise.all(head.map((r) => r.data()));
    return [...head.filter((r, i) => named(data[i])), ...byName.results.slice(PAGE)];
  }

  /* Tells tests and benchmarks that the results of ``text`` are on screen. */
  function done(text, total) {
    box.dispatchEvent(new CustomEvent("sl-search:done", { detail: { query: text, total } }));
  }

  /* A query that names estates shows them first and searches the text only when the reader
   * asks for more: the text search of a three-character name fetches three more index
   * chunks, a hundred kilobytes at 10,000 estates. Other queries search the text at once. */
  async function search() {
    const query = ++asked;
    const text = input.value.trim();
    results = [];
    shown = 0;
    later = null;
    more.hidden = true;
    if (!text) {
      list.replaceChildren();
      meta.textContent = say.placeholder;
      done(text, 0);
      return;
    }
    if (!engine) meta.textContent = say.initializer;
    try {
      const pf = await pagefind();
      const tokens = nameTokens(text);
      const byName = tokens.length ? await pf.search(tokens.join(" "), nameFilter) : null;
      const names = await nameMatches(byName, text);
      if (query !== asked) return;
      add(names);
      later = text;
      if (!names.length) {
        const byText = await pf.search(text);
        if (query !== asked) return;
        later = null;
        add(byText.results);
      }
      list.replaceChildren();
      meta.textContent = count(results.length);
      await showMore(query);
      if (query === asked) done(text, results.length);
    } catch (error) {
      if (query !== asked) return;
      list.replaceChildren();
      meta.textContent = say.failed;
      console.error(error);
    }
  }

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("focus", () => {
    toggle.checked = true;
    pagefind().catch(() => {});
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = list.querySelector("a");
    if (first) first.click();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => {
      search();
      // Escape may have closed the box since the click: focusing would open it again.
      if (toggle.checked) input.focus();
    });
  });
  more.addEventListener("click", () => {
    const next = shown;
    showMore(asked).then(() => {
      const link = list.querySelectorAll("a")[next];
      if (link) link.focus();
    });
  });

  /* Keyboard: arrows move between the box and the results, Escape closes. */
  function links() {
    return Array.from(list.querySelectorAll("a"));
  }
  box.addEventListener("keydown", (event) => {
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = at + step;
      if (next < 0) input.focus();
      else all[Math.min(next, all.length - 1)].focus();
    } else if (event.key === "Escape") {
      toggle.checked = false;
      input.blur();
      if (header) header.focus();
    }
  });

  /* The header's magnifier (phones) opens the box. Material's is a <label> for the toggle,
   * which a keyboard cannot reach and a screen reader does not call a button (and a label
   * may not take role="button": axe's aria-allowed-role); so it becomes a real <button>,
   * same classes and icon, same place. sunlight.css hides it beside the desktop's box, as
   * Material's CSS hides the label (.md-header__button[for=__search]). Without script
   * there is no search box at all (Material's CSS hides it under no-js). */
  const label = document.querySelector('label.md-header__button[for="__search"]');
  let header = null;
  if (label) {
    header = document.createElement("button");
    header.type = "button";
    header.className = `${label.className} sl-search-button`;
    header.title = label.title;
    header.setAttribute("aria-label", input.getAttribute("aria-label"));
    header.setAttribute("aria-haspopup", "dialog");
    header.append(...label.childNodes);
    label.replaceWith(header);
    header.addEventListener("click", () => {
      toggle.checked = true;
      input.focus();
    });
  }
  toggle.addEventListener("change", () => {
    if (toggle.checked) input.focus();
  });

  /* "/" anywhere but in a form field jumps to the box, as in Material. */
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (event.key !== "/" || ["input", "textarea", "select"].includes(tag)) return;
    if (event.target.isContentEditable) return;
    event.preventDefault();
    toggle.checked = true;
    input.focus();
  });
})();
