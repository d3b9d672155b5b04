"""Parallel coordinates (`parallelCoordinatesPlot`): one vertical axis per parameter and one for the value, one line
per complete trial through its values, coloured by its value (dark: better). Each axis spans the parameter's range
in the spec on the parameter's own scale: a log parameter's axis is logarithmic (as many pixels per decade), a
choice's values sit evenly along it, and each axis is labelled with its ends and middle in the parameter's units.

Lines are drawn in a few colour bands, one curve item each (NaN breaks between trials), so hundreds of trials cost a
dozen items; the best trial is drawn on top, thicker.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg

from gui.dashboard.style import MUTED_COLOR, ORANGE, TEXT_COLOR, colorbar, format_value, solid_pen, style_plot

from .param_dialog import choice_text
from .plots import SearchPlot, complete, log_ticks, short_path

BANDS = 12                      # colour levels the lines are drawn in
AXIS_PEN = (120, 120, 120)


def axis_position(param: Any, value: Any) -> float | None:
    """Where `value` sits on the parameter's axis, 0 (low) to 1 (high), on its scale; None when it cannot (a
    value outside the choices, or <= 0 on a log axis)."""
    if param.kind == "choice":
        from core.search.spec import same_value

        k = next((i for i, c in enumerate(param.choices) if same_value(c, value)), None)
        if k is None:
            return None
        return 0.5 if len(param.choices) == 1 else k / (len(param.choices) - 1)
    low, high, value = float(param.low), float(param.high), float(value)
    if param.log:
        if value <= 0:
            return None
        low, high, value = math.log(low), math.log(high), math.log(value)
    return 0.5 if high == low else (value - low) / (high - low)


LOG_END_GAP = 0.15       # a round value this close to an end (a fraction of the axis) would print over it


def axis_title(param: Any) -> str:
    """Two short lines under an axis: 'optimizer' / 'lr (log)', 'layers[0]' / 'units'."""
    head, _, last = short_path(param.path).rpartition(".")
    return (f"{head}\n" if head else "") + last + (" (log)" if param.log else "")


def axis_labels(param: Any) -> list[tuple[float, str]]:
    """(position, text) of an axis's labels: every choice, or the ends and the middle (round values on a log
    axis)."""
    if param.kind == "choice":
        return [(axis_position(param, c), choice_text(c)) for c in param.choices]
    low, high = float(param.low), float(param.high)
    if param.log:       # the ends, and the round values between them (0.001, 0.01, ...) that do not crowd them
        inner = [10 ** t for t, _ in log_ticks(low, high)]
        inner = [v for v in inner if LOG_END_GAP < axis_position(param, v) < 1 - LOG_END_GAP]
        return [(0.0, f"{low:.3g}")] + [(axis_position(param, v), f"{v:.3g}") for v in inner] + \
            [(1.0, f"{high:.3g}")]
    middle = (low + high) / 2
    if param.kind == "int":
        middle = round(middle)
    return [(0.0, format_value(low, 3)), (axis_position(param, middle), format_value(middle, 3)),
            (1.0, format_value(high, 3))]


class ParallelCoordinatesPlot(SearchPlot):
    def __init__(self):
        super().__init__("parallelCoordinatesPlot", "Parallel coordinates")
        self.plot = style_plot(self.add_plot(0, 0), "", "", grid="")
        self.plot.hideAxis("left")
        self.plot.setMouseEnabled(x=False, y=False)
        self.cmap = pg.ColorMap(*pg.colormap.get("viridis").getStops())   # 0: dark (the best), 1: light
        self.cmap_reversed = pg.ColorMap(*self.cmap.getStops())           # (copies: `get` shares its maps)
        self.cmap_reversed.reverse()
        self.bar = colorbar(self.cmap, "value")
        self.body.addItem(self.bar, row=0, col=1)
        self.bands = [self.plot.plot([], [], connect="finite") for _ in range(BANDS)]
        self.best_line = self.plot.plot([], [], pen=solid_pen(ORANGE, 3.0))
        self.best_line.setZValue(10)
        self.frame = self.plot.plot([], [], pen=pg.mkPen(AXIS_PEN, width=1), connect="pairs")
        self.frame.setZValue(-5)
        self.texts: list[pg.TextItem] = []
        self.axes: list[tuple[str, bool]] = []     # (path, log) of each parameter axis, left to right
        self.lines: dict[int, list[float]] = {}    # trial number -> its line's heights (the value's last)

    def set_search(self, spec: Any, metric: str, direction: str) -> None:
        for text in self.texts:
            self.plot.removeItem(text)
        self.texts = []
        params = list(spec.params) if spec is not None else []
        self.axes = [(p.path, p.log) for p in params]
        n = len(params)
        frame_x = np.repeat(np.arange(n + 1, dtype=float), 2)
        frame_y = np.tile([0.0, 1.0], n + 1)
        self.frame.setData(frame_x if n else [], frame_y if n else [])
        for i, param in enumerate(params):
            for y, text in axis_labels(param):
                self._text(text, i + 0.02, y, MUTED_COLOR, (0.0, 0.5), fill=True)
            self._text(axis_title(param), i, -0.04, TEXT_COLOR, (0.5, 0))
        if spec is not None:
            self._text(metric, n, -0.04, TEXT_COLOR, (0.5, 0))
        self.plot.getAxis("bottom").setTicks([[]])
        self.plot.hideAxis("bottom")
        # more room on the left: the first axis's title is centred under it and must not be cut by the edge
        self.plot.setRange(xRange=(-0.45, n + 0.3), yRange=(-0.34, 1.06), padding=0)
        self.bar.getAxis("left").setLabel(metric)
        super().set_search(spec, metric, direction)

    def _text(self, text: str, x: float, y: float, color: str, anchor: tuple[float, float],
              fill: bool = False) -> None:
        item = pg.TextItem(text, color=color, anchor=anchor, fill=pg.mkBrush(255, 255, 255, 190) if fill else None)
        item.setPos(x, y)
        item.setZValue(20 if fill else 0)
        self.plot.addItem(item)
        self.texts.append(item)

    def draw_trials(self) -> None:
        done = complete(self.trials) if self.spec is not None else []
        self.lines = {}
        for band in self.bands:
            band.setData([], [])
        self.best_line.setData([], [])
        if not done:
            self.set_title(self.title, "one line per complete trial")
            return
        params = list(self.spec.params)
        values = np.array([t.value for t in done])
        low, high = float(values.min()), float(values.max())
        span = high - low or 1.0
        better_high = self.direction == "maximize"
        for trial in done:
            heights = [axis_position(p, trial.params.get(p.path)) if p.path in trial.params else None
                       for p in params]
            heights.append((trial.value - low) / span if high > low else 0.5)
            self.lines[trial.number] = [math.nan if h is None else h for h in heights]
        xs = np.arange(len(params) + 1, dtype=float)
        # Colour: 1 = the best value (dark), 0 = the worst (light).
        goodness = {n: ((v - low) / span if better_high else (high - v) / span) if high > low else 1.0
                    for n, v in ((t.number, t.value) for t in done)}
        for b, band in enumerate(self.bands):
            members = [n for n, g in goodness.items() if min(BANDS - 1, int(g * BANDS)) == b]
            if not members:
                continue
            x = np.concatenate([np.append(xs, np.nan) for _ in members])
            y = np.concatenate([np.append(self.lines[n], np.nan) for n in members])
            color = self.cmap.map(1.0 - (b + 0.5) / BANDS, mode="qcolor")
            color.setAlpha(200)
            band.setData(x, y, pen=solid_pen(color, 1.6))
            band.setZValue(b)
        best = max(done, key=lambda t: goodness[t.number])
        self.best_line.setData(xs, self.lines[best.number])
        self.bar.setColorMap(self.cmap_reversed if better_high else self.cmap)     # dark at the best end
        self.bar.setLevels((low, high) if high > low else (low - 0.5, low + 0.5))
        self.set_title(self.title, f"{len(done)} trials · the best in orange")
