"""Report charts as SVG strings, and the colour scale of the district × indicator heatmap.

The same SVG goes into the web page (inline) and into the WeasyPrint PDF, so only plain SVG 1.1 is used —
``rect``, ``line``, ``text``, ``g``, ``title`` with presentation attributes, no CSS classes needed for the
looks, no script, no external references — and every label is a ``text`` element in a CJK-capable font
(never outlined paths), so Chinese stays selectable and searchable in both. All text is XML-escaped.

Estimates are the snapshot's dicts (``{"value", "low", "high", …}``, None when missing); ``scale`` multiplies
them for display (100 for rates stored as shares). Bars start at zero so their lengths are proportional to
the values; the trend chart's axis fits the data (a line is read by its slope, not its length).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
FONT_SIZE = 13
TITLE_SIZE = 15
INK = "#222222"
MUTED = "#666666"
GRID = "#dddddd"
BAR = "#4c78a8"  # a mid blue: distinct from the whiskers and readable in grey-scale print
REFERENCE = "#b2182b"
MISSING = "#eeeeee"
# Series colours of grouped bars (Tableau 10's first six): told apart by hue and by the legend's order.
SERIES = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d")


# --- helpers ---------------------------------------------------------------------------------------

# Characters XML 1.0 does not allow at all (escaping cannot help): C0 controls but tab/newline/CR, surrogates.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(value: Any) -> str:
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _attr(value: Any) -> str:
    return _escape(value)


def _num(x: float) -> str:
    """Coordinates with two decimals: compact and stable for tests."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Rough rendered width: wide (CJK) characters one em, others ~0.6 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in text)


def _value(estimate: Mapping[str, Any] | None, key: str, scale: float) -> float | None:
    if estimate is None:
        return None
    x = estimate.get(key)
    return None if x is None or not math.isfinite(x) else float(x) * scale


def _format(x: float | None, decimals: int, unit: str) -> str:
    return "—" if x is None else f"{x:.{decimals}f}{unit}"


def _tooltip(label: str, value: float | None, low: float | None, high: float | None, decimals: int,
             unit: str) -> str:
    interval = "" if low is None or high is None else f" ({_format(low, decimals, '')}–{_format(high, decimals, '')})"
    return f"{label}: {_format(value, decimals, unit)}{interval}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 × 10^k."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high - low < 1e-9 * max(abs(low), abs(high), 1.0):  # no spread worth a tick: a unit around low
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start, end = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    return [round(start + i * step, 10) for i in range(round((end - start) / step) + 1)]


def _open(width: float, height: float, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" font-family="{_attr(FONT)}" '
            f'font-size="{FONT_SIZE}" fill="{INK}">',
            f"<title>{_escape(title)}</title>",
            f'<text x="0" y="{TITLE_SIZE + 2}" font-size="{TITLE_SIZE}" font-weight="bold">{_escape(title)}</text>']


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int | None = None,
          fill: str | None = None, css_class: str | None = None) -> str:
    extra = (f' font-size="{size}"' if size else "") + (f' fill="{fill}"' if fill else "") + (
        f' class="{css_class}"' if css_class else "")
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{extra}>{_escape(content)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, *, stroke: str = INK, width: float = 1,
          dash: str | None = None, css_class: str | None = None) -> str:
    extra = (f' stroke-dasharray="{dash}"' if dash else "") + (f' class="{css_class}"' if css_class else "")
    return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}" '
            f'stroke-width="{_num(width)}"{extra}/>')


# --- bar chart -------------------------------------------------------------------------------------

def bar_chart_with_ci(labels: Sequence[str], estimates: Sequence[Mapping[str, Any] | None], *, title: str,
                      unit: str = "", reference: float | None = None, reference_label: str = "",
                      scale: float = 1.0, maximum: float | None = None, decimals: int = 1,
                      width: int = 640) -> str:
    """Horizontal bars (one per district or indicator) with confidence-interval whiskers and printed values.

    ``reference`` (already scaled, e.g. the city's value) is drawn as a dashed vertical line. ``maximum``
    fixes the axis end (e.g. 100 for scores); by default a round number above every value and bound.
    """
    if len(labels) != len(estimates):
        raise ValueError("one estimate per label")
    rows = [(label, _value(e, "value", scale), _value(e, "low", scale), _value(e, "high", scale))
            for label, e in zip(labels, estimates, strict=True)]
    largest = max([x for row in rows for x in row[1:] if x is not None] + [reference or 0.0, 0.0])
    top = maximum if maximum is not None and maximum > 0 else nice_ticks(0, largest)[-1]
    ticks = [t for t in nice_ticks(0, top) if t <= top + 1e-9]
    row_height, bar_height, head = 26, 14, TITLE_SIZE + 22
    label_width = min(max([text_width(label) for label in labels] + [0]) + 10, width * 0.4)
    value_width = text_width(_format(top, decimals, unit)) + 12
    x0 = label_width
    plot = max(width - x0 - value_width, 40)
    height = head + row_height * len(rows) + 28

    def x_of(value: float) -> float:
        return x0 + plot * min(max(value, 0.0), top) / top

    out = _open(width, height, title)
    axis_y = head + row_height * len(rows)
    for t in ticks:  # grid and axis labels first, so bars draw over them
        out.append(_line(x_of(t), head - 4, x_of(t), axis_y, stroke=GRID))
        out.append(_text(x_of(t), axis_y + 16, _format(t, 0 if float(t).is_integer() else 1, ""), anchor="middle",
                         size=11, fill=MUTED))
    for i, (label, value, low, high) in enumerate(rows):
        y = head + row_height * i
        centre = y + row_height / 2
        out.append(f"<g><title>{_escape(_tooltip(label, value, low, high, decimals, unit))}</title>")
        out.append(_text(x0 - 8, centre + 4.5, label, anchor="end"))
        if value is not None:
            out.append(f'<rect class="bar" x="{_num(x0)}" y="{_num(centre - bar_height / 2)}" '
                       f'width="{_num(x_of(value) - x0)}" height="{bar_height}" fill="{BAR}"/>')
        if low is not None and high is not None:
            out.append(_line(x_of(low), centre, x_of(high), centre, width=1.5, css_class="ci"))
            for end in (low, high):
                out.append(_line(x_of(end), centre - 5, x_of(end), centre + 5, width=1.5))
        right = max(x for x in (value, high, 0.0) if x is not None)
        out.append(_text(x_of(right) + 8, centre + 4.5, _format(value, decimals, unit), css_class="value"))
        out.append("</g>")
    out.append(_line(x0, head - 4, x0, axis_y, stroke=MUTED))
    if reference is not None and math.isfinite(reference):
        x = x_of(reference)
        out.append(_line(x, head - 8, x, axis_y, stroke=REFERENCE, width=1.5, dash="5 3", css_class="reference"))
        note = f"{reference_label} {_format(reference, decimals, unit)}".strip()
        out.append(_text(x, head - 10, note, anchor="middle", size=11, fill=REFERENCE))
    out.append("</svg>")
    return "\n".join(out)


# --- grouped bar chart -----------------------------------------------------------------------------

def grouped_bar_chart(categories: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str,
                      unit: str = "", decimals: int = 1, maximum: float | None = None, width: int = 640) -> str:
    """Horizontal bars grouped by category (e.g. district), one bar per series (e.g. design option) in each group.

    A legend under the title names the series in order and colour (``SERIES``, repeating after eight). Bars start
    at zero; a missing value (None, NaN) draws no bar and prints "—". ``maximum`` fixes the axis end.
    """
    names = list(series)
    rows = {name: [None if v is None or not math.isfinite(float(v)) else float(v) for v in series[name]]
            for name in names}
    for name, values in rows.items():
        if len(values) != len(categories):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(categories)} categories")
    largest = max([v for values in rows.values() for v in values if v is not None] + [0.0])
    top = maximum if maximum is not None and maximum > 0 else nice_ticks(0, largest)[-1]
    ticks = [t for t in nice_ticks(0, top) if t <= top + 1e-9]
    bar_height, gap = 12, 10
    group_height = bar_height * max(len(names), 1) + gap
    label_width = min(max([text_width(c) for c in categories] + [0]) + 10, width * 0.35)
    value_width = text_width(_format(top, decimals, unit)) + 12
    x0 = label_width
    plot = max(width - x0 - value_width, 40)
    legend_rows, legend, x, y = 1, [], 0.0, 0  # legend entries flow left to right, wrapping at the width
    for i, name in enumerate(names):
        entry = 14 + 6 + text_width(name, 12) + 16
        if x and x + entry > width:
            x, y, legend_rows = 0.0, y + 1, legend_rows + 1
        legend.append((i, name, x, y))
        x += entry
    head = TITLE_SIZE + 14 + 18 * legend_rows + 8
    height = head + group_height * len(categories) + 28

    def x_of(value: float) -> float:
        return x0 + plot * min(max(value, 0.0), top) / top

    out = _open(width, height, title)
    for i, name, lx, row in legend:
        ly = TITLE_SIZE + 14 + 18 * row
        out.append(f'<g class="legend"><rect x="{_num(lx)}" y="{_num(ly)}" width="14" height="12" '
                   f'fill="{SERIES[i % len(SERIES)]}"/>')
        out.append(_text(lx + 20, ly + 10.5, name, size=12) + "</g>")
    axis_y = head + group_height * len(categories)
    for t in ticks:
        out.append(_line(x_of(t), head - 4, x_of(t), axis_y, stroke=GRID))
        out.append(_text(x_of(t), axis_y + 16, _format(t, 0 if float(t).is_integer() else 1, ""), anchor="middle",
                         size=11, fill=MUTED))
    for c, category in enumerate(categories):
        top_y = head + group_height * c + gap / 2
        out.append(_text(x0 - 8, top_y + bar_height * len(names) / 2 + 4.5, category, anchor="end"))
        for s, name in enumerate(names):
            value = rows[name][c]
            y = top_y + bar_height * s
            out.append(f"<g><title>{_escape(f'{category} · {name}: {_format(value, decimals, unit)}')}</title>")
            if value is not None:
                out.append(f'<rect class="bar" x="{_num(x0)}" y="{_num(y + 1)}" width="{_num(x_of(value) - x0)}" '
                           f'height="{bar_height - 2}" fill="{SERIES[s % len(SERIES)]}"/>')
            out.append(_text(x_of(value or 0.0) + 4, y + bar_height - 2.5, _format(value, decimals, unit), size=10,
                             fill=MUTED, css_class="value"))
            out.append("</g>")
    out.append(_line(x0, head - 4, x0, axis_y, stroke=MUTED))
    out.append("</svg>")
    return "\n".join(out)


# --- trend chart -----------------------------------------------------------------------------------

def trend_chart(round_labels: Sequence[str], estimates: Sequence[Mapping[str, Any] | None], *, title: str,
                unit: str = "", scale: float = 1.0, decimals: int = 1, width: int = 640, height: int = 260) -> str:
    """A line over rounds with each round's confidence interval as a whisker; a missing round breaks the line."""
    if len(round_labels) != len(estimates):
        raise ValueError("one estimate per round")
    points = [(_value(e, "value", scale), _value(e, "low", scale), _value(e, "high", scale)) for e in estimates]
    known = [x for point in points for x in point if x is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    pad = (high - low) * 0.15 if high > low else max(abs(high) * 0.05, 1.0)  # room above and below the data
    ticks = nice_ticks(low - pad, high + pad, 4)
    bottom, top = ticks[0], ticks[-1]
    head, foot = TITLE_SIZE + 22, 28
    left = max(text_width(_format(t, 0 if float(t).is_integer() else 1, "")) for t in ticks) + 12
    plot_w, plot_h = width - left - 16, height - head - foot
    step = plot_w / max(len(points), 1)

    def x_of(i: int) -> float:
        return left + step * (i + 0.5)

    def y_of(value: float) -> float:
        return head + plot_h * (top - value) / (top - bottom)

    out = _open(width, height, title)
    for t in ticks:
        out.append(_line(left, y_of(t), left + plot_w, y_of(t), stroke=GRID))
        out.append(_text(left - 6, y_of(t) + 4, _format(t, 0 if float(t).is_integer() else 1, ""), anchor="end",
                         size=11, fill=MUTED))
    for i, label in enumerate(round_labels):
        out.append(_text(x_of(i), head + plot_h + 18, label, anchor="middle"))
    for i in range(len(points) - 1):
        a, b = points[i][0], points[i + 1][0]
        if a is not None and b is not None:
            out.append(_line(x_of(i), y_of(a), x_of(i + 1), y_of(b), stroke=BAR, width=2, css_class="trend"))
    for i, (value, lo, hi) in enumerate(points):
        if value is None:
            continue
        x = x_of(i)
        out.append(f"<g><title>{_escape(_tooltip(round_labels[i], value, lo, hi, decimals, unit))}</title>")
        if lo is not None and hi is not None:
            out.append(_line(x, y_of(lo), x, y_of(hi), width=1.5, css_class="ci"))
            for end in (lo, hi):
                out.append(_line(x - 5, y_of(end), x + 5, y_of(end), width=1.5))
        out.append(f'<rect class="point" x="{_num(x - 4)}" y="{_num(y_of(value) - 4)}" width="8" height="8" '
                   f'fill="{BAR}"/>')
        out.append(_text(x + 8, y_of(value) - 6, _format(value, decimals, unit), css_class="value"))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


# --- heatmap colours -------------------------------------------------------------------------------

# Sequential scale, low → high: dark red → orange → yellow → pale mint, anchored at ColorBrewer's RdYlBu/
# Spectral colours and placed so OKLab lightness rises evenly (0.46 → 0.95). Monotone lightness keeps the
# order readable for every kind of colour blindness and in grey-scale print; the weakest cells are the
# darkest, so they draw the eye. Interpolated in OKLab, so equal steps look equal.
ANCHORS = ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#d3f9e3")


def _to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _to_srgb(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def oklab(colour: str) -> tuple[float, float, float]:
    """Björn Ottosson's OKLab (L, a, b) of an sRGB hex colour."""
    r, g, b = (_to_linear(c) for c in _rgb(colour))
    l_ = (0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b) ** (1 / 3)
    m_ = (0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b) ** (1 / 3)
    s_ = (0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b) ** (1 / 3)
    return (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
            1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
            0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_)


def _from_oklab(lightness: float, a: float, b: float) -> str:
    l_ = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    rgb = (4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
           -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
           -0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_)
    return "#" + "".join(f"{round(_to_srgb(c) * 255):02x}" for c in rgb)


_LAB = [oklab(c) for c in ANCHORS]
_STOPS = [(lab[0] - _LAB[0][0]) / (_LAB[-1][0] - _LAB[0][0]) for lab in _LAB]  # even lightness steps


def heat_colour(value: float | None, low: float, high: float) -> str:
    """Background colour for ``value`` on the scale from ``low`` (dark red) to ``high`` (pale mint).

    Values outside are clamped; a missing value gets a neutral grey; ``low == high`` gives the middle.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    t = 0.5 if high == low else min(max((value - low) / (high - low), 0.0), 1.0)
    for i in range(len(_STOPS) - 1):
        if t <= _STOPS[i + 1] or i == len(_STOPS) - 2:
            span = _STOPS[i + 1] - _STOPS[i]
            u = 0.0 if span <= 0 else min(max((t - _STOPS[i]) / span, 0.0), 1.0)
            a, b = _LAB[i], _LAB[i + 1]
            return _from_oklab(*(x + (y - x) * u for x, y in zip(a, b, strict=True)))
    return ANCHORS[-1]  # pragma: no cover


def luminance(colour: str) -> float:
    """WCAG relative luminance."""
    r, g, b = (_to_linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio (1–21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (always ≥ 4.5:1, WCAG AA)."""
    return "#000000" if contrast(background, "#000000") >= contrast(background, "#ffffff") else "#ffffff"
