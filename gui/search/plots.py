"""The search's live plots, drawn from its finished trials: the value of each trial and the best so far
(`searchHistoryPlot`), the value against each parameter (`searchSlicePlot`, a log x axis for a log parameter), and
each parameter's importance (`paramImportancePlot`). The parallel coordinates are in parallel_plot.py.

They are dashboard figures (a title, a Save button, PNG/SVG export) that read a search instead of a training run:
`set_search` when a search starts, `show_trials` as trials finish (the view paces the calls).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg

from gui.dashboard.plot_panel import PlotPanel, message_item
from gui.dashboard.style import (AXIS_COLOR, MUTED_COLOR, ORANGE, TRAIN_COLOR, format_value, sequential_map,
                                 solid_pen, style_plot)

from .param_dialog import choice_text

BEST_COLOR = ORANGE
POINT_COLOR = TRAIN_COLOR


def short_path(path: str) -> str:
    """'model.layers[0].units' -> 'layers[0].units'; 'training.optimizer.lr' -> 'optimizer.lr'."""
    parts = path.split(".")
    return ".".join(parts[1:]) if len(parts) > 2 else path


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks for a log axis from low to high (positions in log10, as pyqtgraph's log mode places them): 1, 2 and 5
    times the powers of ten in range, only the powers when that makes too many, the ends when too few."""
    if not (0 < low < high):
        return []
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    nice = [m * 10.0 ** k for k in range(first, last + 1) for m in (1, 2, 5)]
    values = [v for v in nice if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    if len(values) > 7:
        values = [v for v in values if math.isclose(v, 10 ** round(math.log10(v)))]
    if len(values) < 2:
        values = sorted(set(values) | {low, high})
    return [(math.log10(v), format_value(v, 3)) for v in values]


def complete(trials: Sequence[Any]) -> list[Any]:
    """The complete trials with a finite value, by number."""
    done = [t for t in trials if t.state == "complete" and t.value is not None and math.isfinite(t.value)]
    return sorted(done, key=lambda t: t.number)


class SearchPlot(PlotPanel):
    """A figure of the search's trials. Subclasses draw in `draw_trials()` from `self.trials`."""

    def __init__(self, object_name: str, title: str):
        super().__init__(object_name, title)
        self.spec: Any = None
        self.metric = "value"
        self.direction = "minimize"
        self.trials: list[Any] = []

    def set_search(self, spec: Any, metric: str, direction: str) -> None:
        """A new search: its space, metric and direction; no trial yet."""
        self.spec, self.metric, self.direction, self.trials = spec, metric, direction, []
        self.draw_trials()

    def show_trials(self, trials: Sequence[Any]) -> None:
        self.trials = list(trials)
        self.draw_trials()

    def draw_trials(self) -> None:
        raise NotImplementedError

    def draw(self, data: Any) -> None:          # the dashboard's protocol: this view is drawn by the search view
        self.draw_trials()


class HistoryPlot(SearchPlot):
    """Every complete trial's value by trial number, and the best so far as a step line."""

    def __init__(self):
        super().__init__("searchHistoryPlot", "Best so far")
        self.plot = style_plot(self.add_plot(0, 0), "trial", "value")
        self.points = self.plot.plot([], [], pen=None, symbol="o", symbolSize=7, symbolPen=pg.mkPen("w", width=0.8),
                                     symbolBrush=pg.mkBrush(POINT_COLOR))
        self.best_curve = self.plot.plot([], [], pen=solid_pen(BEST_COLOR, 2.0))
        self.log_toggle = self.toggle("log", "Logarithmic value axis", "searchHistoryLogToggle")
        self.log_toggle.toggled.connect(lambda _on: self.draw_trials())
        self.note = message_item("Each finished trial appears here")
        self.plot.addItem(self.note, ignoreBounds=True)

    def set_search(self, spec: Any, metric: str, direction: str) -> None:
        """Losses and errors (minimised) span decades as a search finds better settings: a log axis by default."""
        self.log_toggle.blockSignals(True)
        self.log_toggle.setChecked(direction == "minimize")
        self.log_toggle.blockSignals(False)
        super().set_search(spec, metric, direction)

    def draw_trials(self) -> None:
        done = complete(self.trials)
        x = np.array([t.number for t in done], dtype=float)
        y = np.array([t.value for t in done], dtype=float)
        log = self.log_toggle.isChecked() and len(y) > 0 and bool(np.all(y > 0))
        self.plot.setLogMode(y=log)
        ticks = log_ticks(float(y.min()), float(y.max())) if log and y.min() < y.max() else []
        self.plot.getAxis("left").setTicks([ticks] if ticks else None)
        self.plot.setLabel("left", self.metric, **{"color": AXIS_COLOR, "font-size": "9pt"})
        self.points.setData(x, y)
        if len(y):
            best = np.maximum.accumulate(y) if self.direction == "maximize" else np.minimum.accumulate(y)
            steps_x = np.repeat(x, 2)[1:]
            steps_y = np.repeat(best, 2)[:-1]
            self.best_curve.setData(steps_x, steps_y)
        else:
            self.best_curve.setData([], [])
        self.note.setVisible(not len(y))
        states = {s: sum(t.state == s for t in self.trials) for s in ("complete", "pruned", "failed")}
        self.set_title(self.title, " · ".join(f"{n} {s}" for s, n in states.items() if n))

    def best_values(self) -> np.ndarray:
        """The best-so-far line's values at each complete trial (tests)."""
        y = self.best_curve.yData
        return np.asarray([] if y is None else y[::2])


class ImportancePlot(SearchPlot):
    """Each parameter's share of the value's variance (Optuna's fANOVA), largest on top."""

    def __init__(self):
        super().__init__("paramImportancePlot", "Importance")
        self.plot = style_plot(self.add_plot(0, 0), "share of variance", "", grid="")
        self.plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.6, width=[], brush=pg.mkBrush(TRAIN_COLOR), pen=None)
        self.plot.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.shares: dict[str, float] = {}
        self.note = message_item("Needs two complete trials that differ")
        self.plot.addItem(self.note, ignoreBounds=True)

    def set_search(self, spec: Any, metric: str, direction: str) -> None:
        self.shares = {}
        super().set_search(spec, metric, direction)

    def show_importance(self, shares: dict[str, float]) -> None:
        self.shares = dict(shares)
        self.draw_trials()

    def draw_trials(self) -> None:
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        ranked = sorted(self.shares.items(), key=lambda kv: kv[1])
        n = len(ranked)
        self.bars.setOpts(x0=np.zeros(n), y=np.arange(n), width=[v for _, v in ranked], height=0.6)
        axis = self.plot.getAxis("left")
        axis.setTicks([[(i, short_path(p)) for i, (p, _) in enumerate(ranked)]])
        longest = max((len(short_path(p)) for p, _ in ranked), default=4)
        axis.setWidth(min(220, 12 + 6 * longest))
        for i, (_path, share) in enumerate(ranked):
            label = pg.TextItem(f"{share:.0%}", color=MUTED_COLOR, anchor=(0, 0.5))
            label.setPos(share, i)
            self.plot.addItem(label)
            self.labels.append(label)
        self.note.setVisible(n == 0)
        if n:
            self.plot.setRange(xRange=(0, min(1.15, max(v for _, v in ranked) * 1.4)), yRange=(-0.6, n - 0.4),
                               padding=0)
        else:
            self.note.setPos(0.5, 0.5)
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)


class SlicePlot(SearchPlot):
    """One small plot per parameter: each complete trial's value against the parameter's value (log x for a log
    parameter, the choices side by side for a choice), coloured from light (early trials) to dark (late ones)."""

    def __init__(self):
        super().__init__("searchSlicePlot", "Value by parameter")
        self.plots: dict[str, pg.PlotItem] = {}
        self.scatters: dict[str, pg.PlotDataItem] = {}
        self.note = None
        self.cmap = sequential_map()

    def set_search(self, spec: Any, metric: str, direction: str) -> None:
        self.body.clear()
        self.plots, self.scatters = {}, {}
        params = list(spec.params) if spec is not None else []
        columns = 1 if len(params) == 1 else (2 if len(params) <= 4 else 3)
        for i, param in enumerate(params):
            plot = style_plot(self.body.addPlot(row=i // columns, col=i % columns), short_path(param.path),
                              metric if i % columns == 0 else "", grid="xy")
            plot.setLogMode(x=param.log)
            if param.log:
                plot.getAxis("bottom").setTicks([log_ticks(float(param.low), float(param.high))])
            if param.kind == "choice":
                plot.getAxis("bottom").setTicks([[(k, choice_text(c)) for k, c in enumerate(param.choices)]])
            scatter = plot.plot([], [], pen=None, symbol="o", symbolSize=7, symbolPen=pg.mkPen("w", width=0.6))
            self.plots[param.path], self.scatters[param.path] = plot, scatter
        super().set_search(spec, metric, direction)

    def is_log(self, path: str) -> bool:
        """Whether the parameter's x axis is logarithmic (as drawn)."""
        return bool(self.plots[path].getAxis("bottom").logMode)

    def draw_trials(self) -> None:
        if self.spec is None:
            return
        done = complete(self.trials)
        last = max((t.number for t in self.trials), default=0)
        brushes = [pg.mkBrush(self.cmap.map(0.35 + 0.65 * (t.number / max(1, last)), mode="qcolor")) for t in done]
        for param in self.spec.params:
            xs, ys, bs = [], [], []
            for trial, brush in zip(done, brushes):
                if param.path not in trial.params:
                    continue
                x = self._x(param, trial.params[param.path])
                if x is None:
                    continue
                xs.append(x)
                ys.append(trial.value)
                bs.append(brush)
            self.scatters[param.path].setData(xs, ys, symbolBrush=bs)
        self.set_title(self.title, f"{len(done)} trials · darker: later")

    @staticmethod
    def _x(param: Any, value: Any) -> float | None:
        """Where a value sits on the parameter's x axis (data coordinates; pyqtgraph takes the log itself)."""
        if param.kind == "choice":
            from core.search.spec import same_value

            return next((float(k) for k, c in enumerate(param.choices) if same_value(c, value)), None)
        if param.log and value <= 0:
            return None
        return float(value)
