"""The SVG charts: coordinates of a known series, round ticks, escaped texts, empty and undefined values, and no
inline style (the content security policy forbids it)."""

from __future__ import annotations

import re
from decimal import Decimal

from recouvre.core.charts import Point, bar_chart, line_chart, nice_ticks, scale


def test_scale_places_a_value_and_the_middle_of_an_empty_range():
    assert scale(5, 0, 10, 100, 0) == 50
    assert scale(0, 0, 10, 44, 4) == 44
    assert scale(3, 3, 3, 44, 4) == 24


def test_nice_ticks_are_round_and_cover_the_values():
    assert nice_ticks(0, 530000) == [0, 200000, 400000, 600000]
    assert nice_ticks(0, 10) == [0, 2.5, 5, 7.5, 10]
    assert nice_ticks(-30, 70) == [-50, -25, 0, 25, 50, 75]
    assert nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1]


def test_line_chart_coordinates_of_a_known_series():
    points = [Point("jan", Decimal("10")), Point("feb", Decimal("20")), Point("mar", Decimal("15"))]
    svg = line_chart(points, label="DSO", width=200, height=48, pad=4, fmt=lambda v: f"{v} d")
    # x from 4 to 196 (3 points: 4, 100, 196); y from 44 (minimum 10) to 4 (maximum 20): 15 is in the middle, 24
    assert '<polyline class="chart-stroke" fill="none" stroke-width="2" points="4,44 100,4 196,24"/>' in svg
    assert '<circle class="chart-dot chart-last" cx="196" cy="24" r="3"><title>mar: 15 d</title></circle>' in svg
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-line" viewBox="0 0 200 48"')
    assert 'role="img" aria-label="DSO"' in svg and "<title>DSO</title>" in svg
    assert svg.endswith("</svg>")


def test_an_undefined_value_breaks_the_line():
    points = [Point("a", 1), Point("b", 2), Point("c", None), Point("d", 3), Point("e", 4)]
    svg = line_chart(points, label="x", width=104, height=24, pad=2)
    lines = re.findall(r'points="([^"]*)"', svg)
    assert lines == ["2,22 27,15.3", "77,8.7 102,2"]
    assert svg.count("<circle") == 4


def test_empty_series_draw_an_empty_frame():
    svg = line_chart([], label="Nothing yet")
    assert "<polyline" not in svg and "<circle" not in svg and 'aria-label="Nothing yet"' in svg
    svg = line_chart([Point("a", None)], label="Undefined")
    assert "<polyline" not in svg and "<circle" not in svg
    bars = bar_chart([], label="No week", fmt=str)
    assert "<rect" not in bars and "chart-tick" in bars  # the axis from 0


def test_bar_chart_bars_links_and_ticks():
    bars = [Point("S1", Decimal("100"), href="/invoices/?a=1&b=2"), Point("S2", Decimal("300"))]
    svg = bar_chart(bars, label="Cash", width=264, height=120, left=64, bottom=20, top=0, fmt=lambda v: f"{v:f}")
    # ticks 0..300 by 100; plot from y=100 (0) to y=0 (300); two slots of 100 px from x=64
    assert re.findall(r'class="chart-tick"[^>]*>([^<]*)<', svg) == ["0", "100", "200", "300"]
    assert '<a href="/invoices/?a=1&amp;b=2"><rect class="chart-bar" x="79" y="66.7" width="70" height="33.3">' in svg
    assert '<rect class="chart-bar" x="179" y="0" width="70" height="100"><title>S2: 300</title></rect>' in svg
    assert '<text class="chart-label" x="114" y="114" text-anchor="middle" font-size="10">S1</text>' in svg


def test_bar_chart_class_per_bar():
    bars = [Point("past", 1), Point("next", 2)]
    svg = bar_chart(bars, label="x", bar_class=lambda i, _p: "chart-forecast" if i else "")
    assert svg.count('class="chart-bar"') == 1 and svg.count('class="chart-bar chart-forecast"') == 1


def test_every_text_is_escaped_and_nothing_is_styled_inline():
    evil = '<script>alert("x")</script> & "quotes"'
    svg = line_chart([Point(evil, 1), Point("b", 2, href='" onmouseover="x')], label=evil, fmt=lambda v: evil)
    svg += bar_chart([Point(evil, 1, title=evil)], label=evil, fmt=lambda v: evil)
    assert "<script" not in svg and 'onmouseover="x' not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in svg
    assert "style" not in svg
