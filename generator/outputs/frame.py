"""The site frame: the page shell MkDocs builds once, into which generated pages are rendered.

MkDocs (with mkdocs-material) builds the hand-written pages of ``content/`` and a few
*frame pages*: Markdown files holding nothing but markers. From each built frame page
this module takes the shell — header, search box, care-mode switch, navigation, footer,
CSS and JS links — and :meth:`Frame.render` puts a generated page's HTML body into it,
with the shell's relative links rewritten for that page's depth. A page then costs one
string join instead of a trip through MkDocs' page pipeline.

Nothing here uses MkDocs internals: only files written into the docs folder, the
``mkdocs build`` command (generator/outputs/build.py) and the HTML it wrote, so Material's
successor, reading the same ``mkdocs.yml``, can make the same frame.

The frame pages (``_frame/``) and the placeholders for the nav's generated pages are
deleted from the built site right after capture: they are never published nor indexed.

What a generated page gets of its own: its title (``<title>`` and the header), its
canonical URL, its meta description and the ``og:`` tags of a shared link, its Atom feed
link, and the right-hand table of contents with the skip link ("跳转至"), both made from
its ``<h2 id=…>`` headings — the same as MkDocs' toc extension made from the ``##``
headings the templates once had. On a phone, where Material hides that table of
contents, a long page gets the same list at the top (:func:`jump_list`). The
navigation marks no page as current: the frame page is in no nav section, so home,
directory and overview, which are in the nav, are no longer highlighted there.

Every table of a generated page is prepared here to become cards on a phone
(:func:`reflow`): one mechanism for all pages, so no template needs to repeat its
column headings, and a table added later reflows too. Where a template writes a table's
head and cells as plain markup, the same labels are put into its source once, when jinja
compiles it (:func:`label_template`), and reflow finds that table done. Generated pages
carry none of Material's JavaScript (theme/main.html): what they use of it — the drawer
and the search toggle — works with CSS alone, and theme/assets/sunlight.js does the rest.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FRAME_DIR = "_frame"
# Variant → the frame page's directory URL. "notice" is the printable lobby notice
# (theme/notice.html: no navigation, no table of contents, A4 print rules).
VARIANTS = {"page": f"{FRAME_DIR}/", "notice": f"{FRAME_DIR}/notice/"}

# Markers: unlikely in any theme's own text. The body goes between BEGIN and END; the
# <h1> between them keeps Material from adding its own title heading, and the one
# Markdown heading gives the table of contents (and the skip link) one item, the model
# of each item of a generated page's table of contents.
BEGIN = "<!--sunlight-frame-begin-->"
END = "<!--sunlight-frame-end-->"
TITLE = "SunlightFrameTitle"
# After the site name in <title> (theme/main.html): what a page adds there, e.g. an
# estate's overview "：业委会、收支、物业服务", for the line a shared link shows.
TITLE_TAIL = "SunlightFrameTitleTail"
TOC_ID = "sunlight-frame-toc"
TOC_TEXT = "SunlightFrameToc"
FEED = "sunlight-frame-feed.xml"

_FRAME_BODY = f"""{BEGIN}
<h1>{TITLE}</h1>

## {TOC_TEXT} {{: #{TOC_ID} }}

{END}
"""

# Placeholder for a nav entry whose page Sunlight generates (home, directory,
# overview): MkDocs needs the file to resolve the nav; the generated page replaces it.
_PLACEHOLDER = (
    "---\ntitle: 阳光公示\n---\n\n<p>Sunlight placeholder, replaced by the generated page.</p>\n"
)


class FrameError(Exception):
    """The built frame page is not usable (a marker is missing, a link cannot be placed)."""

    @property
    def output(self) -> str:
        # What the CLI prints above its one-line summary, as for a failed MkDocs build.
        return str(self)


def write_sources(docs_dir: Path, nav: list | None) -> list[str]:
    """Write the frame pages, and a placeholder for each nav file the docs folder lacks
    (the pages Sunlight generates). Returns the placeholders' directory URLs."""
    for variant, url in VARIANTS.items():
        # sl_frame: theme/main.html leaves Material's script bundle off generated pages.
        meta: dict = {"title": TITLE, "sl_feed": FEED, "sl_frame": True, "sl_tail": TITLE_TAIL}
        if variant == "notice":
            meta = {
                "title": TITLE,
                "template": "notice.html",
                "hide": ["navigation", "toc"],
                "sl_frame": True,
                "sl_tail": TITLE_TAIL,
            }
        path = docs_dir / url / "index.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        path.write_text(f"---\n{front}---\n\n{_FRAME_BODY}", "utf-8")
    placeholders = []
    for name in _nav_files(nav or []):
        path = docs_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_PLACEHOLDER, "utf-8")
            placeholders.append(_page_url(name))
    return placeholders


def _nav_files(nav) -> list[str]:
    out = []
    for item in nav if isinstance(nav, list) else [nav]:
        values = item.values() if isinstance(item, dict) else [item]
        for value in values:
            if isinstance(value, list):
                out += _nav_files(value)
            elif isinstance(value, str) and value.endswith(".md") and "://" not in value:
                out.append(value)
    return out


def _page_url(md_path: str) -> str:
    """ "estates/index.md" → "estates/", "guide/rules.md" → "guide/rules/" (directory URLs)."""
    stem = md_path[: -len(".md")]
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def _output_file(url: str) -> str:
    return url + "index.html"


def depth(url: str) -> int:
    """Folders between the site root and the page at directory URL ``url``."""
    if url and not url.endswith("/"):
        raise ValueError(f"page URLs end with a slash: {url!r}")
    return url.count("/")


def _link(target: str, levels: int) -> str:
    """The relative link to site path ``target`` from a page ``levels`` deep, written the
    way MkDocs writes its own (``.`` and ``../..`` for the root)."""
    if not target:
        return "." if levels == 0 else "/".join([".."] * levels)
    return "../" * levels + target


# A quoted link that climbs out of the frame page's folder: every link of the shell to
# the rest of the site (attributes, the __config JSON, Material's __md_scope).
_CLIMB = re.compile(r"""(["'])(\.\.(?:/\.\.)*(?:/[^"'\s<>]*)?)\1""")
# Attributes holding a URL; what is left relative after the rewrite is an error.
_URL_ATTR = re.compile(r"""\s(?:href|src)="([^"]*)\"""")
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/|#|\.\.(?:/|$))", re.I)
_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')
_DESCRIPTION = re.compile(r'(<meta name="description" content=")([^"]*)(">)')
_BETWEEN_TAGS = re.compile(r">\s+<")
# What only Material's script bundle reads or shows, which generated pages do not load
# (theme/main.html): its storage helpers, the tabbed-content fix, the back-to-top button
# (hidden until the bundle shows it) and the dialog of its clipboard messages.
_BUNDLE_ONLY = re.compile(
    r"<script>__md_scope=.*?</script>\n?"
    r"|<script>var target=document\.getElementById\(location\.hash.*?</script>\n?"
    r'|<button type="button" class="md-top md-icon".*?</button>\n?'
    r'|<div class="md-dialog" data-md-component="dialog">\n'
    r'<div class="md-dialog__inner md-typeset"></div>\n</div>\n?',
    re.S,
)
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_H2 = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")

# Slots of a shell, filled per page.
_BODY, _TITLE, _TAIL, _CANON, _DESC, _FEED, _TOC, _SKIP, _HEAD = (
    "body",
    "title",
    "tail",
    "canonical",
    "description",
    "feed",
    "toc",
    "skip",
    "head",
)


@dataclass
class Shell:
    """One captured frame page: literal text and slots, in order. A slot is a tuple
    ``(name,)`` or ``("link", site path)``."""

    url: str
    pieces: list
    toc_item: str = ""  # one table-of-contents item, with TOC_ID and TOC_TEXT in it
    feed_tag: str = ""  # the page's own feed <link>, with FEED as its href
    skip_tag: str = ""  # the skip link, with #TOC_ID as its target
    description: str = ""
    site_base: str = ""  # the canonical URL of the site root
    html_title: str = ""  # the text of <title>, with TITLE and TITLE_TAIL in it
    _by_depth: dict = field(default_factory=dict, repr=False)

    def at_depth(self, levels: int) -> list:
        """The pieces with every link resolved for a page ``levels`` deep (cached)."""
        cached = self._by_depth.get(levels)
        if cached is None:
            cached, text = [], []
            for piece in self.pieces:
                if isinstance(piece, str):
                    text.append(piece)
                elif piece[0] == "link":
                    text.append(_link(piece[1], levels))
                else:
                    cached.append("".join(text))
                    cached.append(piece[0])
                    text = []
            cached.append("".join(text))
            self._by_depth[levels] = cached
        return cached


def _element_around(text: str, pos: int, open_tag: str, close_tag: str) -> tuple[int, int]:
    start = text.rfind(open_tag, 0, pos)
    end = text.find(close_tag, pos)
    if start < 0 or end < 0:
        raise FrameError(f"no {open_tag}…{close_tag} around position {pos}")
    return start, end + len(close_tag)


def _rfind_li(text: str, pos: int) -> int:
    # Not text.rfind("<li"): that also finds <link>.
    return max(text.rfind("<li ", 0, pos), text.rfind("<li>", 0, pos))


def _line_start(text: str, pos: int) -> int:
    """Start of the whitespace before ``pos`` on its line, so a removed tag leaves no
    blank indentation behind."""
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos


def capture_shell(page_html: str, url: str, clean=None) -> Shell:
    """Turn the built frame page at directory URL ``url`` into a :class:`Shell`.

    ``clean`` is applied to the page text first (generator/outputs/build.py's markup fixes)."""
    text = clean(page_html) if clean else page_html
    # Material's templates indent deeply; one line break between tags renders the same
    # (the shell has no <pre>) and saves every page of the site about 300 bytes gzipped.
    text = _BETWEEN_TAGS.sub(">\n<", text)
    text = _BUNDLE_ONLY.sub("", text)
    if BEGIN not in text or END not in text:
        raise FrameError(
            f"框架页 {url}index.html 中找不到标记 {BEGIN}：主题是否改变了页面内容区？/ "
            f"The frame page {url}index.html lacks the marker {BEGIN}: did the theme change "
            "how it renders page content? Check theme/main.html and mkdocs.yml."
        )
    shell = Shell(url=url, pieces=[])
    # Slots are cut out left to right: each as (position, length, slot, extra).
    cuts: list[tuple[int, int, str]] = []
    begin, end = text.index(BEGIN), text.index(END) + len(END)
    cuts.append((begin, end, _BODY))
    for match in re.finditer(re.escape(TITLE_TAIL), text[:begin]):
        cuts.append((match.start(), match.end(), _TAIL))
    for match in re.finditer(re.escape(TITLE) + "(?!Tail)", text[:begin]):
        cuts.append((match.start(), match.end(), _TITLE))
    canonical = _CANONICAL.search(text)
    if canonical:
        href = canonical.group(1)
        if not href.endswith(url):
            raise FrameError(f"canonical URL {href!r} does not end with {url!r}")
        shell.site_base = href[: len(href) - len(url)]
        cuts.append((canonical.start(1), canonical.end(1), _CANON))
    html_title = _HTML_TITLE.search(text)
    if html_title:
        shell.html_title = html.unescape(html_title.group(1)).strip()
    description = _DESCRIPTION.search(text)
    if description:
        shell.description = html.unescape(description.group(2))
        cuts.append((description.start(2), description.end(2), _DESC))
    feed = text.find(f'href="{FEED}"')
    if feed >= 0:
        start, stop = _element_around(text, feed, "<link ", ">")
        start = _line_start(text, start)
        shell.feed_tag = text[start:stop]
        cuts.append((start, stop, _FEED))
    for match in re.finditer(f'href="#{TOC_ID}"', text[:begin]):
        pos = match.start()
        if _rfind_li(text, pos) > text.rfind("</li>", 0, pos):
            # An item of the table of contents: the <nav> around it is emptied when the
            # page has no headings, as Material renders it for a page without any.
            item_start = _rfind_li(text, pos)
            item_stop = text.index("</li>", pos) + len("</li>")
            nav_open = text.rfind("<nav", 0, item_start)
            inner_start = text.index(">", nav_open) + 1
            inner_stop = text.index("</nav>", item_stop)
            shell.toc_item = "\x00".join(
                [
                    text[inner_start:item_start],
                    text[item_start:item_stop],
                    text[item_stop:inner_stop],
                ]
            )
            cuts.append((inner_start, inner_stop, _TOC))
        else:
            # The skip link ("跳转至"), to the first heading; none without headings.
            start, stop = _element_around(text, pos, "<a ", "</a>")
            start = _line_start(text, start)
            shell.skip_tag = text[start:stop]
            cuts.append((start, stop, _SKIP))
    head = text.find("</head>")
    if head >= 0:
        cuts.append((head, head, _HEAD))
    cuts.sort()
    pos = 0
    for start, stop, slot in cuts:
        if start < pos:
            raise FrameError(f"overlapping parts of the frame page {url}: {slot}")
        shell.pieces += _links(text[pos:start], url)
        shell.pieces.append((slot,))
        pos = stop
    shell.pieces += _links(text[pos:], url)
    return shell


def _links(text: str, frame_url: str) -> list:
    """Split literal shell text into strings and ("link", site path) slots."""
    pieces: list = []
    pos = 0
    for match in _CLIMB.finditer(text):
        value = match.group(2)
        target = posixpath.normpath(posixpath.join(frame_url, value))
        if target.startswith(".."):
            raise FrameError(f"the frame links above the site root: {value!r}")
        target = "" if target == "." else target + ("/" if value.endswith("/") else "")
        pieces.append(text[pos : match.start(2)])
        pieces.append(("link", target))
        pos = match.end(2)
    pieces.append(text[pos:])
    for piece in pieces:
        if isinstance(piece, str):
            for attr in _URL_ATTR.finditer(piece):
                if attr.group(1) and not _ABSOLUTE.match(attr.group(1)):
                    raise FrameError(
                        f"框架页 {frame_url} 有无法改写的相对链接 / the frame page {frame_url} "
                        f"has a relative link that cannot be placed: {attr.group(1)!r}"
                    )
    return pieces


def relative(target: str, base: str) -> str:
    """Relative link from the page at directory URL ``base`` to site path ``target``
    (a directory when it ends with a slash)."""
    is_dir = target == "" or target.endswith("/")
    path = _relpath(target.rstrip("/") or ".", base.rstrip("/") or ".")
    if is_dir:
        return "./" if path == "." else path + "/"
    return path


def _relpath(path: str, start: str) -> str:
    """posixpath.relpath for the site's own clean relative paths, without its two
    os.getcwd() calls (render.rel's links and the frame's feed link)."""
    path_parts = [] if path == "." else path.split("/")
    start_parts = [] if start == "." else start.split("/")
    if (
        path.startswith("/")
        or start.startswith("/")
        or not _CLEAN.isdisjoint(path_parts + start_parts)
    ):
        return posixpath.relpath(path, start)
    common = 0
    for a, b in zip(path_parts, start_parts, strict=False):
        if a != b:
            break
        common += 1
    parts = [".."] * (len(start_parts) - common) + path_parts[common:]
    return "/".join(parts) if parts else "."


# Path segments posixpath.relpath would normalise: such paths take its own way.
_CLEAN = frozenset({"", ".", ".."})


def headings(body_html: str) -> list[tuple[str, str]]:
    """The page's table of contents: (id, HTML text) of each <h2 id=…> in its body."""
    return [(m.group(1), _TAG.sub("", m.group(2)).strip()) for m in _H2.finditer(body_html)]


@dataclass
class Frame:
    """The captured shells, one per variant; ``fingerprint`` names their content."""

    shells: dict[str, Shell]
    fingerprint: str

    def render(
        self,
        url: str,
        title: str,
        body_html: str,
        *,
        description: str | None = None,
        head_extra: str = "",
        feed: str | None = None,
        variant: str = "page",
        toc: list[tuple[str, str]] | None = None,
        title_tail: str = "",
    ) -> str:
        """The final HTML page at site-relative directory URL ``url``.

        ``title``, ``title_tail`` and ``description`` are plain text (escaped here);
        ``title_tail`` follows the site name in ``<title>`` only. ``body_html`` goes in
        with its tables prepared for phones (:func:`reflow`) and, on a long page, a jump
        list; ``feed`` is the site path of the page's own Atom feed; ``toc`` defaults to
        the page's <h2 id=…> headings."""
        shell = self.shells[variant]
        levels = depth(url)
        toc = headings(body_html) if toc is None else toc
        body_html = reflow(body_html)
        if variant == "page":
            body_html = jump_list(body_html, toc)
        text = shell.description if description is None else description
        values = {
            _BODY: body_html,
            _TITLE: html.escape(title),
            _TAIL: html.escape(title_tail),
            _CANON: shell.site_base + url,
            _DESC: html.escape(text),
            _FEED: shell.feed_tag.replace(FEED, html.escape(relative(feed, url))) if feed else "",
            _TOC: _toc(shell, toc),
            _SKIP: shell.skip_tag.replace(f"#{TOC_ID}", f"#{toc[0][0]}") if toc else "",
            _HEAD: share_tags(shell, url, title, title_tail, text) + head_extra,
        }
        return "".join(
            piece if i % 2 == 0 else values[piece] for i, piece in enumerate(shell.at_depth(levels))
        )


# The picture a shared link shows (WeChat, other apps): one for the whole site.
SHARE_IMAGE = "assets/share.png"


def share_tags(shell: Shell, url: str, title: str, tail: str, description: str) -> str:
    """The ``og:`` tags of a page: what an app shows for a shared link. The image and
    URL are absolute (apps fetch them without the page), from the site's canonical URL."""
    full = shell.html_title.replace(TITLE_TAIL, tail).replace(TITLE, title) or title
    tags = [
        ("og:type", "website"),
        ("og:site_name", shell.html_title.replace(TITLE_TAIL, "").replace(TITLE, "").strip(" ·-")),
        ("og:title", full),
        ("og:description", description),
    ]
    if shell.site_base:
        tags += [("og:url", shell.site_base + url), ("og:image", shell.site_base + SHARE_IMAGE)]
    return "".join(
        f'<meta property="{name}" content="{html.escape(value)}">\n'
        for name, value in tags
        if value
    )


# ----------------------------------------------------------------------------- phones
# Tables become cards below 600 px (theme/assets/sunlight.css): each cell carries its
# column's heading as data-label, shown before the value; the table is marked
# data-cards so that tables without a head row keep their layout. A wrapper that scrolls
# sideways on a wide screen is a named region reachable by keyboard (axe
# scrollable-region-focusable).
_ROW_OR_CELL = re.compile(r"<tr\b|<(td|th)\b([^>]*)>")
_COLSPAN = re.compile(r'\bcolspan="(\d+)"')
_CAPTION_OPEN = re.compile(r"<caption\b[^>]*>")
_BR = re.compile(r"<br\s*/?>")


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", _BR.sub(" ", fragment))).split())


# Where the rows and the cells after a table's head row begin, as one split.
_ROW_OR_CELL_START = re.compile(r"<(t[rdh])\b")
# A cell's tag holding a "<" or never closed: there the quick way would split wrongly.
# (Possessive: the attributes are read once, not given back one character at a time.)
_UNCLOSED_CELL = re.compile(r"<t[dh]\b[^<>]*+(?:<|\Z)")


_THEAD_OPEN = re.compile(r"<thead\b[^>]*>")
_TR_OPEN = re.compile(r"<tr\b[^>]*>")
_CELL_OPEN = re.compile(r"<(td|th)\b([^>]*)>")


def _head(table: str) -> tuple[int, int, str] | None:
    """What ``<thead\\b[^>]*>(.*?)</thead>`` finds in ``table``, as (start, end, the
    text inside), its close found with str.find: the lazy ``.*?`` stepped through the
    head a character at a time (tests/test_map_fastpaths.py holds the two equal)."""
    opened = _THEAD_OPEN.search(table)
    if not opened:
        return None
    close = table.find("</thead>", opened.end())
    if close < 0:  # no later <thead> has a close either
        return None
    return opened.start(), close + len("</thead>"), table[opened.end() : close]


def _last_row(head: str) -> str | None:
    """The last that ``<tr\\b[^>]*>(.*?)</tr>`` finds in ``head``, or None."""
    last, pos = None, 0
    while opened := _TR_OPEN.search(head, pos):
        close = head.find("</tr>", opened.end())
        if close < 0:  # no later <tr> has a close either
            break
        last, pos = head[opened.end() : close], close + len("</tr>")
    return last


# Labels by head row: an estate's pages have some forty tables, and their heads are the
# same from estate to estate (the templates write them).
@functools.lru_cache(maxsize=4096)
def _head_labels(row: str) -> tuple[str, ...]:
    """Each column's label, escaped, from the cells of the head's last row (each cell
    closed by its own tag's close; a cell spanning columns labels each of them)."""
    labels: list[str] = []
    pos = 0
    while opened := _CELL_OPEN.search(row, pos):
        close = row.find(f"</{opened.group(1)}>", opened.end())
        if close < 0:  # unclosed: the next cell tag may still close
            pos = opened.start() + 1
            continue
        span = _COLSPAN.search(opened.group(2))
        labels += [_plain(row[opened.end() : close])] * (int(span.group(1)) if span else 1)
        pos = close + len(opened.group(1)) + 3
    return tuple(html.escape(label) for label in labels)


def _label_table(table: str) -> str:
    head = _head(table)
    if head is None:
        return table
    start, stop, inner = head
    row = _last_row(inner)
    if row is None:
        return table
    escaped = _head_labels(row)
    rest = table[stop:]
    opening = table[: table.index(">") + 1]
    if "data-cards" not in opening:
        opening = opening[:-1] + " data-cards>"
    return (
        opening + table[table.index(">") + 1 : start] + table[start:stop]
        + _label_cells(rest, escaped)
    )  # fmt: skip


def _label_cells(rest: str, escaped: list[str]) -> str:
    """The rows after the head row, each cell given its column's label (``escaped``) as
    ``data-label`` unless it has one; a cell spanning columns gets none."""
    # The quick way (a page has a few thousand cells) needs every cell's tag closed before
    # the next row or cell begins, and no spans or labels of its own; else the slow way,
    # which reads each cell's attributes.
    if "colspan" in rest or "data-label=" in rest or _UNCLOSED_CELL.search(rest):
        return _label_cells_one_by_one(rest, escaped)
    # One split for rows and cells (text, tag, text, tag, …): each tag's place is
    # rewritten where it stands, the text between tags is kept as it is.
    return "".join(_label_split(_ROW_OR_CELL_START.split(rest), escaped))


def _label_split(parts: list[str], escaped) -> list[str]:
    """``parts`` (text, tag name, text, … as :data:`_ROW_OR_CELL_START` splits) with each
    cell's tag opening given its column's label."""
    opens = {
        tag: [f'<{tag} data-label="{label}"' if label else f"<{tag}" for label in escaped]
        for tag in ("td", "th")
    }
    width = len(escaped)
    column = 0
    for i in range(1, len(parts), 2):
        tag = parts[i]
        if tag == "tr":
            column = 0
            parts[i] = "<tr"
        else:  # more cells than labels: the rest get none
            parts[i] = opens[tag][column] if column < width else "<" + tag
            column += 1
    return parts


def _label_cells_one_by_one(rest: str, escaped: list[str]) -> str:
    out, pos, column = [], 0, 0
    for match in _ROW_OR_CELL.finditer(rest):
        tag, attrs = match.groups()
        if tag is None:  # a new row
            column = 0
            continue
        index = column
        if "colspan" in attrs:
            span = _COLSPAN.search(attrs)
            column += int(span.group(1)) if span else 1
            continue
        column += 1
        if index < len(escaped) and escaped[index] and "data-label=" not in attrs:
            out += [rest[pos : match.start()], f'<{tag} data-label="{escaped[index]}"{attrs}>']
            pos = match.end()
    out.append(rest[pos:])
    return "".join(out)


_WRAP_OPEN = '<div class="sl-table-wrap"'


def _region_name(table: str) -> str:
    """The wrapper's ``aria-label`` attribute: the text of the table's first
    ``<caption>`` (its close found with str.find, as the table head's), or nothing."""
    opened = _CAPTION_OPEN.search(table)
    close = table.find("</caption>", opened.end()) if opened else -1
    if close < 0:
        return ""
    return _caption_label(table[opened.end() : close])


@functools.lru_cache(maxsize=4096)
def _caption_label(caption: str) -> str:
    return f' aria-label="{html.escape(_plain(caption))}"'


_SPACE_THEN_TABLE = re.compile(r"\s*<table\b")


def reflow(body_html: str) -> str:
    """``body_html`` with every table that has a head row ready to become cards."""
    if "<table" not in body_html:
        return body_html
    parts, pos = [], 0
    while (start := body_html.find("<table", pos)) >= 0:
        stop = body_html.find("</table>", start)
        if stop < 0:
            break
        stop += len("</table>")
        table = body_html[start:stop]
        # A table its template labelled (label_template) is as _label_table would make it.
        parts += [body_html[pos:start], table if _labelled(table) else _label_table(table)]
        pos = stop
    body_html = "".join(parts) + body_html[pos:]
    return _wrap_tables(body_html)


def _wrap_tables(body_html: str) -> str:
    """Each table's wrapper (``<div class="sl-table-wrap" …>`` right before it, without a
    tabindex of its own) made a named region reachable by keyboard. Found with str.find:
    a regular expression's lazy ``.*?</table>`` stepped through every table a character
    at a time (tests/test_map_fastpaths.py holds the two equal)."""
    parts, pos = [], 0
    at = body_html.find(_WRAP_OPEN)
    while at >= 0:
        attrs_at = at + len(_WRAP_OPEN)
        close = body_html.find(">", attrs_at)
        if close < 0:
            break
        attrs = body_html[attrs_at:close]
        table = _SPACE_THEN_TABLE.match(body_html, close + 1)
        end = body_html.find("</table>", close + 1) if table else -1
        if "tabindex" in attrs or end < 0:
            at = body_html.find(_WRAP_OPEN, at + 1)
            continue
        end += len("</table>")
        table_html = body_html[close + 1 : end]
        name = _region_name(table_html)
        parts += [
            body_html[pos:at],
            f'{_WRAP_OPEN}{attrs} role="region" tabindex="0"{name}>{table_html}',
        ]
        pos = end
        at = body_html.find(_WRAP_OPEN, pos)
    if not parts:
        return body_html
    parts.append(body_html[pos:])
    return "".join(parts)


# A cell (as _ROW_OR_CELL finds one) without a label of its own.
_UNLABELLED_CELL = re.compile(r'<t[dh]\b(?! data-label=")')


def _labelled(table: str) -> bool:
    """Whether ``table`` is marked for cards and every cell after its head has a label:
    then :func:`_label_table` would give it back as it is (it labels only the cells that
    have none), so it is not read again."""
    if "data-cards" not in table[: table.find(">")]:
        return False
    end = table.find("</thead>")
    return end >= 0 and _UNLABELLED_CELL.search(table, end) is None


# --------------------------------------------------------------- labels in the templates
# reflow labels a page's cells on every render (about a quarter of an estate page's CPU),
# though most tables' heads are written in their template. label_template does the same
# once, when jinja compiles a template (render.TableLabels): a table whose head row is
# plain text and whose rows the template writes cell by cell gets its labels and its
# data-cards mark in the template's source, and reflow finds it done (_labelled). Where
# the source does not show every row's cells in their columns — a head with template
# code in it, a cell or row from a macro, a loop or condition between a row's cells,
# colspan — the table is left to reflow, as before. tests/test_map_fastpaths.py holds
# the pages the same with and without it.

_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_STATEMENT = re.compile(r"\{%-?\s*(\w+)")
# Statements that may stand between rows: they repeat or leave out whole rows.
_BETWEEN_ROWS = {"for", "endfor", "if", "elif", "else", "endif", "set"}
_OPENERS = {"if", "for", "with", "filter", "call", "macro", "block", "raw", "autoescape"}


def label_template(source: str) -> str:
    """``source`` (a jinja template) with each table whose cells it writes one by one
    labelled as :func:`reflow` would label its output."""
    if "<table" not in source:
        return source
    comments = [m.span() for m in _JINJA_COMMENT.finditer(source)]
    parts, pos = [], 0
    while (start := source.find("<table", pos)) >= 0:
        inside = next((b for a, b in comments if a <= start < b), None)
        if inside is not None:  # a comment's text, stepped over
            parts.append(source[pos:inside])
            pos = inside
            continue
        stop = source.find("</table>", start)
        if stop < 0:
            break
        stop += len("</table>")
        table = source[start:stop]
        if not any(a < stop and start < b for a, b in comments):
            table = _label_source_table(table)
        parts += [source[pos:start], table]
        pos = stop
    parts.append(source[pos:])
    return "".join(parts)


def _label_source_table(table: str) -> str:
    opening = table[: table.find(">") + 1]
    if not opening or "{" in opening or "data-cards" in opening or "colspan" in table:
        return table
    head = _head(table)
    if head is None:
        return table
    start, stop, inner = head
    row = _last_row(inner)
    if row is None or "{{" in inner or "{%" in inner or "{#" in table:
        return table
    rest = table[stop:]
    if "data-label=" in rest:
        return table
    labels = _head_labels(row)
    parts = _ROW_OR_CELL_START.split(rest)
    if not _cells_in_columns(parts):
        return table
    return (
        opening[:-1] + " data-cards>" + table[len(opening) : start] + table[start:stop]
        + "".join(_label_split(parts, labels))
    )  # fmt: skip


def _cells_in_columns(parts: list[str]) -> bool:
    """Whether the rows after a table's head, split by :data:`_ROW_OR_CELL_START` (text,
    tag, text, …), put each cell the source writes in the column it stands in: every
    row opened by ``<tr`` and closed by ``</tr>``, nothing but white space between its
    cells, template code only inside a cell (whole and balanced) or as a statement in a
    tag, and, between rows, only loops and conditions."""
    in_row = False
    if not _between_rows(parts[0]):
        return False
    for i in range(1, len(parts), 2):
        tag, text = parts[i], parts[i + 1]
        end = _tag_end(text)
        # A printed value in a tag could be any attribute (a label or a span of its own).
        if end < 0 or "{{" in text[:end]:
            return False
        after = text[end + 1 :]
        if tag == "tr":
            if in_row or after.strip():
                return False
            in_row = True
            continue
        if not in_row:
            return False
        close = after.find(f"</{tag}>")
        if close < 0 or not _balanced(after[:close]):
            return False
        between = after[close + len(tag) + 3 :]
        row_end = between.find("</tr>")
        if row_end < 0:
            if between.strip():
                return False
            continue
        if between[:row_end].strip() or not _between_rows(between[row_end + 5 :]):
            return False
        in_row = False
    return not in_row


def _tag_end(text: str) -> int:
    """Where the tag whose name ends ``text``'s start closes (its ``>``), template code
    in its attributes stepped over; -1 if it does not."""
    pos = 0
    while True:
        close = text.find(">", pos)
        code = min(
            (at for at in (text.find("{{", pos), text.find("{%", pos)) if at >= 0), default=-1
        )
        if code < 0 or close < code:
            return close
        end = text.find("}}" if text[code + 1] == "{" else "%}", code + 2)
        if end < 0:
            return -1
        pos = end + 2


def _between_rows(text: str) -> bool:
    """Only markup without cells and the statements of :data:`_BETWEEN_ROWS` (no value
    printed: a macro's output could be a row)."""
    if "{{" in text:
        return False
    for match in _STATEMENT.finditer(text):
        name = match.group(1)
        if name not in _BETWEEN_ROWS:
            return False
        if name == "set" and "=" not in text[match.end() : text.find("%}", match.end())]:
            return False  # a block set: what it captures is printed somewhere
    return True


def _balanced(content: str) -> bool:
    """Whether every block a cell's content opens it also closes, and none it closes was
    opened outside it (else the cell itself would be inside a condition or loop)."""
    depth = 0
    for match in _STATEMENT.finditer(content):
        name = match.group(1)
        if name in _OPENERS or (
            name == "set" and "=" not in content[match.end() : content.find("%}", match.end())]
        ):
            depth += 1
        elif name.startswith("end") or (name in ("else", "elif") and not depth):
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# A page with this many sections gets a jump list at its top on phones.
JUMP_MIN = 3


def jump_list(body_html: str, toc: list[tuple[str, str]]) -> str:
    """On a long page (:data:`JUMP_MIN` sections or more), the list of its sections
    before the first one: shown on phones only (sunlight.css), where Material hides the
    table of contents in the drawer."""
    if len(toc) < JUMP_MIN:
        return body_html
    first = body_html.find("<h2 ")
    if first < 0:
        return body_html
    items = "".join(f'<li><a href="#{html.escape(a)}">{text}</a></li>' for a, text in toc)
    nav = (
        '<nav class="sl-jump" aria-label="本页目录" data-pagefind-ignore>'
        f'<p class="sl-jump__title">本页内容</p><ul>{items}</ul></nav>\n'
    )
    return body_html[:first] + nav + body_html[first:]


def _toc(shell: Shell, toc: list[tuple[str, str]]) -> str:
    if not toc or not shell.toc_item:
        return ""
    before, item, after = shell.toc_item.split("\x00")
    items = [
        item.replace(f"#{TOC_ID}", f"#{html.escape(anchor)}").replace(TOC_TEXT, text)
        for anchor, text in toc
    ]
    # Material separates items with the whitespace that preceded the first one.
    gap = before[len(before.rstrip()) :]
    return before + gap.join(items) + after


def capture(site_dir: Path, placeholders: list[str] = (), clean=None) -> Frame:
    """Read every frame page from the built ``site_dir``, then delete the frame pages and
    the placeholders from it (they are never published). Raises :class:`FrameError`."""
    shells = {}
    for variant, url in VARIANTS.items():
        path = site_dir / _output_file(url)
        if not path.is_file():
            raise FrameError(
                f"MkDocs 没有生成框架页 {url} / MkDocs did not build the frame page {url}"
            )
        shells[variant] = capture_shell(path.read_text("utf-8"), url, clean)
    _link_frame_css(site_dir, shells)
    remove(site_dir, placeholders)
    return Frame(shells=shells, fingerprint=fingerprint(shells))


def relink_stylesheets(shells: dict[str, Shell], names: dict[str, str]) -> None:
    """Point the shells' links to assets/stylesheets/<old name> at <new name>."""
    folder = "assets/stylesheets/"
    renamed = {folder + old: folder + new for old, new in names.items()}
    for shell in shells.values():
        shell.pieces = [
            ("link", renamed[p[1]]) if isinstance(p, tuple) and p[1:] and p[1] in renamed else p
            for p in shell.pieces
        ]


def _link_frame_css(site_dir: Path, shells: dict[str, Shell]) -> None:
    """Generated pages and the 404 page link the part of Material's stylesheet they use
    (generator/outputs/framecss.py: 9 KB gzipped of 23); the guide keeps the whole."""
    from . import framecss

    folder = "assets/stylesheets/"
    texts = [
        text
        for shell in shells.values()
        for text in (*shell.pieces, shell.toc_item, shell.skip_tag, shell.feed_tag)
        if isinstance(text, str)
    ]
    names = framecss.write(site_dir / folder, texts)
    relink_stylesheets(shells, names)
    page = site_dir / "404.html"
    if page.is_file():
        text = page.read_text("utf-8")
        fixed = text
        for old, new in names.items():
            fixed = fixed.replace(f"/{folder}{old}", f"/{folder}{new}")
        if fixed != text:
            page.unlink()  # a hard link into the build cache: never write through
            page.write_text(fixed, "utf-8")


def fingerprint(shells: dict[str, Shell]) -> str:
    """sha256 of everything the shells put on a page: a cache of rendered pages must
    key on it (a new theme version or mkdocs.yml change gives a new fingerprint)."""
    digest = hashlib.sha256()
    for variant in sorted(shells):
        shell = shells[variant]
        digest.update(f"\x00{variant}\x00{shell.url}\x00".encode())
        for piece in shell.pieces:
            digest.update(repr(piece).encode("utf-8"))
        for part in (
            shell.toc_item,
            shell.feed_tag,
            shell.skip_tag,
            shell.description,
            shell.html_title,
        ):
            digest.update(b"\x00" + part.encode("utf-8"))
        digest.update(b"\x00" + shell.site_base.encode("utf-8"))
    return digest.hexdigest()


def remove(site_dir: Path, placeholders: list[str] = ()) -> None:
    """Delete the frame pages and placeholders from a built site, and their sitemap
    entries (MkDocs lists every page it built)."""
    shutil.rmtree(site_dir / FRAME_DIR, ignore_errors=True)
    for url in placeholders:
        (site_dir / _output_file(url)).unlink(missing_ok=True)
    sitemap = site_dir / "sitemap.xml"
    if sitemap.is_file():
        text = sitemap.read_text("utf-8")
        fixed = re.sub(
            rf"\s*<url>\s*<loc>[^<]*/{FRAME_DIR}/[^<]*</loc>.*?</url>", "", text, flags=re.S
        )
        if fixed != text:
            sitemap.write_text(fixed, "utf-8")
            _gzip_like(site_dir / "sitemap.xml.gz", fixed.encode("utf-8"))


def _gzip_like(path: Path, data: bytes) -> None:
    """Rewrite MkDocs' gzipped copy with the same header time, so builds stay identical."""
    mtime = int.from_bytes(path.read_bytes()[4:8], "little") if path.is_file() else 0
    with (
        path.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, filename=path.name, mode="wb", mtime=mtime) as out,
    ):
        out.write(data)
