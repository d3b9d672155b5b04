"""Curves of several runs overlaid, rendered without a display (`layerlab runs compare --plot out.png`, the
cross-validation folds with their mean): matplotlib's Agg canvas, imported only here and only when a plot is
written, so neither the CLI nor the app pays for it otherwise, and nothing touches Qt or a window system.

Losses on the left, the main metric on the right; one colour per run; training solid, validation dashed; a log
scale, when asked for, on losses and errors (scores between 0 and 1 stay linear).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .records import MAIN_METRICS      # the first one logged is the metric panel's, unless one is given

FORMATS = ("png", "svg", "pdf")


@dataclass(frozen=True)
class Curves:
    """One run's curves: `history` as Trainer.history holds it, `epochs` the 0-based epoch of each value (when a
    key started late or the run resumed a checkpoint; default 0, 1, 2, ...)."""

    label: str
    history: Mapping[str, Sequence[float]]
    epochs: Mapping[str, Sequence[int]] | None = None

    def series(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        values = self.history.get(key)
        if not values:
            return None
        epochs = (self.epochs or {}).get(key)
        x = np.asarray(epochs if epochs is not None else range(len(values)), dtype=np.float64) + 1
        y = np.asarray(values, dtype=np.float64)
        known = np.isfinite(y)          # nan: not computed that epoch (auc is computed now and then)
        return x[known], y[known]


def main_metric(curves: Sequence[Curves], metric: str | None = None) -> str | None:
    if metric is not None:
        return metric
    return next((m for m in MAIN_METRICS if any(m in c.history or f"val_{m}" in c.history for c in curves)), None)


def plot_runs(runs: Sequence, path: str | os.PathLike, *, metric: str | None = None, log_y: bool = False,
              title: str | None = None) -> Path:
    """Overlay the loss and main-metric curves of `runs` (records with `name`, `history`, `history_epochs`, as
    `RunStore.get_run` returns) in an image at `path` (.png, .svg or .pdf)."""
    curves = [Curves(r.name, r.history, getattr(r, "history_epochs", None)) for r in runs]
    return plot_curves(curves, path, metric=metric, log_y=log_y, title=title)


def plot_cross_validation(result, path: str | os.PathLike, *, metric: str | None = None, log_y: bool = False,
                          title: str | None = None) -> Path:
    """The K folds' curves (thin) with their epoch-wise mean (thick, black) from a CrossValidationResult."""
    curves = [Curves(f"fold {f.fold + 1}", f.history) for f in result.folds]
    return plot_curves(curves, path, metric=metric, log_y=log_y, title=title, mean=True)


def plot_curves(curves: Sequence[Curves], path: str | os.PathLike, *, metric: str | None = None,
                log_y: bool = False, title: str | None = None, mean: bool = False) -> Path:
    """Write the figure atomically (a half-written image never replaces an existing one); returns the path."""
    from ..fileio import FileWriteError, atomic_path

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt not in FORMATS:
        raise FileWriteError(f"cannot write plot {path}: give it one of the suffixes "
                             f"{', '.join('.' + f for f in FORMATS)}")
    fig = curves_figure(curves, metric=metric, log_y=log_y, title=title, mean=mean)
    with atomic_path(path, "plot") as tmp:
        fig.savefig(tmp, format=fmt)
    return path


def curves_figure(curves: Sequence[Curves], *, metric: str | None = None, log_y: bool = False,
                  title: str | None = None, mean: bool = False):
    """The matplotlib Figure (on an Agg canvas) `plot_curves` writes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    from .records import better_is

    metric = main_metric(curves, metric)
    panels = ["loss"] + ([metric] if metric else [])
    fig = Figure(figsize=(6.0 * len(panels), 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    colours = _colours(len(curves))
    for column, key in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), column + 1)
        for curve, colour in zip(curves, colours):
            for name, style in ((key, "-"), (f"val_{key}", "--")):
                series = curve.series(name)
                if series is not None:
                    ax.plot(*series, linestyle=style, color=colour, linewidth=1.0 if mean else 1.6,
                            alpha=0.55 if mean else 1.0, gid=f"{curve.label}|{name}")
        if mean:
            for name, style in ((key, "-"), (f"val_{key}", "--")):
                averaged = _mean_curve(curves, name)
                if averaged is not None:
                    ax.plot(*averaged, linestyle=style, color="black", linewidth=2.4, gid=f"mean|{name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if log_y and better_is(key) == "min":     # losses and errors span decades; scores in [0, 1] do not
            ax.set_yscale("log")
        if column == len(panels) - 1:
            handles = [Line2D([], [], color=c, linewidth=2) for c in colours]
            labels = [c.label for c in curves]
            if mean:
                handles.append(Line2D([], [], color="black", linewidth=2.4))
                labels.append("mean")
            handles += [Line2D([], [], color="0.3", linestyle="-"), Line2D([], [], color="0.3", linestyle="--")]
            labels += ["training", "validation"]
            ax.legend(handles, labels, fontsize="small", loc="best", ncol=1 if len(labels) <= 12 else 2)
    if title:
        fig.suptitle(title)
    return fig


def _colours(n: int) -> list:
    """Distinct colours: matplotlib's tab10 for up to 10 runs, tab20 up to 20, then evenly along turbo."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return [colormaps["turbo"](i / max(1, n - 1)) for i in range(n)]


def _mean_curve(curves: Sequence[Curves], key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Epoch-wise mean over the curves that reach each epoch (folds stopped early end sooner)."""
    series = [s for s in (c.series(key) for c in curves) if s is not None]
    if not series:
        return None
    last = int(max(x[-1] for x, _ in series))
    table = np.full((len(series), last), math.nan)
    for row, (x, y) in enumerate(series):
        table[row, x.astype(int) - 1] = y
    counts = np.sum(~np.isnan(table), axis=0)
    keep = counts > 0
    sums = np.nansum(table, axis=0)
    return np.arange(1, last + 1)[keep].astype(np.float64), sums[keep] / counts[keep]
