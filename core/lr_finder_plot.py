"""The range test's curve as a PNG, headless: matplotlib's Agg canvas, imported only when a plot is asked for
(the CLI never loads Qt, and the app does not pay matplotlib's import time)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .fileio import atomic_write_with


def plot_lr_finder(result: Any, path: str | Path, title: str = "Learning-rate range test") -> None:
    """Smoothed loss against learning rate (log x), the suggestion marked; written atomically to `path`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.0), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot(1, 1, 1)
    lrs, losses = list(result.lrs), list(result.losses)
    ax.plot(lrs, losses, color="#1f77b4", label="smoothed loss")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    finite = [v for v in losses if v == v and abs(v) != float("inf")]
    if finite:       # the divergence at the end would squash the useful part of the curve
        low, high = min(finite), min(max(finite), 4 * min(finite) + 1e-12)
        pad = 0.05 * (high - low or 1.0)
        ax.set_ylim(low - pad, high + pad)
    for rate, name, color in ((result.valley, "valley (suggested)", "#d62728"),
                              (result.steepest, "steepest", "#2ca02c")):
        ax.axvline(rate, color=color, linestyle="--", linewidth=1, label=f"{name}: {rate:.2g}")
    ax.legend(loc="best")
    ax.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    atomic_write_with(path, lambda tmp: figure.savefig(tmp, format="png"), "plot")
