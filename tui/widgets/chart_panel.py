"""One panel of the price chart: plotext's drawing as lines of styled cells, drawn by a worker where it can be.

Imported when a chart is first shown, so plotext is not loaded at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plotext import _utility as plotext_utility
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual_plotext import Plot, PlotextPlot

from tui.widgets.price_chart import ChartData, PanelDeclaration, PanelSize

PanelLines = tuple[Strip, ...]
# A cell's colours in plotext's terms (foreground, style, background) → the rich Style they make.
_STYLES: dict[tuple[Any, ...], Style] = {}


def draw_panel(declare: PanelDeclaration, data: ChartData, size: PanelSize) -> PanelLines:
    """One panel as lines: declared on a fresh plotext figure (nothing shared between threads) and built.

    plotext builds a matrix of characters and colours; its own output is that matrix written as ANSI
    text, which the widget would parse back. The lines are made from the matrix instead: a third of
    the drawing's time. (`_set_sizes`, `_build_matrix` and `monitor.matrix` are what `Plot.build` runs.)
    """
    plt: Any = Plot()  # plotext is untyped past what textual-plotext declares
    plt.plotsize(size.width, size.height)
    plt._set_size(size.width, size.height)
    plt.theme(size.theme)
    if not data.frame.is_empty():
        declare(plt, data, size.width, size.height)
    plt._set_sizes()
    plt._build_matrix()
    return _lines(plt.monitor.matrix)


def _lines(matrix: Any) -> PanelLines:
    """The matrix's rows, top first, each as runs of cells that share their colours."""
    lines = []
    for row in range(matrix.rows - 1, -1, -1):
        markers, foreground, styles, background = (
            matrix.marker[row],
            matrix.fullground[row],
            matrix.style[row],
            matrix.background[row],
        )
        segments, start = [], 0
        colours = (foreground[0], styles[0], background[0]) if matrix.cols else None
        for column in range(1, matrix.cols):
            cell = (foreground[column], styles[column], background[column])
            if cell != colours:
                segments.append(Segment("".join(markers[start:column]), _style(colours)))
                start, colours = column, cell
        if colours is not None:
            segments.append(Segment("".join(markers[start:]), _style(colours)))
        lines.append(Strip(segments, matrix.cols))
    return tuple(lines)


def _style(colours: Any) -> Style:
    """The rich Style of plotext's colours, read once from the ANSI codes plotext would write for them."""
    key = tuple(tuple(part) if isinstance(part, list) else part for part in colours)
    style = _STYLES.get(key)
    if style is None:
        text = Text.from_ansi(plotext_utility.colors_to_ansi(*key) + "x" + plotext_utility.ansi_end)
        span_style = text.spans[0].style if text.spans else None
        style = _STYLES[key] = span_style if isinstance(span_style, Style) else Style()
    return style


class ChartPanel(PlotextPlot):
    """Shows the panel a worker drew when it fits this panel's size and theme, and draws it itself otherwise.

    PlotextPlot keeps the app's theme registered with plotext. The drawing is kept: a repaint for
    another reason (focus, a screen coming back) does not run plotext again.
    """

    def __init__(self, declare: PanelDeclaration, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.declare = declare
        self.data: ChartData | None = None
        self._drawn: tuple[PanelSize, ChartData, PanelLines] | None = None

    @property
    def panel_size(self) -> PanelSize:
        theme = f"textual-auto-{self.app.theme}" if self.theme == "auto" else self.theme
        return PanelSize(self.size.width, self.size.height, theme)

    def show(self, data: ChartData, drawn: Sequence[Strip] | None = None, size: PanelSize | None = None) -> None:
        """Show `data`, with its drawing if a worker made one for `size`."""
        self.data = data
        self._drawn = (size, data, tuple(drawn)) if drawn is not None and size is not None else None
        self.refresh()

    def drawn_lines(self) -> PanelLines:
        """The panel's lines for its present size and theme (drawn now unless a worker drew them)."""
        size = self.panel_size
        drawn = self._drawn
        if drawn is not None and drawn[0] == size and drawn[1] is self.data:
            return drawn[2]
        if self.data is None or not size.width or not size.height:
            return ()
        lines = draw_panel(self.declare, self.data, size)
        self._drawn = (size, self.data, lines)
        return lines

    def plain(self) -> str:
        """The panel's characters, a line each (what tests read)."""
        return "\n".join(line.text for line in self.drawn_lines())

    def render_line(self, y: int) -> Strip:
        lines = self.drawn_lines()
        return lines[y] if y < len(lines) else Strip.blank(self.size.width)
