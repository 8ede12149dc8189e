"""The grouped bar chart of the design evaluation: plain SVG, one bar per series per category, lengths
proportional to the values, a legend in the series' order, labels escaped and kept as text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from survey.reports.charts import SERIES, grouped_bar_chart

NS = "{http://www.w3.org/2000/svg}"
PLAIN_SVG = {"svg", "title", "g", "rect", "line", "text"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert {element.tag.removeprefix(NS) for element in root.iter()} <= PLAIN_SVG
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if r.get("class") == "bar"]


def test_one_bar_per_series_and_category_in_series_colours_with_lengths_proportional():
    svg = grouped_bar_chart(["城中区", "湖西县"], {"按比例": [2.0, 4.0], "等额": [3.0, 1.0]}, title="±", width=600)
    root = parse(svg)
    found = bars(root)
    assert len(found) == 4
    assert [b.get("fill") for b in found] == [SERIES[0], SERIES[1], SERIES[0], SERIES[1]]  # category by category
    widths = [float(b.get("width")) for b in found]
    assert widths[1] / widths[0] == pytest.approx(1.5, rel=1e-3)  # 3 : 2
    assert widths[2] / widths[3] == pytest.approx(4.0, rel=1e-3)  # 4 : 1
    assert len({float(b.get("x")) for b in found}) == 1  # every bar starts at zero
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "城中区" in texts and "湖西县" in texts and texts.index("按比例") < texts.index("等额")  # the legend
    assert "style=" not in svg  # the CSP allows no inline style


def test_a_missing_value_draws_no_bar_and_prints_a_dash():
    root = parse(grouped_bar_chart(["a", "b"], {"x": [1.0, None], "y": [float("nan"), 2.0]}, title="t"))
    assert len(bars(root)) == 2
    assert [t.text for t in root.iter(f"{NS}text")].count("—") == 2


def test_labels_are_escaped_and_a_series_of_the_wrong_length_is_refused():
    svg = grouped_bar_chart(["<b>&"], {"a\"<": [1.0]}, title="<t>")
    root = parse(svg)
    assert "<b>&" in [t.text for t in root.iter(f"{NS}text")]
    with pytest.raises(ValueError, match="2 values for 1"):
        grouped_bar_chart(["a"], {"x": [1.0, 2.0]}, title="t")


def test_a_long_legend_wraps_within_the_width():
    names = {f"选项 option number {i}": [float(i + 1)] for i in range(6)}
    svg = grouped_bar_chart(["城中区"], names, title="t", width=400)
    root = parse(svg)
    legend_y = {float(r.get("y")) for g in root.iter(f"{NS}g") if g.get("class") == "legend"
                for r in g.iter(f"{NS}rect")}
    assert len(legend_y) > 1  # more than one row
    assert all(float(r.get("x")) + float(r.get("width")) <= 400 for r in root.iter(f"{NS}rect"))
