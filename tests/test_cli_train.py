"""`layerlab train`'s outputs, starts and stops: output folders are proven writable before training and the
weights and history land together or not at all; --init-weights and --resume exclude each other; a checkpoint
resumes only with its own project; --stop-after pauses without changing the schedule's length, so a paused and
resumed run equals an uninterrupted one bit for bit; early-stopping and plateau monitors are checked up front."""
import csv
import json
import math
import os
import tempfile

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.model_files import load_weights
from history_support import assert_same_history


def project_file(folder, name="tiny.json", data=None, layers=None, **training):
    obj = {
        "format": "layerlab/1", "name": "tiny",
        "data": data or {"source": "builtin", "name": "gauss", "samples": 200, "noise": 0.1,
                         "split": {"val": 0.25, "test": 0.0}},
        "model": {"layers": layers or [{"type": "dense", "units": 6, "activation": "tanh"}, {"type": "batch_norm"},
                                       {"type": "dropout", "rate": 0.2},
                                       {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 20,
                     "epochs": 5, "seed": 1, **training},
    }
    path = folder / name
    path.write_text(json.dumps(obj))
    return path


def history_rows(path):
    return list(csv.DictReader(open(path)))


def history_columns(path, first: int = 0, rows: int | None = None) -> dict[str, list[float]]:
    """The CSV as a history (column -> values), rows [first, first + rows)."""
    table = history_rows(path)[first:None if rows is None else first + rows]
    return {key: [float(row[key]) for row in table] for key in table[0]}


# --- outputs -------------------------------------------------------------------------------------------------------
@pytest.fixture
def locked(tmp_path, monkeypatch):
    """A folder nobody may create files in (the tests run as root, which chmod does not stop)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.abspath(dir) == str(folder):
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return folder


@pytest.mark.parametrize("bad", ["--out", "--history"])
def test_an_unwritable_output_folder_is_found_before_training(tmp_path, locked, bad):
    project = project_file(tmp_path)
    paths = {"--out": tmp_path / "m.npz", "--history": tmp_path / "h.csv"}
    paths[bad] = locked / paths[bad].name
    code, out, err = run("train", project, "--out", paths["--out"], "--history", paths["--history"])
    assert_one_line_error(code, err, f"{bad} {paths[bad]}: cannot write in folder {locked} (Permission denied)")
    assert "epoch" not in out                                   # refused before the first epoch
    assert sorted(p.name for p in tmp_path.iterdir()) == ["locked", "tiny.json"]
    assert list(locked.iterdir()) == []


def test_weights_failing_at_the_end_leave_the_history_unwritten(tmp_path, monkeypatch):
    project = project_file(tmp_path)
    (tmp_path / "m.npz").write_bytes(b"precious")
    (tmp_path / "h.csv").write_text("old history\n")

    def full_disk(handle, **arrays):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    code, out, err = run("train", project, "--out", tmp_path / "m.npz", "--history", tmp_path / "h.csv")
    assert_one_line_error(code, err, "No space left on device")
    assert "epoch 5/5" in out                                   # the failure came at the end
    assert (tmp_path / "m.npz").read_bytes() == b"precious"
    assert (tmp_path / "h.csv").read_text() == "old history\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv", "m.npz", "tiny.json"]


def test_history_failing_at_the_end_leaves_the_weights_unwritten(tmp_path, monkeypatch):
    project = project_file(tmp_path)
    real = type(tmp_path).write_text

    def write_text(self, text, *args, **kwargs):
        if self.name.startswith(".h.csv."):
            raise OSError(28, "No space left on device")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(type(tmp_path), "write_text", write_text)
    code, out, err = run("train", project, "--out", tmp_path / "m.npz", "--history", tmp_path / "h.csv")
    assert_one_line_error(code, err, "h.csv", "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json"]


def test_a_rename_failing_half_way_puts_the_first_file_back(tmp_path, monkeypatch):
    """Both temporary files written, the weights renamed into place, then the history's rename fails: the old
    weights file comes back, so the pair stays as it was."""
    project = project_file(tmp_path)
    (tmp_path / "m.npz").write_bytes(b"precious")
    (tmp_path / "h.csv").write_text("old history\n")
    real = os.replace

    def replace(src, dst):
        if str(dst) == str(tmp_path / "h.csv"):
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    code, out, err = run("train", project, "--out", tmp_path / "m.npz", "--history", tmp_path / "h.csv")
    assert_one_line_error(code, err, "h.csv", "Input/output error")
    assert (tmp_path / "m.npz").read_bytes() == b"precious"
    assert (tmp_path / "h.csv").read_text() == "old history\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv", "m.npz", "tiny.json"]


def test_out_and_history_must_differ(tmp_path):
    project = project_file(tmp_path)
    code, out, err = run("train", project, "--out", tmp_path / "x", "--history", tmp_path / "x")
    assert_one_line_error(code, err, "--history", "is the --out file")
    assert not (tmp_path / "x").exists()


# --- how a run starts ----------------------------------------------------------------------------------------------
@pytest.fixture
def checkpoint(tmp_path):
    project = project_file(tmp_path)
    code, out, err = run("train", project, "--stop-after", 2, "--checkpoint", "--out", tmp_path / "ckpt.npz")
    assert code == 0, err
    return tmp_path / "ckpt.npz"


def test_init_weights_and_resume_exclude_each_other(tmp_path, checkpoint):
    code, out, err = run("train", tmp_path / "tiny.json", "--init-weights", checkpoint, "--resume", checkpoint)
    assert_one_line_error(code, err, "--resume: not allowed with argument --init-weights")
    assert code == 2


def test_seed_is_refused_with_resume(tmp_path, checkpoint):
    code, out, err = run("train", tmp_path / "tiny.json", "--resume", checkpoint, "--seed", 3)
    assert_one_line_error(code, err, "--seed cannot be used with --resume")


@pytest.mark.parametrize("change,needle", [
    ({"data": {"source": "builtin", "name": "gauss", "samples": 300, "noise": 0.1, "split": {"val": 0.25, "test": 0}}},
     "data.samples is 300 here, 200 in the checkpoint"),
    ({"layers": [{"type": "dense", "units": 6, "activation": "relu"}, {"type": "batch_norm"},
                 {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 1, "activation": "sigmoid"}]},
     "model.layers[0].activation is 'relu' here, 'tanh' in the checkpoint"),
    ({"optimizer": {"name": "adam", "lr": 0.01}}, "training.optimizer.lr is 0.01 here, 0.05 in the checkpoint"),
    ({"batch_size": 10}, "training.batch_size is 10 here, 20 in the checkpoint"),
    ({"schedule": {"name": "cosine"}}, "training.schedule is {'name': 'cosine'} here, not set in the checkpoint"),
])
def test_resume_refuses_another_project_naming_what_differs(tmp_path, checkpoint, change, needle):
    other = project_file(tmp_path, "other.json", **change)
    code, out, err = run("train", other, "--resume", checkpoint, "--out", tmp_path / "resumed.npz")
    assert_one_line_error(code, err, f"--resume {checkpoint}: the project differs from the checkpoint's", needle,
                   "only training.epochs", "--init-weights")
    assert "epoch" not in out and not (tmp_path / "resumed.npz").exists()


def test_resume_refuses_data_whose_file_changed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # the default --out goes to the current folder
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    rows = "\n".join(f"{a!r},{b!r},{int(a + b > 0)}" for a, b in X)
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows + "\n")
    data = {"source": "csv", "path": "d.csv", "target": "y", "scaling": "standard", "split": {"val": 0.25}}
    project = project_file(tmp_path, data=data)
    assert run("train", project, "--stop-after", 1, "--checkpoint", "--out", tmp_path / "c.npz")[0] == 0
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows.replace("0.", "1.") + "\n")
    code, out, err = run("train", project, "--resume", tmp_path / "c.npz")
    assert_one_line_error(code, err, "the data's fitted preprocessing (has the data file changed?)")


def test_a_checkpoint_keeps_its_seed(tmp_path):
    """Trained with --seed 7, resumed from the project (seed 1): the checkpoint's seed carries on, as documented."""
    project = project_file(tmp_path, data={"source": "builtin", "name": "gauss", "samples": 200, "split": {"val": 0.2}})
    assert run("train", project, "--seed", 7, "--out", tmp_path / "whole.npz")[0] == 0
    assert run("train", project, "--seed", 7, "--stop-after", 2, "--checkpoint", "--out", tmp_path / "c.npz")[0] == 0
    code, out, err = run("train", project, "--resume", tmp_path / "c.npz", "--out", tmp_path / "resumed.npz")
    assert code == 0, err
    whole, resumed = load_weights(tmp_path / "whole.npz"), load_weights(tmp_path / "resumed.npz")
    assert resumed.meta["project"]["training"]["seed"] == 7
    for name, array in whole.arrays.items():
        assert np.array_equal(resumed.arrays[name], array), name


# --- stopping early and resuming -----------------------------------------------------------------------------------
COSINE = {"name": "cosine", "eta_min": 0.001, "warmup_epochs": 1}
# mode max on a falling val_loss: the best epoch is an early one, so a pause that restored it would break resume
EARLY = {"monitor": "val_loss", "mode": "max", "patience": 50}


def test_stop_after_then_resume_equals_one_run_with_a_cosine_schedule(tmp_path):
    project = project_file(tmp_path, epochs=6, schedule=COSINE, early_stopping=EARLY)
    assert run("train", project, "--out", tmp_path / "whole.npz", "--history", tmp_path / "whole.csv")[0] == 0
    code, out, err = run("train", project, "--stop-after", 3, "--checkpoint", "--out", tmp_path / "part.npz",
                         "--history", tmp_path / "part.csv")
    assert code == 0, err
    assert "paused by --stop-after 3 (training.epochs is 6) after 3 epochs" in out
    part = load_weights(tmp_path / "part.npz")
    assert part.meta["epoch"] == 3 and part.meta["project"]["training"]["epochs"] == 6
    code, out, err = run("train", project, "--resume", tmp_path / "part.npz", "--out", tmp_path / "resumed.npz",
                         "--history", tmp_path / "resumed.csv")
    assert code == 0, err
    assert [line.split()[1] for line in out.splitlines()[:3]] == ["4/6", "5/6", "6/6"]
    whole, resumed = load_weights(tmp_path / "whole.npz"), load_weights(tmp_path / "resumed.npz")
    assert resumed.meta["epoch"] == 6
    for name, array in whole.arrays.items():
        assert array.tobytes() == resumed.arrays[name].tobytes(), name
    # lr column included; `auc` is logged at most once a second, so only where both runs logged it
    assert_same_history(history_columns(tmp_path / "resumed.csv"), history_columns(tmp_path / "whole.csv"))
    assert_same_history(history_columns(tmp_path / "part.csv"), history_columns(tmp_path / "whole.csv", rows=3))


def test_epochs_sets_the_schedule_length_stop_after_does_not(tmp_path):
    project = project_file(tmp_path, epochs=6, schedule={"name": "cosine", "eta_min": 0.001})
    run("train", project, "--stop-after", 3, "--out", tmp_path / "a.npz", "--history", tmp_path / "a.csv")
    run("train", project, "--epochs", 3, "--out", tmp_path / "b.npz", "--history", tmp_path / "b.csv")
    lr_a = [float(r["lr"]) for r in history_rows(tmp_path / "a.csv")]
    lr_b = [float(r["lr"]) for r in history_rows(tmp_path / "b.csv")]
    def cosine(epoch, length):
        return 0.001 + 0.049 * (1 + math.cos(math.pi * epoch / length)) / 2

    assert lr_a == pytest.approx([cosine(e, 6) for e in range(3)])       # the project's 6-epoch cosine
    assert lr_b == pytest.approx([cosine(e, 3) for e in range(3)])       # a 3-epoch cosine


def test_resume_with_nothing_left_to_do_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # the default --out goes to the current folder
    project = project_file(tmp_path, epochs=3)
    assert run("train", project, "--checkpoint", "--out", tmp_path / "c.npz")[0] == 0
    code, out, err = run("train", project, "--resume", tmp_path / "c.npz")
    assert_one_line_error(code, err, "has already trained 3 epochs, and training.epochs is 3", "--epochs")
    code, out, err = run("train", project, "--resume", tmp_path / "c.npz", "--epochs", 4, "--out", tmp_path / "d.npz")
    assert code == 0 and load_weights(tmp_path / "d.npz").meta["epoch"] == 4, err


def test_stop_after_must_be_positive_and_is_capped_by_the_epochs_left(tmp_path):
    project = project_file(tmp_path, epochs=3)
    assert_one_line_error(*run("train", project, "--stop-after", 0)[::2], "--stop-after must be a positive integer, got 0")
    code, out, err = run("train", project, "--stop-after", 10, "--out", tmp_path / "m.npz")
    assert code == 0 and "finished after 3 epochs" in out, err


# --- monitors ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("settings,split,needle", [
    ({"early_stopping": {"monitor": "val_los"}}, 0.25,
     "training.early_stopping.monitor is 'val_los', which a binary run never logs (did you mean 'val_loss'?); "
     "accepted: loss, accuracy, precision, recall, f1, specificity, mcc, auc, val_loss, val_accuracy"),
    ({"early_stopping": {"monitor": "val_loss"}}, 0.0,
     "training.early_stopping.monitor is 'val_loss', but the data has no validation rows (data.split.val)"),
    ({"early_stopping": {"monitor": "val_acc"}}, 0.25, "(did you mean 'val_accuracy'?)"),
    ({"early_stopping": {"monitor": "r2"}}, 0.25, "'r2', which a binary run never logs"),
    ({"schedule": {"name": "reduce_on_plateau", "monitor": "val_auc"}}, 0.0,
     "training.schedule.monitor is 'val_auc', but the data has no validation rows"),
])
def test_a_monitor_that_is_never_logged_fails_check_and_train_up_front(tmp_path, settings, split, needle):
    data = {"source": "builtin", "name": "gauss", "samples": 100, "split": {"val": split, "test": 0.0}}
    project = project_file(tmp_path, data=data, **settings)
    code, out, err = run("check", project)
    assert code == 1 and "Traceback" not in err
    assert needle in err
    code, out, err = run("train", project, "--out", tmp_path / "m.npz")
    assert_one_line_error(code, err, needle)
    assert "epoch" not in out and not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("monitor,split", [("loss", 0.0), ("accuracy", 0.0), ("val_auc", 0.25), ("val_mcc", 0.25)])
def test_monitors_that_are_logged_pass(tmp_path, monitor, split):
    data = {"source": "builtin", "name": "gauss", "samples": 100, "split": {"val": split, "test": 0.0}}
    project = project_file(tmp_path, data=data, epochs=2, early_stopping={"monitor": monitor})
    assert run("check", project)[0] == 0
    code, out, err = run("train", project, "--out", tmp_path / "m.npz")
    assert code == 0, err


def test_regression_monitors_come_from_the_regression_metrics(tmp_path):
    data = {"source": "builtin", "name": "reg-plane", "samples": 100, "split": {"val": 0.2, "test": 0.0}}
    layers = [{"type": "dense", "units": 1}]
    ok = project_file(tmp_path, data=data, layers=layers, loss="mse", epochs=2, early_stopping={"monitor": "val_r2"})
    assert run("check", ok)[0] == 0
    bad = project_file(tmp_path, data=data, layers=layers, loss="mse", early_stopping={"monitor": "val_accuracy"})
    code, out, err = run("check", bad)
    assert code == 1
    assert "accepted: loss, mae, mse, rmse, r2, val_loss, val_mae, val_mse, val_rmse, val_r2" in err


def test_the_summary_says_how_training_ended_and_which_epoch_came_back(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # the default --out goes to the current folder
    project = project_file(tmp_path, epochs=40, early_stopping={"monitor": "loss", "patience": 0, "min_delta": 10.0})
    code, out, err = run("train", project, "--quiet")
    assert code == 0, err
    assert out.startswith("stopped early after 2 epochs (") and ", best epoch 1 restored): epoch 1's loss " in out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_early_stopping_the_summary_prints_the_restored_epochs_metrics(tmp_path, seed):
    """The weights file holds the best epoch's weights, so the summary prints that epoch's losses (and says which
    epoch they are), not the last epoch's."""
    data = {"source": "builtin", "name": "moons", "samples": 120, "noise": 0.35, "split": {"val": 0.5, "test": 0.0}}
    layers = [{"type": "dense", "units": 32, "activation": "relu"}, {"type": "dense", "units": 1,
                                                                        "activation": "sigmoid"}]
    project = project_file(tmp_path, data=data, layers=layers, epochs=80, seed=seed, batch_size=5,
                           optimizer={"name": "adam", "lr": 0.05}, early_stopping={"monitor": "val_loss",
                                                                                   "patience": 5})
    code, out, err = run("train", project, "--quiet", "--history", tmp_path / "h.csv", "--out", tmp_path / "m.npz")
    assert code == 0, err
    history = history_columns(tmp_path / "h.csv")
    best = int(np.argmin(history["val_loss"]))
    assert best < len(history["val_loss"]) - 1                   # stopped after the best epoch: the numbers differ
    assert f"best epoch {best + 1} restored): epoch {best + 1}'s loss " in out
    printed = float(out.split("val_loss ")[1].split()[0])
    assert printed == pytest.approx(history["val_loss"][best], rel=1e-3)
    assert printed != pytest.approx(history["val_loss"][-1], rel=1e-3)
