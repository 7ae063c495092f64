"""A bar chart of counts per day, one column per day, scaled from zero.

Textual's Sparkline scales from the smallest value to the largest, so a day without reviews looks like
a light day and a flat series looks empty; here zero is a faint baseline and any count shows a bar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = "▁▂▃▄▅▆▇█"


def day_label(day: date) -> str:
    """A short date for a chart's axis, e.g. "Mar 2"."""
    return f"{day:%b} {day.day}"


def bar_levels(values: Sequence[int], rows: int, top: int | None = None) -> list[int]:
    """Each value's height in eighths of a row (0..8*rows), scaled so `top` (default: the largest) fills
    every row; any positive value gets at least one eighth."""
    top = max(values, default=0) if top is None else top
    full = 8 * rows
    if top <= 0:
        return [0 for _ in values]
    return [0 if v <= 0 else min(full, max(1, round(v * full / top))) for v in values]


def bar_rows(levels: Sequence[int], rows: int) -> list[str]:
    """The chart's lines, top first, for heights in eighths; a zero-height column is a space."""
    lines = []
    for row in reversed(range(rows)):
        cells = []
        for level in levels:
            fill = min(8, max(0, level - 8 * row))
            cells.append(BLOCKS[fill - 1] if fill else " ")
        lines.append("".join(cells))
    return lines


class BarChart(Widget):
    """Non-negative counts as bars, oldest left; the last `width` values when there are more.

    Its height (CSS) is the number of bar rows, plus one for the axis when `labels` are given: the axis
    shows the labels of the first and last column drawn. Colours come from the component classes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bar-chart--bar",  # bars
        "bar-chart--empty",  # the baseline under a zero
        "bar-chart--mark",  # the column at `mark` (e.g. today)
        "bar-chart--axis",  # the date labels
    }

    values: reactive[tuple[int, ...]] = reactive(tuple, layout=True)
    labels: reactive[tuple[str, ...]] = reactive(tuple, layout=True)

    def __init__(
        self,
        values: Sequence[int] = (),
        labels: Sequence[str] = (),
        mark: int | None = None,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.mark = mark
        self.set_reactive(BarChart.values, tuple(values))
        self.set_reactive(BarChart.labels, tuple(labels))

    def update(self, values: Sequence[int], labels: Sequence[str] = (), mark: int | None = None) -> None:
        """Show new data: `labels[k]` names `values[k]`; `mark` is an index to highlight."""
        self.mark = mark
        self.labels = tuple(labels)
        self.values = tuple(values)
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max(1, len(self.values))

    def render(self) -> Text:
        width = max(1, self.size.width)
        axis = bool(self.labels)
        rows = max(1, self.size.height - int(axis))
        start = max(0, len(self.values) - width)
        shown = self.values[start:]
        levels = bar_levels(shown, rows, max(self.values, default=0))
        bar = self.get_component_rich_style("bar-chart--bar")
        empty = self.get_component_rich_style("bar-chart--empty")
        mark = self.get_component_rich_style("bar-chart--mark")
        text = Text(no_wrap=True, overflow="crop", end="")
        for r, line in enumerate(bar_rows(levels, rows)):
            if r:
                text.append("\n")
            for k, cell in enumerate(line):
                marked = start + k == self.mark
                if cell == " " and r == rows - 1:  # a zero: the baseline, so the days still line up
                    text.append(BLOCKS[0], mark if marked else empty)
                else:
                    text.append(cell, mark if marked else bar)
        if axis:
            text.append("\n")
            text.append(
                self._axis(start, len(shown))[:width], self.get_component_rich_style("bar-chart--axis")
            )
        return text

    def _axis(self, start: int, count: int) -> str:
        """The first and last drawn columns' labels at either end (only the first when both don't fit)."""
        labels = self.labels
        first = labels[start] if start < len(labels) else ""
        last = labels[start + count - 1] if count > 0 and start + count - 1 < len(labels) else ""
        gap = count - len(first) - len(last)
        return f"{first}{' ' * gap}{last}" if gap >= 1 else first
