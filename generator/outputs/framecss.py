"""The part of Material's stylesheet that generated pages use, written at build time.

Material's ``main.<hash>.min.css`` is 137 KB (23 KB gzipped) because it styles everything
a hand-written page may hold: admonitions, code highlighting, tabs, annotations, icons
for twenty kinds of notes. A generated page (estate, district, directory, 404) holds
none of them, and the stylesheet was the largest file of its first visit. So after
MkDocs has built the site, :func:`write` reads that file and keeps

* every rule with at least one selector whose classes all occur in what a generated page
  can contain: the frame pages MkDocs built, the theme's templates and scripts, and the
  generator's own Python (charts, notices, the frame) — a class that appears nowhere
  there can appear on no generated page. Classes inside ``:not()``, ``:is()``,
  ``:where()`` and ``:has()`` and attribute selectors do not count: a missing class
  there does not stop the selector from matching;
* every custom property (``--md-…``) some kept declaration, our own stylesheets or
  scripts read, directly or through another property;
* ``@keyframes`` that a kept rule animates with; every other at-rule as it is.

and writes it next to the original as ``sunlight-frame.<sha256[:8]>.min.css`` (a name
the deploy step and nginx cache for a year, like Material's own). The hand-written
guide pages keep Material's whole stylesheet.

Pure text: no MkDocs internals, no network, and the same input gives the same bytes.
tests/test_phones.py checks that every element of every page type is styled the same
with this file as with Material's.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

THEME_DIR = Path(__file__).resolve().parents[2] / "theme"
GENERATOR_DIR = Path(__file__).resolve().parents[1]
PREFIX = "sunlight-frame."
# Material's stylesheet, as MkDocs writes it: assets/stylesheets/main.<hash>.min.css.
MATERIAL_CSS = re.compile(r"^main\.[0-9a-f]{8,}\.min\.css$")

_GROUPS = ("@media", "@supports", "@layer", "@container")
_FUNCTIONS = re.compile(r":(?:not|is|where|has|matches|-webkit-any|-moz-any)\(")
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_VAR = re.compile(r"var\(\s*(--[\w-]+)")
_WORD = re.compile(r"[\w-]+")
_CUSTOM = re.compile(r"--[\w-]+")


# --------------------------------------------------------------------------- parsing


def _scan(text: str, i: int, stop: str) -> int:
    """Index of the first character of ``stop`` at ``i`` or after it, outside strings,
    comments, parentheses and brackets; ``len(text)`` when there is none."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and c in stop:
            return i
        i += 1
    return n


def _split(text: str, sep: str) -> list[str]:
    out, i = [], 0
    while i <= len(text):
        j = _scan(text, i, sep)
        out.append(text[i:j])
        i = j + 1
    return out


def parse(css: str) -> list[tuple]:
    """Nodes ``(kind, prelude, body)``: "group" (@media and the like: body is a node
    list), "block" (a rule or @font-face/@keyframes: body is text) or "statement"
    (``@charset …;``: no body)."""
    nodes: list[tuple] = []
    i, n = 0, len(css)
    while i < n:
        while i < n and css[i].isspace():
            i += 1
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if i >= n:
            break
        j = _scan(css, i, "{;}")
        prelude = css[i:j].strip()
        if j >= n or css[j] != "{":
            if prelude:
                nodes.append(("statement", prelude, None))
            i = j + 1
            continue
        depth, k = 1, j + 1
        while depth and k < n:
            k = _scan(css, k, "{}")
            if k >= n:
                raise ValueError("unbalanced braces in the stylesheet")
            depth += 1 if css[k] == "{" else -1
            k += 1
        body = css[j + 1 : k - 1]
        keyword = re.split(r"[\s(]", prelude, maxsplit=1)[0].lower()
        if keyword in _GROUPS:
            nodes.append(("group", prelude, parse(body)))
        else:
            nodes.append(("block", prelude, body))
        i = k
    return nodes


def _declarations(body: str) -> list[str]:
    return [d for d in _split(body, ";") if d.strip()]


def _walk(nodes):
    for node in nodes:
        if node[0] == "group":
            yield from _walk(node[2])
        else:
            yield node


# --------------------------------------------------------------------------- trimming


def _classes(selector: str) -> list[str]:
    """The classes an element must have for ``selector`` to match it."""
    parts, i = [], 0
    for match in _FUNCTIONS.finditer(selector):
        if match.start() < i:
            continue
        parts.append(selector[i : match.start()])
        i = _scan(selector, match.end(), ")") + 1
    parts.append(selector[i:])
    return _CLASS.findall(_ATTRIBUTE.sub("", "".join(parts)))


def trim(css: str, words: set[str], custom: set[str] = frozenset()) -> str:
    """The rules of ``css`` a page made only of ``words`` can use (see the module
    docstring); ``custom``: custom properties read from outside ``css``."""

    def keep_rules(nodes):
        out = []
        for kind, prelude, body in nodes:
            if kind == "group":
                inner = keep_rules(body)
                if inner:
                    out.append((kind, prelude, inner))
            elif kind == "block" and not prelude.startswith("@"):
                selectors = [
                    s for s in _split(prelude, ",") if all(c in words for c in _classes(s))
                ]
                if selectors:
                    out.append((kind, ",".join(s.strip() for s in selectors), body))
            else:
                out.append((kind, prelude, body))
        return out

    tree = keep_rules(parse(css))
    used, defined, animations = set(custom), {}, set()
    for kind, prelude, body in _walk(tree):
        if kind != "block":
            continue
        if prelude.startswith("@"):
            used.update(_VAR.findall(body))
            continue
        for declaration in _declarations(body):
            name, _, value = declaration.partition(":")
            name = name.strip()
            if name.startswith("--"):
                defined.setdefault(name, []).append(value)
            else:
                used.update(_VAR.findall(value))
                if name in ("animation", "animation-name"):
                    animations.update(_WORD.findall(value))
    todo = list(used)
    while todo:
        for value in defined.get(todo.pop(), ()):
            for name in _VAR.findall(value):
                if name not in used:
                    used.add(name)
                    todo.append(name)

    def emit(nodes) -> str:
        out = []
        for kind, prelude, body in nodes:
            if kind == "group":
                inner = emit(body)
                if inner:
                    out.append(f"{prelude}{{{inner}}}")
            elif kind == "statement":
                out.append(f"{prelude};")
            elif re.match(r"@(-\w+-)?keyframes\s", prelude):
                if prelude.split()[-1] in animations:
                    out.append(f"{prelude}{{{body}}}")
            elif prelude.startswith("@"):
                out.append(f"{prelude}{{{body}}}")
            else:
                kept = [
                    d
                    for d in _declarations(body)
                    if not d.strip().startswith("--") or d.partition(":")[0].strip() in used
                ]
                if kept:
                    out.append(f"{prelude}{{{';'.join(kept)}}}")
        return "".join(out)

    return emit(tree)


# --------------------------------------------------------------------------- the build


def _sources(theme_dir: Path) -> list[Path]:
    """What a generated page is made of: the theme's templates, scripts and stylesheets
    and the generator's Python that writes HTML."""
    files = [p for p in sorted(theme_dir.rglob("*")) if p.suffix in (".html", ".js", ".css")]
    return files + sorted((GENERATOR_DIR / "outputs").glob("*.py"))


def words_of(texts) -> tuple[set[str], set[str]]:
    """(every word-like token, every custom property name) in ``texts``."""
    words, custom = set(), set()
    for text in texts:
        words.update(_WORD.findall(text))
        custom.update(_CUSTOM.findall(text))
    return words, custom


def write(stylesheets: Path, pages: list[str], theme_dir: Path = THEME_DIR) -> dict[str, str]:
    """Write the trimmed copy of each of Material's stylesheets in ``stylesheets`` (the
    built site's assets/stylesheets/), for pages made from the frame pages ``pages``
    (their HTML) and the theme. Returns {Material's file name: the copy's file name}."""
    texts = [*pages, *(p.read_text("utf-8", errors="replace") for p in _sources(theme_dir))]
    words, custom = words_of(texts)
    names = {}
    for source in sorted(stylesheets.glob("main.*.min.css")):
        if not MATERIAL_CSS.match(source.name):
            continue
        out = trim(source.read_text("utf-8"), words, custom).encode("utf-8")
        name = f"{PREFIX}{hashlib.sha256(out).hexdigest()[:8]}.min.css"
        target = stylesheets / name
        target.unlink(missing_ok=True)  # a hard link into the build cache: never write through
        target.write_bytes(out)
        names[source.name] = name
    return names
