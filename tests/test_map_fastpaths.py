"""The map's shortcuts (issue 9: less CPU an estate) give what the plain way gives.

Each quick way in the per-estate worker is held here to the code it replaced, kept as the
reference: the QR code's path, the tables prepared for phones (``reflow``), the charts'
text widths. The reference is the slow code itself, run on real and odd inputs.
"""

from __future__ import annotations

import html
import random
import re
import string

import pytest
import zxingcpp

from generator.outputs import charts, frame, qr

# ------------------------------------------------------------------------- the QR code

_AS_TEXT = bytes.maketrans(b"\x00\xff", b"10")
_GAP_AND_RUN_TEXT = re.compile(r"(0*)(1+)")


def _strokes_reference(rows: list[bytes]) -> str:
    """qr._strokes as it was: each row as text, its runs found by a regular expression."""
    out: list[str] = []
    pen_x = pen_y = 0
    for y, row in enumerate(rows):
        x = 0
        for gap, run in _GAP_AND_RUN_TEXT.findall(row.translate(_AS_TEXT).decode("ascii")):
            if x == 0:
                out.append(f"m{len(gap) - pen_x} {y - pen_y}h{len(run)}")
            else:
                out.append(f"m{len(gap)} 0h{len(run)}")
            x += len(gap) + len(run)
        if x:
            pen_x, pen_y = x, y
    return "".join(out)


def test_the_qr_path_is_the_row_by_row_path():
    rng = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "-_./?=&%中文小区"
    urls = ["https://sunlight.example.org/estates/pujin-jiayuan/?v=0123abcd&b=12"] + [
        "https://" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400)))
        for _ in range(400)
    ]
    for url in urls:
        rows = qr.qr_matrix(url)
        assert qr._strokes(rows) == _strokes_reference(rows), url


def _libzints_own(url: str) -> list[bytes]:
    """The code as libzint masks it when it chooses the mask itself."""
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    side, flat = image.shape[0], image.tobytes()
    return [flat[row * side : (row + 1) * side] for row in range(side)]


@pytest.mark.parametrize("seed", [5, 6])
def test_the_qr_mask_is_the_one_libzint_chooses(seed, monkeypatch):
    # Every size from version 1 to 20 (21-97 modules; version information from 7 on),
    # each size's board made from the first URL of that size and used for all the others,
    # UTF-8 and all: the code is libzint's own, module for module.
    monkeypatch.setattr(qr, "_BOARDS", {})
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_./?=&%中文小区"
    urls = ["https://sunlight.example.org/estates/pujin-jiayuan/?v=0123abcd&b=12"] + [
        "https://" + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 600)))
        for _ in range(1500)
    ]
    # And a few far longer than a notice's, versions 24, 32 and 39 (ASCII, so
    # that they fit).
    ascii_only = string.ascii_letters + string.digits + "-_./?=&%"
    urls += [
        "https://" + "".join(rng.choice(ascii_only) for _ in range(n)) for n in (900, 1500, 2100)
    ]
    for url in urls:
        assert qr.qr_matrix(url) == _libzints_own(url), url
    assert set(range(21, 98, 4)) <= set(qr._BOARDS) and max(qr._BOARDS) > 150
    # The eight masks' scores differ: had the choice been by chance, it would not hold.
    board = qr._BOARDS[37]
    code = board.bits(qr._encode(urls[0], 0)[1])
    assert len({board.score(code ^ change) for change in board.changes}) > 4


def test_the_qr_path_of_odd_matrices():
    # Rows with no dark module, all dark, dark at either edge: the pen moves as before.
    light, dark = b"\xff", b"\x00"
    cases = [
        [light * 5] * 3,
        [dark * 5] * 3,
        [light * 5, dark + light * 3 + dark, light * 5, light * 4 + dark],
        [dark + light * 4, light * 5, light * 5, light + dark * 3 + light],
    ]
    rng = random.Random(2)
    cases += [
        [bytes(rng.choice(b"\x00\xff") for _ in range(21)) for _ in range(21)] for _ in range(300)
    ]
    for rows in cases:
        assert qr._strokes(rows) == _strokes_reference(rows), rows


# ----------------------------------------------------------------- tables for phones

_THEAD = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S)
_TR = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
_ROW_OR_CELL = re.compile(r"<tr\b|<(td|th)\b([^>]*)>")
_COLSPAN = re.compile(r'\bcolspan="(\d+)"')
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)
_WRAP = re.compile(
    r'<div class="sl-table-wrap"((?:(?!tabindex)[^>])*)>(\s*<table\b.*?</table>)', re.S
)


def _label_table_reference(table: str) -> str:
    head = _THEAD.search(table)
    if not head:
        return table
    rows = _TR.findall(head.group(1))
    if not rows:
        return table
    labels: list[str] = []
    for match in re.finditer(r"<(td|th)\b([^>]*)>(.*?)</\1>", rows[-1], re.S):
        span = _COLSPAN.search(match.group(2))
        labels += [frame._plain(match.group(3))] * (int(span.group(1)) if span else 1)
    escaped = [html.escape(label) for label in labels]
    start, stop = head.span()
    rest = table[stop:]
    out, pos, column = [], 0, 0
    for match in _ROW_OR_CELL.finditer(rest):
        tag, attrs = match.groups()
        if tag is None:
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
    body = "".join(out)
    opening = table[: table.index(">") + 1]
    if "data-cards" not in opening:
        opening = opening[:-1] + " data-cards>"
    return opening + table[table.index(">") + 1 : start] + head.group(0) + body


def _reflow_reference(body_html: str) -> str:
    """frame.reflow as it was: every cell by one regular expression, wrappers by another."""
    if "<table" not in body_html:
        return body_html

    def wrap(match: re.Match) -> str:
        attrs, table = match.groups()
        caption = _CAPTION.search(table)
        name = f' aria-label="{html.escape(frame._plain(caption.group(1)))}"' if caption else ""
        return f'<div class="sl-table-wrap"{attrs} role="region" tabindex="0"{name}>{table}'

    parts, pos = [], 0
    while (start := body_html.find("<table", pos)) >= 0:
        stop = body_html.find("</table>", start)
        if stop < 0:
            break
        stop += len("</table>")
        parts += [body_html[pos:start], _label_table_reference(body_html[start:stop])]
        pos = stop
    body_html = "".join(parts) + body_html[pos:]
    return _WRAP.sub(wrap, body_html)


_ATOMS = [
    "<table>", '<table class="x">', "<table data-cards>", "</table>", "<thead>", "</thead>",
    "<tbody>", "</tbody>", "<tr>", "<tr class='a'>", "</tr>", "<td>", '<td class="n">',
    "</td>", "<th>", '<th scope="row">', "</th>", '<td colspan="2">', '<th colspan="3">',
    "<td colspan=x>", '<td data-label="z">', '<td data-label="z" class="n">',
    '<th data-label="y">', '<td title="<td">', "<td", ">", "<track>",
    "<thx>", "colspan", "x", "名称", "<br>", "&amp;", "<caption>表 <b>1</b></caption>",
    '<div class="sl-table-wrap">', '<div class="sl-table-wrap" data-x="1">',
    '<div class="sl-table-wrap" tabindex="-1">', "</div>", "\n", " ",
    '<thead><tr><th>A</th><th colspan="2">B</th><th></th><td>C &lt;d&gt;</td></tr></thead>',
]  # fmt: skip

_PAGE_TABLE = (
    '<div class="sl-table-wrap">\n<table class="sl-fund">\n<caption>2026H1各楼栋（元）</caption>\n'
    '<thead><tr><th scope="col">楼号</th><th scope="col" class="sl-num">期初</th>'
    '<th scope="col">占首期比例</th></tr></thead>\n<tbody>\n'
    '<tr class="sl-late"><th scope="row">1</th><td class="sl-num">1,000.00</td>'
    "<td>29.9% <strong>低于 30%</strong></td></tr>\n"
    '<tr><th scope="row">2</th><td class="sl-num">—</td><td>31.0%</td><td>extra</td></tr>\n'
    "</tbody>\n</table>\n</div>\n"
)


def test_reflow_is_the_regular_expressions_result():
    rng = random.Random(7)
    changed = 0
    for _ in range(20000):
        text = "".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.5:
            text = _PAGE_TABLE + text + _PAGE_TABLE
        expected = _reflow_reference(text)
        assert frame.reflow(text) == expected, text
        changed += expected != text
    assert changed > 1000  # the inputs exercise the labelling, not only the way through


def test_reflow_of_a_page_table():
    out = frame.reflow(_PAGE_TABLE * 2)
    assert out == _reflow_reference(_PAGE_TABLE * 2)
    assert out.count('role="region" tabindex="0" aria-label="2026H1各楼栋（元）"') == 2
    assert '<td data-label="期初" class="sl-num">1,000.00</td>' in out
    assert "<td>extra</td>" in out  # a cell beyond the head row's columns gets no label


# The tables as templates write them: labelled in the source (frame.label_template) or
# left to reflow, each must give the page reflow gives the template's own output.
_TEMPLATE_TABLES = {
    # (source, labelled in the source?)
    "rows from a loop": (
        '<table class="t">\n<caption>{{ title }}</caption>\n<thead><tr><th scope="col">名称</th>'
        '<th scope="col">A &amp; "B"</th><th></th></tr></thead>\n<tbody>\n{% for r in rows %}\n'
        '<tr{% if r.late %} class="sl-late"{% endif %}><th scope="row">{{ r.name }}</th>'
        '<td class="n">{% if r.n %}{{ r.n }}{% else %}—{% endif %}</td><td>{{ r.x }}</td>'
        "<td>{{ r.extra }}</td></tr>\n{% else %}\n<tr><td>无</td></tr>\n{% endfor %}\n"
        '{% set total = rows | length %}\n<tr class="sl-total"><th scope="row">合计</th>'
        "<td>{{ total }}</td></tr>\n</tbody>\n</table>",
        True,
    ),
    "a row left out": (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>{% if show %}<tr><td>1"
        "</td><td>2</td></tr>{% endif %}<tr><td>{% for r in rows %}{{ r.name }}{% endfor %}"
        "</td><td>x</td></tr></tbody></table>",
        True,
    ),
    "a cell left out": (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr>{% if show %}<td>1"
        "</td>{% endif %}<td>2</td></tr></tbody></table>",
        False,
    ),
    "a cell inside a condition": (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr>{% if show %}<td>1"
        "{% endif %}</td><td>2</td></tr></tbody></table>",
        False,
    ),
    "cells from a loop": (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><th>x</th>"
        "{% for r in rows %}<td>{{ r.name }}</td>{% endfor %}</tr></tbody></table>",
        False,
    ),
    "a row from a macro": (
        "{% macro row(r) %}<tr><td>{{ r.name }}</td><td>m</td></tr>{% endmacro %}"
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>{% for r in rows %}"
        "{{ row(r) }}{% endfor %}<tr><td>1</td><td>2</td></tr></tbody></table>",
        False,
    ),
    "a head from the template": (
        "<table><thead><tr><th>{{ title }}</th><th>b</th></tr></thead><tbody><tr><td>1"
        "</td><td>2</td></tr></tbody></table>",
        False,
    ),
    "a span set by the template": (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td"
        '{% if show %} colspan="2"{% endif %}>1</td><td>2</td></tr></tbody></table>',
        False,
    ),
    "a block set between rows": (
        "<table><thead><tr><th>a</th></tr></thead><tbody>{% set held %}<tr><td>1</td></tr>"
        "{% endset %}{{ held }}<tr><td>2</td></tr></tbody></table>",
        False,
    ),
    "a comment with a table in it": (
        "{# <table><thead><tr><th>a</th></tr></thead> #}<table><thead><tr><th>a</th></tr>"
        "</thead><tbody><tr><td>1</td></tr></tbody></table>",
        True,
    ),
    "a comment inside": (
        "<table><thead><tr><th>a</th></tr></thead><tbody>{# note #}<tr><td>1</td></tr>"
        "</tbody></table>",
        False,
    ),
    "a code's > in an attribute": (
        "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr"
        '{% if rows | length > 1 %} class="m"{% endif %}><td>1</td><td>2</td></tr>'
        "</tbody></table>",
        True,
    ),
    "a printed attribute": (
        "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td {{ attrs }}>1</td></tr>"
        "</tbody></table>",
        False,
    ),
    "a cell continuing a condition": (
        "<table><thead><tr><th>a</th></tr></thead><tbody>{% if show %}<tr><td>1"
        "{% else %}2</td></tr>{% endif %}</tbody></table>",
        False,
    ),
    "no head": ("<table><tbody><tr><th>a</th><td>1</td></tr></tbody></table>", False),
}


@pytest.mark.parametrize("name", sorted(_TEMPLATE_TABLES))
def test_tables_labelled_in_templates_are_what_reflow_makes(name):
    import jinja2

    source, labelled = _TEMPLATE_TABLES[name]
    assert (frame.label_template(source) != source) == labelled
    # jinja2's own environment with render's settings, the source given as it is.
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    rows = [
        {"name": "一<", "n": 3, "x": "x", "extra": "e", "late": True},
        {"name": "二", "n": 0, "x": "&", "extra": "", "late": False},
    ]
    for show in (True, False):
        for some in (rows, rows[:1], []):
            values = dict(rows=some, show=show, title="表 <1>", attrs='data-label="own"')
            plain = env.from_string(source).render(**values)
            ours = env.from_string(frame.label_template(source)).render(**values)
            assert frame.reflow(ours) == frame.reflow(plain), (name, show, len(some))
            assert frame.reflow(ours) == _reflow_reference(plain)


def test_the_estate_templates_label_their_tables_once():
    # Every estate page table with a head row written in its template is labelled there
    # (reflow finds it done), but the calendar's, whose empty-case row spans the columns.
    from generator.outputs.render import THEME_DIR

    left = {}
    for path in sorted((THEME_DIR / "sunlight").glob("estate_*.html")):
        source = path.read_text("utf-8")
        tables = source.count("<thead")
        labelled = frame.label_template(source).count(" data-cards>")
        if labelled < tables:
            left[path.name] = tables - labelled
    assert left == {"estate_calendar.html": 1}


def test_a_site_is_the_same_without_the_template_labels(tmp_path, monkeypatch):
    import datetime as dt
    import hashlib
    from pathlib import Path

    from generator import pipeline
    from generator.config import load_rules_config
    from generator.outputs import render
    from generator.privacy import Guard

    repo = Path(__file__).resolve().parent.parent
    data = repo / "data"

    def build(out: Path) -> dict[str, str]:
        render._environment.cache_clear()  # compiled again, with or without the labels
        pipeline.build(
            pipeline.BuildOptions(
                data_dir=data,
                site_dir=out / "site",
                build_dir=out / "build",
                config_file=repo / "mkdocs.yml",
                as_of=dt.date(2026, 11, 20),
                site_url="https://sunlight.example.org/",
                rules=load_rules_config(data),
                guard=Guard.for_data(data),
                workers=1,
            )  # fmt: skip
        )
        site = out / "site"
        return {
            p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*"))
            if p.is_file()
        }

    try:
        labelled = build(tmp_path / "labelled")
        monkeypatch.setattr(render.TableLabels, "preprocess", lambda self, source, *a: source)
        plain = build(tmp_path / "plain")
    finally:
        monkeypatch.undo()
        render._environment.cache_clear()
    assert labelled == plain
    assert sum(p.endswith("index.html") for p in labelled) > 80


# --------------------------------------------------------------------------- charts


def test_text_width_remembered_keeps_the_type_of_the_size():
    # An int size sums to an int width: "72" and "72.0" print differently in a chart.
    assert charts.text_width("小区", 15) == 30 and type(charts.text_width("小区", 15)) is int
    assert type(charts.text_width("小区", 15.0)) is float
    for text in ["", "3号楼", "30% 警戒线", "公共收益·停车费", "a" * 40]:
        for size in (15, 22, 15.0, 13.2):
            expected = sum(
                size if ord(ch) > 0x2E7F or ch in charts._WIDE else size * 0.6 for ch in text
            )
            got = charts.text_width(text, size)
            assert (got, type(got)) == (expected, type(expected))


# ------------------------------------------------------------------------- calendar


def _calendar_reference(estate, site_url: str) -> bytes:
    """render.calendar_ics as it was: built with icalendar."""
    import datetime as dt

    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Sunlight 阳光公示//calendar//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{estate.name} 公示日历")
    url = site_url.rstrip("/") + f"/estates/{estate.id}/calendar/"
    stamp = dt.datetime.combine(estate.as_of, dt.time(0, 0), tzinfo=dt.UTC)
    for item in estate.calendar:
        event = Event()
        event.add("uid", f"{estate.id}-{item.kind}-{item.date.isoformat()}@sunlight")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.date)
        event.add("dtend", item.date + dt.timedelta(days=1))
        event.add(
            "summary", f"{estate.name}：{item.title}" + ("（已逾期）" if item.overdue else "")
        )
        event.add("description", f"{item.detail}\n{url}")
        event.add("url", url)
        cal.add_component(event)
    return cal.to_ical()


def test_the_calendar_is_icalendars_byte_for_byte():
    import datetime as dt
    from types import SimpleNamespace

    from generator.outputs import render

    rng = random.Random(4)
    alphabet = string.ascii_letters + string.digits + " ,;:\\^\"'\n\r\t-_/中文小区会议公示（）：😀é"

    def text(n):
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n)))

    for _ in range(400):
        items = [
            SimpleNamespace(
                date=dt.date(rng.randint(1990, 2099), rng.randint(1, 12), rng.randint(1, 28)),
                kind=rng.choice(["meeting", "audit", "common_income", "a,b;c"]),
                title=text(60),
                detail=text(200),
                overdue=rng.random() < 0.3,
            )
            for _ in range(rng.randint(0, 6))
        ]
        estate = SimpleNamespace(
            id=rng.choice(["pujin-jiayuan", "a", "x" * 70]),
            name=text(40) or "小区",
            as_of=dt.date(2026, rng.randint(1, 12), rng.randint(1, 28)),
            calendar=items,
        )
        site = rng.choice(
            ["https://sunlight.example.org/", "http://127.0.0.1:8000", "https://a.b/c,d;e/"]
        )
        if "\n" in estate.name:  # refused by validation; both refuse it
            with pytest.raises((AssertionError, ValueError)):
                _calendar_reference(estate, site)
            with pytest.raises(ValueError):
                render.calendar_ics(estate, site)
            continue
        assert render.calendar_ics(estate, site) == _calendar_reference(estate, site)


# ------------------------------------------------------------------------ validation


def _implausible_reference(estate, resource, path, rows, schema):
    """validate._implausible as it was: every cell of the checked columns, one by one."""
    from decimal import Decimal

    from generator import errors_zh
    from generator.validate import TOO_BIG, YEARS

    checked = [
        (f["name"], f.get("type"))
        for f in schema.get("fields", [])
        if f.get("type") in ("number", "integer", "date", "yearmonth")
    ]
    out = []
    for row in rows:
        for name, kind in checked:
            value = row.get(name)
            if value is None:
                continue
            if type(value) is int:
                if -TOO_BIG < value < TOO_BIG:
                    continue
                why = "size"
            elif kind in ("number", "integer"):
                number = value if isinstance(value, Decimal) else Decimal(str(value))
                if number.is_finite() and abs(number) < TOO_BIG:
                    continue
                why = "size" if number.is_finite() else ""
            else:
                year = value.year if kind == "date" else int(value[:-3])
                if YEARS[0] <= year <= YEARS[1]:
                    continue
                why = "year"
            shown = str(value) if len(str(value)) <= 24 else str(value)[:20] + "…"
            out.append(
                errors_zh.type_error(
                    estate, resource, path, row["_row"], name, shown, kind, schema, why=why
                )
            )
    return out


def test_implausible_values_are_found_as_cell_by_cell():
    import datetime as dt
    import importlib
    from decimal import Decimal

    validate = importlib.import_module("generator.validate")  # (generator.validate: a function)
    schema = {
        "fields": [
            {"name": "n", "type": "number"},
            {"name": "i", "type": "integer"},
            {"name": "d", "type": "date"},
            {"name": "m", "type": "yearmonth"},
            {"name": "s", "type": "string"},
        ]
    }
    rng = random.Random(9)
    numbers = [None, 0, 7, -3, 10**15, -(10**15), 10**15 - 1, Decimal("1.5"), Decimal("NaN"),
               Decimal("Infinity"), Decimal("-Infinity"), Decimal("1e15"), Decimal("-999999999999999.9"),
               Decimal("1e400")]  # fmt: skip
    dates = [None, dt.date(2026, 1, 1), dt.date(1899, 12, 31), dt.date(1900, 1, 1),
             dt.date(2100, 12, 31), dt.date(2101, 1, 1)]  # fmt: skip
    months = [None, "2026-05", "1899-12", "2101-01", "2100-12"]
    for _ in range(3000):
        rows = [
            {
                "n": rng.choice(numbers),
                "i": rng.choice([None, 1, 2, 10**16, -(10**16)]),
                "d": rng.choice(dates),
                "m": rng.choice(months),
                "s": "x",
                "_row": number,
            }
            for number in range(2, rng.randint(2, 9))
        ]
        if rng.random() < 0.7:  # mostly plausible tables, as real ones are
            for row in rows:
                row.update(n=Decimal("12.5"), i=3, d=dt.date(2026, 1, 1), m="2026-01")
            if rows and rng.random() < 0.5:
                rows[rng.randrange(len(rows))]["n"] = rng.choice(numbers)
        args = ("e", "t", "data/estates/e/t.csv", rows, schema)
        assert validate._implausible(*args) == _implausible_reference(*args)


# ------------------------------------------------------------------------- the templates


class _Row:
    """An object row, with an attribute a dict row would have as a key."""

    def __init__(self, **values):
        self.__dict__.update(values)


def test_templates_print_what_plain_jinja2_prints():
    # render._Environment writes ``row.field`` of a local name as an inline dict lookup
    # and calls plain functions straight; the reference is jinja2's own code generator
    # and context with the same escaping and lookup (a dict's key before its attribute),
    # on dict rows, object rows, keys that are dict methods' names, pass_context
    # functions, macros and loops.
    import jinja2
    from markupsafe import escape

    from generator.outputs import render

    @jinja2.pass_context
    def who(context, suffix):
        return f"{context['name']}{suffix}"

    def stops():
        raise StopIteration

    source = (
        "{% macro cell(r) %}<td>{{ r.a }}|{{ r.items is defined }}</td>{% endmacro %}"
        "{% for row in rows %}{% set n = loop.index %}"
        "{{ row.a }}/{{ row.b }}/{{ row.keys is string }}/{{ cell(row) }}"
        "{{ who('!' ~ n) }}{{ plain(row.a) }}{{ row.get('a', 0) if row.get is defined }}"
        "{{ stops() is undefined }}{% for inner in (row.list if row.list is defined else []) or [] %}{{ inner.a }}{% endfor %}"
        "{% endfor %}{{ name.upper() }}{{ name.missing is defined }}"
    )
    rows = [
        {"a": "<x>", "b": 1, "list": [{"a": 2}, _Row(a=3)]},
        {"a": None, "b": "\n two \n lines"},
        _Row(a="&", b=[1], list=None),
        {"a": {"a": 1}, "b": None, "keys": "a key called keys"},
    ]
    context = dict(rows=rows, name="名<", who=who, plain=lambda v: f"[{v}]", stops=stops)
    fast = render.environment().from_string(source).render(**context)

    class Reference(jinja2.Environment):
        def getattr(self, obj, attribute):
            if type(obj) is dict and attribute in obj:
                return obj[attribute]
            return super().getattr(obj, attribute)

    reference = Reference(
        autoescape=True, finalize=render._single_line, undefined=jinja2.StrictUndefined
    )
    assert fast == reference.from_string(source).render(**context)
    assert "名&lt;!1" in fast and escape("<x>") in fast


def test_the_workers_checksum_is_the_folders():
    # The worker gives build_estate the checksum of the bytes it read for the key;
    # model.build_estate alone reads the folder again.
    from pathlib import Path

    from generator.checksum import checksum_of, checksum_of_folder
    from generator.pipeline import worker

    estates = sorted((Path(__file__).resolve().parents[1] / "data/estates").iterdir())
    assert estates
    for folder in estates:
        files = worker._package_files(folder)
        assert checksum_of(files) == checksum_of_folder(folder), folder.name


def test_pct_and_number_read_a_decimal_as_its_text_would():
    from decimal import ROUND_DOWN, Decimal
    from fractions import Fraction

    from generator.outputs import render

    def pct_reference(value, digits=1):
        if value is None:
            return "—"
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        share = (Decimal(str(value)) * 100).quantize(Decimal(1).scaleb(-digits), ROUND_DOWN)
        return f"{share}%"

    def number_reference(value, digits=0):
        return "—" if value is None else f"{Decimal(str(value)):,.{digits}f}"

    rng = random.Random(4)
    values = [None, 0, 1, -1, 0.1, 2.675, 1e-7, 10**12, True, Fraction(1, 3), Fraction(-2, 7),
              Decimal("-0"), Decimal("0E-5"), Decimal("1E+3"), Decimal("12.345000"),
              Decimal("-0.00049"), Decimal("99.99999"), Decimal("1.120365758163265306122448980")]  # fmt: skip
    values += [
        Decimal(rng.randint(-(10**9), 10**9)).scaleb(-rng.randint(0, 12)) for _ in range(500)
    ]

    def outcome(function, *args):
        try:
            return function(*args)
        except Exception as error:  # True reads as "True": no number either way
            return type(error)

    for value in values:
        for digits in (0, 1, 2, 5):
            for fast, reference in ((render.pct, pct_reference), (render.number, number_reference)):
                assert outcome(fast, value, digits) == outcome(reference, value, digits), value
