"""Report charts: well-formed plain SVG, Chinese kept as text, escaped labels, bars proportional to values."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.reports.charts import (
    ANCHORS,
    bar_chart_with_ci,
    contrast,
    heat_colour,
    nice_ticks,
    oklab,
    text_colour,
    trend_chart,
)

NS = "{http://www.w3.org/2000/svg}"
PLAIN_SVG = {"svg", "title", "g", "rect", "line", "text"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert {element.tag.removeprefix(NS) for element in root.iter()} <= PLAIN_SVG
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{NS}text")]


def of_class(root: ET.Element, tag: str, name: str) -> list[ET.Element]:
    return [element for element in root.iter(f"{NS}{tag}") if element.get("class") == name]


def estimate(value, low=None, high=None) -> dict:
    return {"value": value, "low": low, "high": high, "se": None, "n": 100, "deff": None}


# --- bar chart -------------------------------------------------------------------------------------

def test_bar_chart_is_plain_svg_with_chinese_labels_as_text():
    svg = bar_chart_with_ci(["城中区", "河东市"], [estimate(85.2, 83.0, 87.4), estimate(79.9, 77.1, 82.7)],
                            title="综合满意度 Composite", reference=82.5, reference_label="全市")
    root = parse(svg)
    assert "Noto Sans CJK SC" in root.get("font-family")
    assert {"城中区", "河东市", "综合满意度 Composite", "85.2", "79.9", "全市 82.5"} <= set(texts(root))
    assert root.find(f"{NS}title").text == "综合满意度 Composite"
    tooltips = [g.find(f"{NS}title").text for g in root.iter(f"{NS}g")]
    assert tooltips == ["城中区: 85.2 (83.0–87.4)", "河东市: 79.9 (77.1–82.7)"]
    assert "<path" not in svg and "<script" not in svg and "<style" not in svg


def test_labels_and_title_are_escaped():
    svg = bar_chart_with_ci(["A<&>B \"q\"", "x\x00y"], [estimate(50), estimate(60)], title="<b>&amp;</b>")
    root = parse(svg)
    assert "A&lt;&amp;&gt;B" in svg and "A<&>B" not in svg
    assert {"A<&>B \"q\"", "xy", "<b>&amp;</b>"} <= set(texts(root))  # a NUL cannot be in XML: dropped


def test_bar_lengths_are_proportional_to_the_values():
    # Axis 0–100: the bar of 80 reaches the 100 gridline's x times 0.8, whiskers sit at the interval bounds.
    root = parse(bar_chart_with_ci(["甲", "乙", "丙"], [estimate(20, 15, 25), estimate(40), estimate(80, 70, 90)],
                                   title="t", maximum=100, reference=50))
    bars = of_class(root, "rect", "bar")
    x0 = float(bars[0].get("x"))
    gridlines = [line for line in root.iter(f"{NS}line") if line.get("stroke") == "#dddddd"]
    x100 = max(float(line.get("x1")) for line in gridlines)
    span = x100 - x0
    assert [float(bar.get("width")) for bar in bars] == pytest.approx([0.2 * span, 0.4 * span, 0.8 * span], abs=0.01)
    whiskers = of_class(root, "line", "ci")
    assert [float(w.get(end)) for w in whiskers for end in ("x1", "x2")] == pytest.approx(
        [x0 + 0.15 * span, x0 + 0.25 * span, x0 + 0.7 * span, x0 + 0.9 * span], abs=0.01)
    reference = of_class(root, "line", "reference")[0]
    assert float(reference.get("x1")) == pytest.approx(x0 + 0.5 * span, abs=0.01)
    assert reference.get("stroke-dasharray")


def test_rates_are_scaled_and_missing_values_shown_as_a_dash():
    root = parse(bar_chart_with_ci(["a", "b"], [estimate(0.853, 0.83, 0.87), None], title="满意率", unit="%",
                                   scale=100))
    assert "85.3%" in texts(root) and "—" in texts(root)
    assert len(of_class(root, "rect", "bar")) == 1
    assert max(float(t) for t in texts(root) if t.isdigit()) == 100  # the axis ends at a round number


def test_axis_covers_the_largest_upper_bound():
    root = parse(bar_chart_with_ci(["a"], [estimate(91, 88, 97)], title="t"))
    assert "100" in texts(root) and "120" not in texts(root)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.floats(0, 100)), min_size=1, max_size=8))
def test_any_labels_and_values_give_well_formed_svg(rows):
    labels = [label for label, _ in rows]
    root = parse(bar_chart_with_ci(labels, [estimate(v, v * 0.9, min(v * 1.1, 100)) for _, v in rows], title="t"))
    widths = [float(bar.get("width")) for bar in of_class(root, "rect", "bar")]
    values = [v for _, v in rows]
    for (a, va), (b, vb) in itertools.pairwise(zip(widths, values, strict=True)):
        assert (a - b) * (va - vb) >= -1e-6 * max(1, abs(va - vb))  # longer bar ⇔ larger value


# --- trend chart -----------------------------------------------------------------------------------

def test_trend_chart_draws_rounds_with_whiskers_and_breaks_at_a_missing_round():
    root = parse(trend_chart(["第一轮", "第二轮", "第三轮", "第四轮"],
                             [estimate(80.1, 78.0, 82.2), estimate(82.4, 80.5, 84.3), None, estimate(85.0, 83.1, 86.9)],
                             title="综合指数走势"))
    assert {"第一轮", "第二轮", "第三轮", "第四轮", "综合指数走势", "82.4"} <= set(texts(root))
    assert len(of_class(root, "line", "trend")) == 1  # 1→2 only: round 3 is missing
    assert len(of_class(root, "line", "ci")) == 3
    points = of_class(root, "rect", "point")
    ys = [float(p.get("y")) for p in points]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    # The interval's ends are on the same scale as the points: 82.4 lies between 80.5 and 84.3.
    ci = of_class(root, "line", "ci")[1]
    centre = ys[1] + 4
    assert float(ci.get("y2")) < centre < float(ci.get("y1"))


# --- colours ---------------------------------------------------------------------------------------

def test_heat_scale_runs_from_dark_red_to_pale_green_with_rising_lightness():
    assert heat_colour(60, 60, 90) == ANCHORS[0] and heat_colour(90, 60, 90) == ANCHORS[-1]
    assert heat_colour(10, 60, 90) == ANCHORS[0] and heat_colour(120, 60, 90) == ANCHORS[-1]  # clamped
    lightness = [oklab(heat_colour(x / 100, 0, 1))[0] for x in range(101)]
    assert all(b > a for a, b in itertools.pairwise(lightness))  # order readable without hue, for everyone
    r, g, b = (int(heat_colour(0, 0, 1)[i:i + 2], 16) for i in (1, 3, 5))
    assert r > 2 * g and r > 2 * b
    r, g, b = (int(heat_colour(1, 0, 1)[i:i + 2], 16) for i in (1, 3, 5))
    assert g > r and b > r
    assert heat_colour(None, 0, 1) == heat_colour(float("nan"), 0, 1) == "#eeeeee"
    assert heat_colour(5, 5, 5) == heat_colour(0.5, 0, 1)


def test_text_on_every_heat_colour_meets_wcag_aa():
    for x in range(101):
        background = heat_colour(x, 0, 100)
        assert contrast(background, text_colour(background)) >= 4.5
    assert text_colour(heat_colour(0, 0, 1)) == "#ffffff" and text_colour(heat_colour(1, 0, 1)) == "#000000"
    assert contrast("#000000", "#ffffff") == pytest.approx(21)


def test_nice_ticks_by_hand():
    assert nice_ticks(0, 95) == [0, 20, 40, 60, 80, 100]  # raw step 19 → 20
    assert nice_ticks(72.3, 88.1, 4) == [70, 75, 80, 85, 90]  # raw step 3.95 → 5
    assert nice_ticks(0, 0.9) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
