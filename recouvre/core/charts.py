"""Small server-side SVG charts: a line chart of a series (a KPI's months) and a bar chart (cash per week).

Pure: no Django, no script, no ``style`` (the content security policy forbids inline styles): only SVG
presentation attributes and class names styled by the application's stylesheet. Every text is escaped. The
numbers written on a chart (ticks, titles) are formatted by the caller (``fmt``), so a chart reads ``1 234,5`` in
French and ``1,234.5`` in English. Each chart carries its text alternative: ``role="img"``, an ``aria-label`` and
a ``<title>``; each point or bar has its own ``<title>`` (shown on hover)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

Number = Decimal | int | float


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a chart: its label (a month, a week), its value (``None``: undefined, a gap in a line) and,
    optionally, the link to what is behind it and the text shown on hover."""

    label: str
    value: Number | None
    href: str = ""
    title: str = ""  # the text shown on hover; the label and the value by default


def _attr(text: str) -> str:
    return escape(str(text), quote=True)


def _f(x: float) -> str:
    """A coordinate with one decimal at most: ``12``, ``12.5``."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def scale(value: float, low: float, high: float, start: float, end: float) -> float:
    """``value`` of ``low``..``high`` placed on ``start``..``end`` (the middle when the range is empty)."""
    if high == low:
        return (start + end) / 2
    return start + (value - low) * (end - start) / (high - low)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering ``low``..``high``: steps of 1, 2, 2.5 or 5 times a power of ten, about
    ``count`` of them, the first at or below ``low`` and the last at or above ``high``."""
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1 if low == 0 else low + abs(low) * 0.1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    k = 0
    while True:
        tick = round(first + k * step, 10)
        ticks.append(tick)
        if tick >= high:
            return ticks
        k += 1


def _svg_open(width: int, height: int, css: str, label: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {_attr(css)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_attr(label)}">',
        f"<title>{escape(label)}</title>",
    ]


def _point_title(p: Point, fmt: Callable[[Number], str], empty: str) -> str:
    return p.title or f"{p.label}: {fmt(p.value) if p.value is not None else empty}"


def line_chart(
    points: Sequence[Point],
    *,
    label: str,
    fmt: Callable[[Number], str] = str,
    width: int = 200,
    height: int = 48,
    pad: int = 4,
    empty: str = "-",
    css: str = "chart-line",
) -> str:
    """A line through the defined values, left to right, scaled between their minimum and maximum (a sparkline:
    no axis; the last point marked). An undefined value breaks the line. No point defined: an empty frame."""
    out = _svg_open(width, height, css, label)
    values = [float(p.value) for p in points if p.value is not None]
    if values:
        low, high = min(values), max(values)
        n = len(points)
        segments: list[list[str]] = [[]]
        marks = []
        for i, p in enumerate(points):
            if p.value is None:
                if segments[-1]:
                    segments.append([])
                continue
            x = scale(i, 0, n - 1, pad, width - pad) if n > 1 else width / 2
            y = scale(float(p.value), low, high, height - pad, pad)
            segments[-1].append(f"{_f(x)},{_f(y)}")
            marks.append((x, y, p, i == n - 1))
        for seg in segments:
            if len(seg) > 1:
                out.append(f'<polyline class="chart-stroke" fill="none" stroke-width="2" points="{" ".join(seg)}"/>')
        for x, y, p, last in marks:
            cls = "chart-dot chart-last" if last else "chart-dot"
            radius = 3 if last else 2
            dot = (
                f'<circle class="{cls}" cx="{_f(x)}" cy="{_f(y)}" r="{radius}">'
                f"<title>{escape(_point_title(p, fmt, empty))}</title></circle>"
            )
            out.append(f'<a href="{_attr(p.href)}">{dot}</a>' if p.href else dot)
    out.append("</svg>")
    return "".join(out)


def bar_chart(
    bars: Sequence[Point],
    *,
    label: str,
    fmt: Callable[[Number], str] = str,
    width: int = 640,
    height: int = 180,
    left: int = 64,
    bottom: int = 20,
    top: int = 8,
    every: int = 1,
    css: str = "chart-bars",
    bar_class: Callable[[int, Point], str] | None = None,
) -> str:
    """Vertical bars from zero with a value axis (round ticks, formatted by ``fmt``) and the labels under every
    ``every``-th bar. A bar links to ``href`` when it has one. Negative values go below the zero line."""
    out = _svg_open(width, height, css, label)
    values = [float(p.value) for p in bars if p.value is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    low, high = ticks[0], ticks[-1]
    plot_bottom = height - bottom
    for t in ticks:
        y = scale(t, low, high, plot_bottom, top)
        out.append(f'<line class="chart-grid" x1="{left}" x2="{width}" y1="{_f(y)}" y2="{_f(y)}" stroke-width="1"/>')
        out.append(
            f'<text class="chart-tick" x="{left - 4}" y="{_f(y + 3)}" text-anchor="end" font-size="10">'
            f"{escape(fmt(Decimal(str(t))))}</text>"
        )
    if bars:
        slot = (width - left) / len(bars)
        zero = scale(0, low, high, plot_bottom, top)
        for i, p in enumerate(bars):
            x = left + i * slot + slot * 0.15
            if p.value is not None:
                y = scale(float(p.value), low, high, plot_bottom, top)
                extra = bar_class(i, p) if bar_class else ""
                cls = f"chart-bar {extra}" if extra else "chart-bar"
                rect = (
                    f'<rect class="{_attr(cls)}" x="{_f(x)}" y="{_f(min(y, zero))}" width="{_f(slot * 0.7)}" '
                    f'height="{_f(abs(zero - y))}"><title>{escape(_point_title(p, fmt, "-"))}</title></rect>'
                )
                out.append(f'<a href="{_attr(p.href)}">{rect}</a>' if p.href else rect)
            if i % max(every, 1) == 0:
                out.append(
                    f'<text class="chart-label" x="{_f(left + i * slot + slot / 2)}" y="{height - 6}" '
                    f'text-anchor="middle" font-size="10">{escape(p.label)}</text>'
                )
    out.append("</svg>")
    return "".join(out)
