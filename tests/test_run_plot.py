"""Comparison plots without a display: runs overlaid (a colour per run, training solid, validation dashed, a legend
of run names, log losses on request), the cross-validation folds with their mean; matplotlib only when plotting."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.fileio import FileWriteError
from core.runs import RunRecorder, RunStore
from core.runs.plot import Curves, curves_figure, plot_cross_validation, plot_runs
from runs_support import private_store, small_project, trainer_for  # noqa: F401  (private_store: a fixture)

ROOT = Path(__file__).resolve().parents[1]


def recorded_runs(*lrs):
    store = RunStore()
    ids = []
    for lr in lrs:
        project = small_project(f"lr {lr}", lr=lr, epochs=5)
        recorder = RunRecorder(store, project)
        trainer_for(project).fit(listener=recorder)
        ids.append(recorder.run_id)
    return store.get_runs(ids)


def lines_by_gid(ax):
    return {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}


def test_runs_overlay_with_a_colour_per_run_and_dashed_validation():
    runs = recorded_runs(0.1, 0.001)
    fig = curves_figure([Curves(r.name, r.history, r.history_epochs) for r in runs], log_y=True)
    loss_ax, metric_ax = fig.axes
    assert (loss_ax.get_ylabel(), metric_ax.get_ylabel()) == ("loss", "accuracy")
    assert loss_ax.get_yscale() == "log" and metric_ax.get_yscale() == "linear"
    a, b = (r.name for r in runs)
    assert a.startswith("lr 0.1 #") and b.startswith("lr 0.001 #")
    lines = lines_by_gid(loss_ax)
    assert set(lines) == {f"{a}|loss", f"{a}|val_loss", f"{b}|loss", f"{b}|val_loss"}
    assert lines[f"{a}|loss"].get_linestyle() == "-" and lines[f"{a}|val_loss"].get_linestyle() == "--"
    assert lines[f"{a}|loss"].get_color() == lines[f"{a}|val_loss"].get_color() != lines[f"{b}|loss"].get_color()
    x, y = lines[f"{b}|val_loss"].get_data()
    assert list(x) == [1, 2, 3, 4, 5] and list(y) == runs[1].history["val_loss"]
    legend = [t.get_text() for t in metric_ax.get_legend().get_texts()]
    assert legend == [a, b, "training", "validation"]


def test_epochs_without_a_value_are_left_out_not_drawn_as_gaps():
    """The trainer computes auc only now and then (nan in between): its curve joins the epochs that have one."""
    history = {"loss": [1.0, 0.5, 0.25, 0.2], "auc": [0.5, float("nan"), float("nan"), 0.75]}
    fig = curves_figure([Curves("a", history)], metric="auc")
    x, y = lines_by_gid(fig.axes[1])["a|auc"].get_data()
    assert list(x) == [1, 4] and list(y) == [0.5, 0.75]


def test_a_png_is_written_headless_with_the_runs_colours(tmp_path):
    runs = recorded_runs(0.1, 0.01)
    out = tmp_path / "compare.png"
    out.write_bytes(b"old")
    assert plot_runs(runs, out, title="two learning rates") == out
    from matplotlib.image import imread

    image = imread(out)
    assert image.shape[:2] == (450, 1200)
    pixels = np.round(image[..., :3].reshape(-1, 3) * 255).astype(int)
    for colour in ((31, 119, 180), (255, 127, 14)):          # tab10's first two colours: one per run
        assert np.any(np.all(np.abs(pixels - colour) <= 2, axis=1)), colour


def test_cross_validation_folds_with_their_mean(tmp_path):
    class Fold:
        def __init__(self, fold, history):
            self.fold, self.history = fold, history

    class Result:
        folds = [Fold(0, {"loss": [4.0, 2.0, 1.0], "val_loss": [5.0, 3.0, 2.0]}),
                 Fold(1, {"loss": [2.0, 1.0], "val_loss": [3.0, 2.0]})]   # stopped early
    fig = curves_figure([Curves(f"fold {f.fold + 1}", f.history) for f in Result.folds], mean=True)
    (ax,) = fig.axes                                          # no metric logged: the loss panel alone
    mean = lines_by_gid(ax)["mean|loss"]
    assert list(mean.get_xdata()) == [1, 2, 3] and list(mean.get_ydata()) == [3.0, 1.5, 1.0]
    assert plot_cross_validation(Result, tmp_path / "cv.svg").read_text().startswith("<?xml")


def test_a_bad_suffix_or_folder_writes_nothing(tmp_path):
    runs = recorded_runs(0.1)
    with pytest.raises(FileWriteError, match="suffixes .png, .svg, .pdf"):
        plot_runs(runs, tmp_path / "plot.jpg")
    with pytest.raises(FileWriteError, match="does not exist"):
        plot_runs(runs, tmp_path / "missing" / "plot.png")
    assert not [p for p in tmp_path.rglob("*") if "plot" in p.name]


def test_the_store_and_cross_validation_load_neither_matplotlib_nor_qt():
    code = ("import sys, core.runs, core.cross_validation, core.runs.plot; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PySide6', 'optuna', 'dask')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
