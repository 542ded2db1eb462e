"""A small SVG builder over xml.etree: charts are data, text is always escaped.

`Plot` maps times and values onto a fixed frame and draws the pieces every
chart needs (axes, ticks, bands, lines, a legend); `to_markup` serialises the
tree, so any text from the workload reaches the page escaped by ElementTree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 14, 46
AXIS = "#57606a"
GRID = "#d0d7de"


def element(parent: ET.Element | None, tag: str, *text: str, **attrs: object) -> ET.Element:
    """Append a child (or make a root); attribute names use `_` for `-`, values str()'d."""
    clean = {k.rstrip("_").replace("_", "-"): _value(v) for k, v in attrs.items() if v is not None}
    node = ET.Element(tag, clean) if parent is None else ET.SubElement(parent, tag, clean)
    if text:
        node.text = text[0]
    return node


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def to_markup(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


@dataclass
class Plot:
    """A chart frame: time on x from `start` to `end`, values from `low` to `high` on y."""

    chart_id: str
    kind: str
    title: str
    description: str
    start: datetime
    end: datetime
    low: float
    high: float

    def __post_init__(self) -> None:
        if self.high <= self.low:
            self.high = self.low + 1
        self.root = element(
            None,
            "svg",
            xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {WIDTH} {HEIGHT}",
            width="100%",
            role="img",
            class_="chart",
            data_chart=self.kind,
            aria_labelledby=f"{self.chart_id}-title {self.chart_id}-desc",
        )
        element(self.root, "title", self.title, id=f"{self.chart_id}-title")
        element(self.root, "desc", self.description, id=f"{self.chart_id}-desc")
        self.bands = element(self.root, "g", class_="bands")
        self.grid = element(self.root, "g", class_="grid")
        self.marks = element(self.root, "g", class_="marks")
        self.legend_items: list[tuple[str, dict[str, object]]] = []

    def x(self, moment: datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1
        ratio = (moment - self.start).total_seconds() / span
        return LEFT + max(0.0, min(1.0, ratio)) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        ratio = (value - self.low) / (self.high - self.low)
        return TOP + (1 - max(0.0, min(1.0, ratio))) * (HEIGHT - TOP - BOTTOM)

    def band(self, lo: datetime, hi: datetime, fill: str, label: str, **attrs: object) -> None:
        x0, x1 = self.x(lo), self.x(hi)
        if x1 - x0 <= 0:
            return
        rect = element(
            self.bands,
            "rect",
            x=x0,
            y=TOP,
            width=max(x1 - x0, 0.5),
            height=HEIGHT - TOP - BOTTOM,
            fill=fill,
            **attrs,
        )
        element(rect, "title", label)

    def hline(self, value: float, label: str, stroke: str, dash: str = "6 4") -> None:
        y = self.y(value)
        element(
            self.marks,
            "line",
            x1=LEFT,
            x2=WIDTH - RIGHT,
            y1=y,
            y2=y,
            stroke=stroke,
            stroke_width=1.5,
            stroke_dasharray=dash,
        )
        element(
            self.marks,
            "text",
            label,
            x=WIDTH - RIGHT - 4,
            y=y - 4,
            text_anchor="end",
            class_="mark-label",
            fill=stroke,
        )

    def line(
        self,
        runs: Sequence[Sequence[tuple[datetime, float]]],
        stroke: str,
        dash: str | None = None,
        name: str | None = None,
    ) -> None:
        """One polyline per run of consecutive points (gaps stay gaps)."""
        for run in runs:
            if len(run) == 1:
                moment, value = run[0]
                element(self.marks, "circle", cx=self.x(moment), cy=self.y(value), r=2, fill=stroke)
                continue
            points = " ".join(f"{self.x(m):.1f},{self.y(v):.1f}" for m, v in run)
            element(
                self.marks,
                "polyline",
                points=points,
                fill="none",
                stroke=stroke,
                stroke_width=1.8,
                stroke_dasharray=dash,
                data_series=name,
            )

    def dot(self, moment: datetime, value: float, fill: str, label: str) -> None:
        circle = element(
            self.marks,
            "circle",
            cx=self.x(moment),
            cy=self.y(value),
            r=3.5,
            fill=fill,
            stroke="#fff",
            stroke_width=1,
        )
        element(circle, "title", label)

    def legend(self, label: str, **swatch: object) -> None:
        self.legend_items.append((label, swatch))

    def axes(self, y_ticks: Sequence[tuple[float, str]], y_label: str) -> None:
        bottom = HEIGHT - BOTTOM
        for value, text in y_ticks:
            y = self.y(value)
            element(self.grid, "line", x1=LEFT, x2=WIDTH - RIGHT, y1=y, y2=y, stroke=GRID)
            element(self.grid, "text", text, x=LEFT - 6, y=y + 4, text_anchor="end", class_="tick")
        for moment, text in time_ticks(self.start, self.end):
            x = self.x(moment)
            element(self.grid, "line", x1=x, x2=x, y1=bottom, y2=bottom + 4, stroke=AXIS)
            element(
                self.grid, "text", text, x=x, y=bottom + 16, text_anchor="middle", class_="tick"
            )
        element(self.grid, "line", x1=LEFT, x2=LEFT, y1=TOP, y2=bottom, stroke=AXIS)
        element(self.grid, "line", x1=LEFT, x2=WIDTH - RIGHT, y1=bottom, y2=bottom, stroke=AXIS)
        element(
            self.grid,
            "text",
            y_label,
            x=14,
            y=TOP + (bottom - TOP) / 2,
            class_="tick",
            transform=f"rotate(-90 14 {TOP + (bottom - TOP) / 2:.1f})",
            text_anchor="middle",
        )

    def finish(self) -> str:
        x = float(LEFT)
        for label, swatch in self.legend_items:
            element(self.root, "rect", x=x, y=HEIGHT - 14, width=12, height=10, **swatch)
            element(self.root, "text", label, x=x + 16, y=HEIGHT - 5, class_="legend")
            x += 24 + 6.5 * len(label)
        return to_markup(self.root)

    def note(self, text: str) -> None:
        element(
            self.marks,
            "text",
            text,
            x=LEFT + (WIDTH - LEFT - RIGHT) / 2,
            y=TOP + (HEIGHT - TOP - BOTTOM) / 2,
            text_anchor="middle",
            class_="note",
        )


def time_ticks(start: datetime, end: datetime, most: int = 7) -> list[tuple[datetime, str]]:
    """UTC ticks at whole days (or hours for short windows), at most about `most` of them."""
    hours = max(1, int((end - start).total_seconds() // 3600))
    if hours < 48:
        every, fmt = timedelta(hours=max(1, -(-hours // most))), "%H:%M"
        first = start.replace(minute=0, second=0, microsecond=0)
    else:
        every, fmt = timedelta(days=max(1, -(-hours // (24 * most)))), "%b %d"
        first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(hours=1) if hours < 48 else timedelta(days=1)
    ticks, moment = [], first
    while moment <= end:
        ticks.append((moment, moment.strftime(fmt)))
        moment += every
    return ticks
