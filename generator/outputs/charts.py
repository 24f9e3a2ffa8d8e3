"""Charts as inline SVG, drawn at build time: no charting script, nothing to download.

Every chart is a horizontal bar chart: category labels on the left read well in Chinese
and on a narrow phone, and rows simply add height. The viewBox is phone-sized (360 units
wide), so at 375 px the text is drawn at about its nominal size; CSS caps the width on
large screens. Each chart has a <title> and sits beside a table with the same numbers,
which is what screen readers and printouts rely on (a bar chart repeats none of them in
a <desc>: a reader would hear every number twice, and the page would carry them twice;
the scatter's <desc> names its points, which its drawing does not).

What keeps a chart honest (issue 10): bars always start at zero; a count is printed as a
count (77, never 77.00); a value label that would be struck through by a reference line
(the 30 % floor) moves past it; the label column is as wide as its longest label, and a
label too long for a 320 px phone is shortened (the table beside it has it whole); the
scatter's axes start at round numbers and never stretch a 1.5-point spread across the
whole chart.

Care mode (关怀模式) sets text at 20 px or more, and chart labels with it. A chart's text
cannot be re-laid out by CSS, so each chart comes twice: the one above, and after it a
care-mode drawing (class ``sl-care-chart``, shown only in care mode: theme/assets/
sunlight.css) with 22-unit type, drawn at 20 px or more on a 320 px phone — except a
chart whose labels and values are short enough to sit beside its bars at that size
(``sl-chart--dual``): one drawing, laid out for 22 units, whose text care mode enlarges. There the bars
are stacked: each label on its own line(s) above its bars, each value after its bar, so a
long label wraps instead of being cut; the scatter draws its axes' numbers only, its
points unnamed (the table beside it names them). tests/test_phones.py measures both
drawings at 320 and 375 px: label sizes, nothing outside the chart, no two labels
overlapping.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from markupsafe import Markup

from ..domain.money import as_decimal

# A 300-unit viewBox drawn at least 288 px wide (a 320 px phone) scales by 0.96 or more,
# so 15-unit text is drawn at 14 px or more everywhere (tests/test_phones.py measures it).
WIDTH = 300
LABEL_W = 100  # the widest label column; narrower when every label is short
LABEL_MIN_W = 40
VALUE_W = 84
ROW_GAP = 8
BAR_H = 18
FONT = 15
# Care mode: a 300-unit viewBox is drawn about 278 px wide on a 320 px phone (care mode's
# wider margins), so 22-unit text is drawn at 20 px or more.
CARE_FONT = 22
CARE_BAR_H = 26


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | float | None]
    css: str  # class of the bars: sl-c1, sl-c2 … (colours and print patterns in CSS)


# html.escape of a chart's texts, remembered: classes, labels and most shown values recur
# from estate to estate, and an estate's charts escape some 450 texts.
_escape = functools.lru_cache(maxsize=1 << 14)(html.escape)


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}{unit}"  # a count: 77, never 77.00
    value = as_decimal(value)
    if unit == "%":
        # Rounded down, as the rules' messages: 29.96 % never reads as reaching 30.0 %.
        return f"{value.quantize(Decimal('0.1'), ROUND_DOWN)}%"
    if value == value.to_integral_value() or abs(value) >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}"


# Punctuation a CJK font draws a whole em wide although it is not CJK: 公共收益·停车费.
_WIDE = frozenset("·—…‘’“”")


# Cached: labels and values recur on every estate's charts ("3号楼", "30% 警戒线"), and
# this per-character sum is most of drawing a chart. typed: an int size sums to an int
# width, which prints differently ("72" against "72.0") where it is not formatted.
@functools.lru_cache(maxsize=65536, typed=True)
def text_width(text: str, size: float = FONT) -> float:
    """Roughly how wide ``text`` is drawn: a CJK character is one em, others about 0.6."""
    return sum(size if ord(ch) > 0x2E7F or ch in _WIDE else size * 0.6 for ch in text)


def fit_label(text: str, width: float, size: float = FONT) -> str:
    """``text`` shortened with 「…」 to fit ``width``; the table beside the chart has it whole."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    reference: tuple[Decimal, str] | None = None,
    highlight: Sequence[bool] | None = None,
) -> Markup:
    """A horizontal grouped bar chart; ``reference`` draws a dashed line (e.g. the 30% floor)."""
    e = _escape
    values = [as_decimal(v) for s in series for v in s.values if v is not None]
    top = max([*values, Decimal(reference[0]) if reference else Decimal(0), Decimal(0)])
    top = top or Decimal(1)
    label_w = max(
        LABEL_MIN_W, min(LABEL_W, max((text_width(str(x)) for x in labels), default=0) + 6)
    )
    value_w, size = VALUE_W, FONT
    # One drawing for both modes where care mode's type fits beside the bars (one series,
    # short labels and values: the buildings' fund shares): laid out for 22-unit text,
    # which care mode sets (sunlight.css); two drawings cost the page twice the bytes.
    care_label_w = max((text_width(str(x), CARE_FONT) for x in labels), default=0) + 6
    care_value_w = (
        max((text_width(_fmt(v, unit), CARE_FONT) for s in series for v in s.values), default=0) + 8
    )
    dual = len(series) == 1 and care_label_w + care_value_w <= WIDTH * 0.6
    if dual:
        label_w, value_w, size = care_label_w, care_value_w, CARE_FONT
    plot_w = WIDTH - label_w - value_w
    ref_x = label_w + float(Decimal(reference[0]) / top) * plot_w if reference else None
    group_h = len(series) * BAR_H + ROW_GAP
    legend_h = size + 12 if len(series) > 1 or reference else 0
    height = legend_h + len(labels) * group_h + 6
    parts = [
        f'<svg class="sl-chart{" sl-chart--dual" if dual else ""}" id="{e(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{e(chart_id)}-t" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">',
        f'<title id="{e(chart_id)}-t">{e(title)}</title>',
    ]
    # Legend: one swatch per series, and the reference line if any.
    x = 0
    for s in series if len(series) > 1 else []:
        parts.append(f'<rect class="{e(s.css)}" x="{x}" y="4" width="{FONT}" height="{FONT}"/>')
        parts.append(f'<text x="{x + FONT + 4:.0f}" y="{size + 2}">{e(s.name)}</text>')
        x += FONT + 12 + text_width(s.name, size)
    if reference:
        mid = FONT / 2 + 4
        parts.append(
            f'<line class="sl-ref" x1="{x:.0f}" y1="{mid:.0f}" x2="{x + 14:.0f}" y2="{mid:.0f}"/>'
        )
        parts.append(f'<text x="{x + 18:.0f}" y="{size + 2}">{e(reference[1])}</text>')
    for i, label in enumerate(labels):
        y0 = legend_h + i * group_h
        mark = " sl-hl" if highlight and highlight[i] else ""
        # Centred on its bars at 15 units; a dual drawing's, between 15 and 22.
        mid = (FONT + CARE_FONT) / 2 if dual else FONT
        label_y = y0 + (len(series) * BAR_H) / 2 + mid / 2 - 2
        parts.append(
            f'<text class="sl-label{mark}" x="{label_w - 6:.0f}" y="{label_y:.0f}" '
            f'text-anchor="end">{e(fit_label(str(label), label_w - 6, size))}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + j * BAR_H
            # From zero, always: a negative value draws no bar, its label says the number.
            w = 0 if value is None else max(float(as_decimal(value) / top) * plot_w, 0)
            parts.append(
                f'<rect class="{e(s.css)}{mark}" x="{label_w:.0f}" y="{y + 1}" '
                f'width="{w:.1f}" height="{BAR_H - 2}"/>'
            )
            shown = _fmt(value, unit)
            vx = label_w + w + 4
            if (
                ref_x is not None
                and vx - 4 <= ref_x + 2
                and vx + text_width(shown, size) >= ref_x - 2
            ):
                vx = ref_x + 4  # past the reference line, never struck through by it
            parts.append(
                f'<text class="sl-value{mark}" x="{vx:.0f}" y="{y + BAR_H - 3}">{e(shown)}</text>'
            )
    if ref_x is not None:
        parts.append(
            f'<line class="sl-ref" x1="{ref_x:.0f}" y1="{legend_h}" x2="{ref_x:.0f}" '
            f'y2="{height - 2}"/>'
        )
    parts.append("</svg>")
    if not dual:
        parts.append(
            _care_bars(chart_id, title, labels, series, unit, reference, highlight, top, plot_w)
        )
    return Markup("".join(parts))


def wrap_label(text: str, width: float, size: float, lines: int = 2) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width``; the last shortened with 「…」."""
    out = []
    while text and len(out) < lines - 1 and text_width(text, size) > width:
        cut = len(text)
        while cut > 1 and text_width(text[:cut], size) > width:
            cut -= 1
        out.append(text[:cut])
        text = text[cut:]
    return [*out, fit_label(text, width, size)] if text else out


def _care_open(chart_id: str, title: str, height: float, described: bool = False) -> list[str]:
    e = _escape
    describedby = f' aria-describedby="{e(chart_id)}-d"' if described else ""
    return [
        f'<svg class="sl-care-chart" viewBox="0 0 {WIDTH} {height:.0f}" role="img"'
        f'{describedby} xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{CARE_FONT}"><title>{e(title)}</title>'
    ]


def _care_bars(chart_id, title, labels, series, unit, reference, highlight, top, plot_w) -> str:
    """The care-mode drawing of :func:`bar_chart`: labels above their bars, large type.
    Its bars are as long as the chart's own (``plot_w``) where the values fit after them:
    the same numbers twice cost a page almost nothing gzipped."""
    e, f = _escape, CARE_FONT
    line_h = f + 6
    shown = [[_fmt(v, unit) for v in s.values] for s in series]
    value_w = max((text_width(t, f) for row in shown for t in row), default=0) + 8
    plot_w = min(plot_w, WIDTH - value_w)
    ref_x = float(Decimal(reference[0]) / top) * plot_w if reference else None
    body, y = [], 4.0
    # Legend: swatches and names, wrapping onto a new line where a line is full.
    items = [(s.css, s.name) for s in series] if len(series) > 1 else []
    x = 0.0
    for css, name in [*items, *([("sl-ref", reference[1])] if reference else [])]:
        item_w = f + 6 + text_width(name, f)
        if x and x + item_w > WIDTH:
            x, y = 0.0, y + line_h
        if css == "sl-ref":
            mid = y + f / 2
            body.append(
                f'<line class="sl-ref" x1="{x:.0f}" y1="{mid:.0f}" x2="{x + f:.0f}" y2="{mid:.0f}"/>'
            )
        else:
            body.append(
                f'<rect class="{e(css)}" x="{x:.0f}" y="{y:.0f}" width="{f}" height="{f}"/>'
            )
        body.append(f'<text x="{x + f + 6:.0f}" y="{y + f - 3:.0f}">{e(name)}</text>')
        x += item_w + 14
    if items or reference:
        y += line_h + 6
    for i, label in enumerate(labels):
        mark = " sl-hl" if highlight and highlight[i] else ""
        for line in wrap_label(str(label), WIDTH - 4, f):
            body.append(f'<text class="sl-label{mark}" x="0" y="{y + f - 3:.0f}">{e(line)}</text>')
            y += line_h
        top_of_bars = y
        for j, s in enumerate(series):
            value = s.values[i]
            w = 0 if value is None else max(float(as_decimal(value) / top) * plot_w, 0)
            body.append(
                f'<rect class="{e(s.css)}{mark}" x="0" y="{y + 2:.0f}" width="{w:.1f}" '
                f'height="{CARE_BAR_H - 4}"/>'
            )
            vx = w + 6
            if (
                ref_x is not None
                and vx - 6 <= ref_x + 2
                and vx + text_width(shown[j][i], f) >= ref_x - 2
            ):
                vx = ref_x + 6  # past the reference line, never struck through by it
            body.append(
                f'<text class="sl-value{mark}" x="{vx:.0f}" y="{y + CARE_BAR_H - 6:.0f}">'
                f"{e(shown[j][i])}</text>"
            )
            y += CARE_BAR_H
        if ref_x is not None:
            # Across this label's bars only: the line never strikes a label through.
            body.append(
                f'<line class="sl-ref" x1="{ref_x:.0f}" y1="{top_of_bars:.0f}" '
                f'x2="{ref_x:.0f}" y2="{y:.0f}"/>'
            )
        y += 12
    return "".join([*_care_open(chart_id, title, y), *body, "</svg>"])


def _round_up(value: Decimal) -> Decimal:
    """The next round number at or above ``value``: 1, 2, 2.5, 5 or 10 times a power of ten."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if power * factor >= value:
            return power * factor
    return power * 10


def scatter_chart(
    chart_id: str,
    title: str,
    points: Sequence[tuple[str, Decimal, Decimal, bool]],
    *,
    x_label: str,
    y_label: str,
) -> Markup:
    """Points (label, x, y, highlighted): e.g. fee against satisfaction. Labels are drawn
    only when there are few points; the table beside the chart always has them all."""
    e = html.escape
    # The y axis's name sits above it, horizontal: vertical CJK text turns sideways.
    width, height, left, bottom, top_pad, right_pad = WIDTH, 256, 40, 40, 28, 12
    xs = [Decimal(str(p[1])) for p in points] or [Decimal(0)]
    ys = [Decimal(str(p[2])) for p in points] or [Decimal(0)]
    # Round axes: fees from zero; the other axis from a round number below the lowest
    # point to one above the highest (91.67–93.23 % reads on 90–100 %, not stretched to
    # fill the chart), so a small spread looks small.
    x0, x1 = Decimal(0), _round_up(max(xs) * Decimal("1.1"))
    step = Decimal(10)
    y0 = (min(ys) / step).to_integral_value(rounding="ROUND_FLOOR") * step
    y1 = (max(ys) / step).to_integral_value(rounding="ROUND_CEILING") * step
    if y1 - y0 < step:
        y1 = y0 + step
    pw, ph = width - left - right_pad, height - bottom - top_pad

    def px(v):
        return left + float((Decimal(str(v)) - x0) / (x1 - x0)) * pw

    def py(v):
        return top_pad + ph - float((Decimal(str(v)) - y0) / (y1 - y0)) * ph

    desc = "；".join(f"{p[0]}：{x_label} {p[1]}，{y_label} {p[2]}" for p in points)
    parts = [
        f'<svg class="sl-chart" id="{e(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{e(chart_id)}-t {e(chart_id)}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}">',
        f'<title id="{e(chart_id)}-t">{e(title)}</title>',
        f'<desc id="{e(chart_id)}-d">{e(desc)}</desc>',
        f'<line class="sl-axis" x1="{left}" y1="{top_pad + ph}" x2="{width - right_pad}" '
        f'y2="{top_pad + ph}"/>',
        f'<line class="sl-axis" x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + ph}"/>',
        f'<text x="{left + pw / 2:.0f}" y="{height - 4}" text-anchor="middle">{e(x_label)}</text>',
        f'<text x="{left - 4}" y="{top_pad + 12}" text-anchor="end">{e(_fmt(y1, ""))}</text>',
        f'<text x="{left - 4}" y="{top_pad + ph}" text-anchor="end">{e(_fmt(y0, ""))}</text>',
        f'<text x="{left}" y="{top_pad + ph + 16}">{e(_fmt(x0, ""))}</text>',
        f'<text x="{width - right_pad}" y="{top_pad + ph + 16}" text-anchor="end">'
        f"{e(_fmt(x1, ''))}</text>",
        f'<text x="4" y="{FONT + 2}">{e(y_label)}</text>',
    ]
    for label, x, y, hl in points:
        cls = "sl-c1 sl-hl" if hl else "sl-c1"
        parts.append(f'<circle class="{cls}" cx="{px(x):.0f}" cy="{py(y):.0f}" r="4"/>')
        if len(points) <= 20:
            # Labels of points in the right half go to their left, so none leaves the chart.
            right = px(x) > left + pw / 2
            anchor = ' text-anchor="end"' if right else ""
            parts.append(
                f'<text class="sl-value{" sl-hl" if hl else ""}" '
                f'x="{px(x) + (-6 if right else 6):.0f}" y="{py(y) + 4:.0f}"{anchor}>'
                f"{e(label)}</text>"
            )
    parts.append("</svg>")
    parts.append(_care_scatter(chart_id, title, points, (x0, x1, y0, y1), x_label, y_label))
    return Markup("".join(parts))


def _care_scatter(chart_id, title, points, axes, x_label, y_label) -> str:
    """The care-mode drawing of :func:`scatter_chart`: the axes' numbers and names in
    large type, the points unnamed (the table beside the chart names each)."""
    e, f = html.escape, CARE_FONT
    x0, x1, y0, y1 = axes
    ticks = [_fmt(v, "") for v in (y1, y0)]
    left = max(text_width(t, f) for t in ticks) + 10
    top_pad, bottom, right_pad = f + 16, 2 * f + 18, 14
    width, height = WIDTH, 300
    pw, ph = width - left - right_pad, height - bottom - top_pad
    base = top_pad + ph

    def px(v):
        return left + float((Decimal(str(v)) - x0) / (x1 - x0)) * pw

    def py(v):
        return top_pad + ph - float((Decimal(str(v)) - y0) / (y1 - y0)) * ph

    parts = [
        *_care_open(chart_id, title, height, described=True),
        f'<line class="sl-axis" x1="{left:.0f}" y1="{base}" x2="{width - right_pad}" y2="{base}"/>',
        f'<line class="sl-axis" x1="{left:.0f}" y1="{top_pad}" x2="{left:.0f}" y2="{base}"/>',
        f'<text x="0" y="{f}">{e(y_label)}</text>',
        f'<text x="{left - 6:.0f}" y="{top_pad + f * 0.75:.0f}" text-anchor="end">{e(ticks[0])}</text>',
        f'<text x="{left - 6:.0f}" y="{base}" text-anchor="end">{e(ticks[1])}</text>',
        f'<text x="{left:.0f}" y="{base + f + 4}">{e(_fmt(x0, ""))}</text>',
        f'<text x="{width - right_pad}" y="{base + f + 4}" text-anchor="end">{e(_fmt(x1, ""))}</text>',
        f'<text x="{left + pw / 2:.0f}" y="{height - 6}" text-anchor="middle">{e(x_label)}</text>',
    ]
    for _label, x, y, hl in points:
        cls = "sl-c1 sl-hl" if hl else "sl-c1"
        parts.append(f'<circle class="{cls}" cx="{px(x):.0f}" cy="{py(y):.0f}" r="6"/>')
    parts.append("</svg>")
    return "".join(parts)
