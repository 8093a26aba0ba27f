"""Charts as server-side SVG: no script, no CDN, nothing fetched by the browser.

:func:`line_chart` draws one or more series over time (volume as bars, shares as lines, a
petition's count with its forecast dashed) with axes, a legend, the alerts as red marks, and a
``<title>`` per point for hover text. Every string that reaches the SVG is XML-escaped; numbers
are formatted here. The same SVG goes into the dashboard's pages and the HTML report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final
from xml.sax.saxutils import escape, quoteattr

WIDTH: Final = 720
HEIGHT: Final = 220
PAD_LEFT: Final = 56
PAD_RIGHT: Final = 12
PAD_TOP: Final = 40
PAD_BOTTOM: Final = 28
COLOURS: Final = ("#1f5fa8", "#c0392b", "#7d3c98", "#d68910", "#148f77", "#566573")


@dataclass(frozen=True, slots=True)
class Line:
    """One series: ``values[i]`` at ``times[i]`` (``None``: no value there)."""

    label: str
    times: Sequence[dt.datetime]
    values: Sequence[float | None]
    kind: str = "line"      # "line", "bars" or "dashed"
    colour: str | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    lines: Sequence[Line]
    unit: str = ""
    y_max: float | None = None
    marks: Sequence[tuple[dt.datetime, str]] = field(default_factory=tuple)
    as_percent: bool = False


def _fmt(value: float, as_percent: bool) -> str:
    if as_percent:
        return f"{value:.0%}"
    if value >= 1_000_000:
        return f"{value / 1e6:.1f}M"
    if value >= 10_000:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def line_chart(chart: Chart) -> str:
    """The chart as an SVG element (a string of trusted markup)."""
    points = [(t, v) for line in chart.lines for t, v in zip(line.times, line.values,
                                                              strict=True) if v is not None]
    label = escape(chart.title)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'aria-label={quoteattr(chart.title)}>'
            f'<text x="{PAD_LEFT}" y="15" font-size="13" font-weight="bold">{label}</text>')
    if not points:
        return head + (f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
                       'font-size="12" fill="#666">no data in this period</text></svg>')
    # the time axis spans every series' times (empty buckets included), so charts of one
    # title line up
    every = [t for line in chart.lines for t in line.times]
    t0 = min(t.timestamp() for t in every)
    t1 = max(t.timestamp() for t in every)
    for at, _ in chart.marks:
        t0, t1 = min(t0, at.timestamp()), max(t1, at.timestamp())
    t1 = t1 if t1 > t0 else t0 + 1
    top = chart.y_max if chart.y_max is not None else max(v for _, v in points)
    top = top if top > 0 else 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(at: dt.datetime) -> float:
        return PAD_LEFT + (at.timestamp() - t0) / (t1 - t0) * plot_w

    def y(value: float) -> float:
        return PAD_TOP + plot_h - min(value, top) / top * plot_h

    parts = [head]
    legend_x = PAD_LEFT
    for frac in (0.0, 0.5, 1.0):
        yy = y(top * frac)
        parts.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{yy:.1f}" '
                     f'y2="{yy:.1f}" stroke="#ddd"/>'
                     f'<text x="{PAD_LEFT - 4}" y="{yy + 4:.1f}" text-anchor="end" '
                     f'font-size="10">{escape(_fmt(top * frac, chart.as_percent))}</text>')
    for at in (dt.datetime.fromtimestamp(t0, dt.UTC), dt.datetime.fromtimestamp(t1, dt.UTC)):
        anchor = "start" if at.timestamp() == t0 else "end"
        parts.append(f'<text x="{x(at):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
                     f'font-size="10">{at:%Y-%m-%d %H:%M} UTC</text>')
    for k, line in enumerate(chart.lines):
        colour = line.colour or COLOURS[k % len(COLOURS)]
        pairs = [(t, v) for t, v in zip(line.times, line.values, strict=True) if v is not None]
        if line.kind == "bars":
            bar = max(plot_w / max(len(line.times), 1) - 0.5, 0.6)
            for t, v in pairs:
                tip = escape(f"{t:%Y-%m-%d %H:%M}: {_fmt(v, chart.as_percent)} {chart.unit}")
                parts.append(f'<rect x="{x(t):.1f}" y="{y(v):.1f}" width="{bar:.1f}" '
                             f'height="{PAD_TOP + plot_h - y(v):.1f}" fill="{colour}" '
                             f'opacity="0.75"><title>{tip}</title></rect>')
        elif pairs:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(v):.1f}"
                            for i, (t, v) in enumerate(pairs))
            dash = ' stroke-dasharray="5 4"' if line.kind == "dashed" else ""
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.6"'
                         f'{dash}><title>{escape(line.label)}</title></path>')
        parts.append(f'<rect x="{legend_x}" y="22" width="10" height="10" '
                     f'fill="{colour}"/><text x="{legend_x + 14}" y="31" '
                     f'font-size="11">{escape(line.label)}</text>')
        legend_x += 30 + 7 * len(line.label)
    for at, text in chart.marks:
        xx = x(at)
        parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{PAD_TOP}" '
                     f'y2="{PAD_TOP + plot_h}" stroke="#e00" stroke-width="1.5" '
                     f'class="alert-mark"><title>{escape(text)}</title></line>')
    parts.append("</svg>")
    return "".join(parts)
