"""Round two of the map's shortcuts (issue 9): each gives byte for byte what it replaced.

The reference is jinja2's own way, run on the same templates and values.
"""

from __future__ import annotations

import datetime as dt
import html
import random
import re
from decimal import Decimal

import jinja2
import pytest
from markupsafe import Markup

from generator.outputs import frame, render

# ------------------------------------------------------------ printing a template value

_VALUES = [
    "plain", "", "a<b & 'c' \"d\"", "two\nlines  and\ttabs", " lead\n", "张*明的\n小区",
    Markup("<b>safe</b>"), Markup("safe\nwith a newline"), 0, 7, -3.5, True, None,
    Decimal("12.50"), dt.date(2026, 1, 1), ["<x>"], {"k": "<v>"},
]  # fmt: skip

_TEMPLATE = (
    "{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}"
    "{% set held %}[{{ values[0] }}]{% endset %}"
    "{% for v in values %}{{ v }}|{{ cell(v) }}|{{ v ~ '!' }}|{{ v if v else 'none' }}\n"
    "{% endfor %}{{ held }}{{ held | length }}{% filter upper %}{{ values[2] }}{% endfilter %}"
    "{% autoescape false %}{{ values[2] }}{{ values[3] }}{% endautoescape %}"
    "{{ '<const>' }}{{ 3 }}"
)


def _reference_environment() -> jinja2.Environment:
    """render's environment compiled by jinja2's own code generator."""
    env = render.environment()
    reference = env.overlay()
    reference.code_generator_class = jinja2.compiler.CodeGenerator
    return reference


def test_printed_values_are_escaped_as_jinja_escapes_them():
    ours = render.environment()
    assert ours.code_generator_class is render._CodeGenerator
    reference = _reference_environment()
    out = ours.from_string(_TEMPLATE).render(values=_VALUES)
    assert out == reference.from_string(_TEMPLATE).render(values=_VALUES)
    assert "a&lt;b &amp; &#39;c&#39; &#34;d&#34;" in out  # escaped, and markupsafe's way
    assert "two lines and tabs" in out  # one line, as _single_line makes it
    assert "<b>safe</b>" in out  # Markup is not escaped twice


def test_an_undefined_value_still_fails_the_page():
    template = render.environment().from_string("{{ missing }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render()


def test_the_estate_templates_compile_to_the_one_call():
    # Every page template prints through escaped_output, none through escape(finalize(…)).
    env = render.environment()
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        source = env.loader.get_source(env, name)[0]
        code = env.compile(source, name, raw=True)
        assert "escape(environment.finalize(" not in code, name


# ------------------------------------------------- tables for phones: heads and captions

_HEAD_ATOMS = [
    "<thead>", '<thead class="h">', "<theadx>", "</thead>", "<tr>", "<tr a='1'>", "<track>",
    "</tr>", "<td>", '<td colspan="2">', "</td>", "<th>", '<th scope="col">', "</th>", "<thx>",
    "<td", ">", "<", "x", "名称", "<br>", "&amp;", "<b>", "</b>", "<caption>", "<caption x>",
    "</caption>", "\n",
]  # fmt: skip


def test_table_heads_and_captions_are_what_the_regular_expressions_find():
    thead = re.compile(r"<thead\b[^>]*>(.*?)</thead>", re.S)
    tr = re.compile(r"<tr\b[^>]*>(.*?)</tr>", re.S)
    cell = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.S)
    caption = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.S)
    rng = random.Random(5)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(_HEAD_ATOMS) for _ in range(rng.randint(0, 30)))
        head = thead.search(text)
        want = (head.start(), head.end(), head.group(1)) if head else None
        assert frame._head(text) == want, text
        rows = tr.findall(text)
        assert frame._last_row(text) == (rows[-1] if rows else None), text
        labels = []
        for match in cell.finditer(text):
            span = frame._COLSPAN.search(match.group(2))
            labels += [frame._plain(match.group(3))] * (int(span.group(1)) if span else 1)
        assert frame._head_labels(text) == tuple(html.escape(label) for label in labels), text
        named = caption.search(text)
        expected = f' aria-label="{html.escape(frame._plain(named.group(1)))}"' if named else ""
        assert frame._region_name(text) == expected, text
        found += bool(head) + bool(labels) + bool(named)
    assert found > 5000  # the inputs reach the heads, labels and captions, not only misses
