"""Charts as inline SVG, drawn at build time: no charting script, nothing to download.

Every chart is a horizontal bar chart: category labels on the left read well in Chinese
and on a narrow phone, and rows simply add height. The viewBox is phone-sized (360 units
wide), so at 375 px the text is drawn at about its nominal size; CSS caps the width on
large screens. Each chart has a <title> and <desc> and sits beside a table with the same
numbers, which is what screen readers and printouts rely on.

What keeps a chart honest (issue 10): bars always start at zero; a count is printed as a
count (77, never 77.00); a value label that would be struck through by a reference line
(the 30 % floor) moves past it; the label column is as wide as its longest label, and a
label too long for a 320 px phone is shortened (the table beside it has it whole); the
scatter's axes start at round numbers and never stretch a 1.5-point spread across the
whole chart.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from markupsafe import Markup

# A 300-unit viewBox drawn at least 288 px wide (a 320 px phone) scales by 0.96 or more,
# so 15-unit text is drawn at 14 px or more everywhere (tests/test_phones.py measures it).
WIDTH = 300
LABEL_W = 100  # the widest label column; narrower when every label is short
LABEL_MIN_W = 40
VALUE_W = 84
ROW_GAP = 8
BAR_H = 18
FONT = 15


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | float | None]
    css: str  # class of the bars: sl-c1, sl-c2 … (colours and print patterns in CSS)


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}{unit}"  # a count: 77, never 77.00
    value = Decimal(str(value))
    if unit == "%":
        # Rounded down, as the rules' messages: 29.96 % never reads as reaching 30.0 %.
        return f"{value.quantize(Decimal('0.1'), ROUND_DOWN)}%"
    if value == value.to_integral_value() or abs(value) >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}"


def text_width(text: str, size: float = FONT) -> float:
    """Roughly how wide ``text`` is drawn: a CJK character is one em, others about 0.6."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


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
    e = html.escape
    values = [Decimal(str(v)) for s in series for v in s.values if v is not None]
    top = max([*values, Decimal(reference[0]) if reference else Decimal(0), Decimal(0)])
    top = top or Decimal(1)
    label_w = max(
        LABEL_MIN_W, min(LABEL_W, max((text_width(str(x)) for x in labels), default=0) + 6)
    )
    plot_w = WIDTH - label_w - VALUE_W
    ref_x = label_w + float(Decimal(reference[0]) / top) * plot_w if reference else None
    group_h = len(series) * BAR_H + ROW_GAP
    legend_h = FONT + 12 if len(series) > 1 or reference else 0
    height = legend_h + len(labels) * group_h + 6
    parts = [
        f'<svg class="sl-chart" id="{e(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{e(chart_id)}-t {e(chart_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">',
        f'<title id="{e(chart_id)}-t">{e(title)}</title>',
        f'<desc id="{e(chart_id)}-d">{e(_describe(labels, series, unit))}</desc>',
    ]
    # Legend: one swatch per series, and the reference line if any.
    x = 0
    for s in series if len(series) > 1 else []:
        parts.append(f'<rect class="{e(s.css)}" x="{x}" y="4" width="{FONT}" height="{FONT}"/>')
        parts.append(f'<text x="{x + FONT + 4:.0f}" y="{FONT + 2}">{e(s.name)}</text>')
        x += FONT + 12 + text_width(s.name)
    if reference:
        mid = FONT / 2 + 4
        parts.append(
            f'<line class="sl-ref" x1="{x:.0f}" y1="{mid:.0f}" x2="{x + 14:.0f}" y2="{mid:.0f}"/>'
        )
        parts.append(f'<text x="{x + 18:.0f}" y="{FONT + 2}">{e(reference[1])}</text>')
    for i, label in enumerate(labels):
        y0 = legend_h + i * group_h
        mark = " sl-hl" if highlight and highlight[i] else ""
        label_y = y0 + (len(series) * BAR_H) / 2 + FONT / 2 - 2
        parts.append(
            f'<text class="sl-label{mark}" x="{label_w - 6:.0f}" y="{label_y:.1f}" '
            f'text-anchor="end">{e(fit_label(str(label), label_w - 6))}</text>'
        )
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + j * BAR_H
            # From zero, always: a negative value draws no bar, its label says the number.
            w = 0 if value is None else max(float(Decimal(str(value)) / top) * plot_w, 0)
            parts.append(
                f'<rect class="{e(s.css)}{mark}" x="{label_w:.0f}" y="{y + 1}" '
                f'width="{w:.1f}" height="{BAR_H - 2}"/>'
            )
            shown = _fmt(value, unit)
            vx = label_w + w + 4
            if ref_x is not None and vx - 4 <= ref_x + 2 and vx + text_width(shown) >= ref_x - 2:
                vx = ref_x + 4  # past the reference line, never struck through by it
            parts.append(
                f'<text class="sl-value{mark}" x="{vx:.1f}" y="{y + BAR_H - 3}">{e(shown)}</text>'
            )
    if ref_x is not None:
        parts.append(
            f'<line class="sl-ref" x1="{ref_x:.1f}" y1="{legend_h}" x2="{ref_x:.1f}" '
            f'y2="{height - 2}"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _describe(labels, series, unit) -> str:
    rows = []
    for i, label in enumerate(labels):
        cells = "，".join(f"{s.name} {_fmt(s.values[i], unit)}" for s in series)
        rows.append(f"{label}：{cells}")
    return "；".join(rows)


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
        parts.append(f'<circle class="{cls}" cx="{px(x):.1f}" cy="{py(y):.1f}" r="4"/>')
        if len(points) <= 20:
            # Labels of points in the right half go to their left, so none leaves the chart.
            right = px(x) > left + pw / 2
            anchor = ' text-anchor="end"' if right else ""
            parts.append(
                f'<text class="sl-value{" sl-hl" if hl else ""}" '
                f'x="{px(x) + (-6 if right else 6):.1f}" y="{py(y) + 4:.1f}"{anchor}>'
                f"{e(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
