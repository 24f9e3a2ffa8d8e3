"""Round two of the map's shortcuts (issue 9): each gives byte for byte what it replaced.

The reference is jinja2's own way, run on the same templates and values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import jinja2
import pytest
from markupsafe import Markup

from generator.outputs import render

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
