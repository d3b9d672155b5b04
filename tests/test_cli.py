"""The headless command line: every example project trains; check, predict, history, init-weights and resume work;
every kind of bad input ends with one line on stderr, a non-zero exit, no traceback and no clobbered file."""
import csv
import io
import json
import pickle
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.model_files import load_weights

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.json"))


def write_project(folder: Path, **changes) -> Path:
    obj = {
        "format": "layerlab/1", "name": "tiny",
        "data": {"source": "builtin", "name": "gauss", "samples": 200, "noise": 0.1, "split": {"val": 0.25, "test": 0.0}},
        "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                             {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 20,
                     "epochs": 5, "seed": 1},
    }
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            obj[section][name] = value
        else:
            obj[section] = value
    path = folder / "tiny.json"
    path.write_text(json.dumps(obj))
    return path


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_project_trains(example, tmp_path):
    out = tmp_path / "model.npz"
    code, stdout, stderr = run("train", example, "--epochs", 1, "--out", out, "--quiet")
    # The learning-rate demo may legitimately diverge; it still keeps finite weights.
    assert code == 0 or "diverged" in stderr, stderr
    if code == 0:
        assert "weights written to" in stdout
        wf = load_weights(out)
        assert all(np.all(np.isfinite(a)) for a in wf.arrays.values())
        assert wf.meta["epoch"] == 1


def test_check_prints_the_layer_table(tmp_path):
    code, out, err = run("check", ROOT / "resources" / "examples" / "digits.json")
    assert code == 0, err
    assert "(None, 128)" in out and "(None, 10)" in out
    assert f"{64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10:,}" in out
    assert "multiclass" in out and "1797" in out


def test_check_reports_an_output_mismatch_with_its_fix(tmp_path):
    path = write_project(tmp_path, model={"layers": [{"type": "dense", "units": 3, "activation": "sigmoid"}]})
    code, out, err = run("check", path)
    assert code == 1
    assert "model.layers[0].units" in err and "3 units" in err


def test_train_writes_history_and_a_summary(tmp_path, monkeypatch):
    project = write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("train", project, "--history", tmp_path / "h.csv")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [l.split()[1] for l in lines[:5]] == [f"{i}/5" for i in range(1, 6)]  # one line per epoch (no terminal)
    assert "finished after 5 epochs" in out
    rows = list(csv.DictReader(open(tmp_path / "h.csv")))
    assert len(rows) == 5 and [r["epoch"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(rows[0])
    assert (tmp_path / "tiny.weights.npz").exists()  # the default output is in the current folder


def test_seed_and_epochs_options_are_reproducible(tmp_path):
    project = write_project(tmp_path)
    for name in ("a", "b"):
        assert run("train", project, "--seed", 7, "--epochs", 3, "--out", tmp_path / f"{name}.npz")[0] == 0
    a, b = load_weights(tmp_path / "a.npz"), load_weights(tmp_path / "b.npz")
    assert all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays)
    assert a.meta["epoch"] == 3


def test_predict_classification_and_regression(tmp_path):
    project = write_project(tmp_path)
    assert run("train", project, "--out", tmp_path / "m.npz")[0] == 0
    X = np.array([[2.0, 2.0], [-2.0, -2.0], [2.5, 1.5]])
    np.savez(tmp_path / "x.npz", X=X)
    code, out, err = run("predict", tmp_path / "m.npz", tmp_path / "x.npz")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["class", "p_-1", "p_+1"]
    assert [r[0] for r in rows[1:]] == ["+1", "-1", "+1"]
    for r in rows[1:]:
        assert float(r[1]) + float(r[2]) == pytest.approx(1.0, abs=1e-5)
    # The same from a CSV with a header, to a file.
    (tmp_path / "x.csv").write_text("x1,x2\n2,2\n-2,-2\n")
    code, out, err = run("predict", tmp_path / "m.npz", tmp_path / "x.csv", "--out", tmp_path / "p.csv")
    assert code == 0 and "2 predictions" in out
    assert (tmp_path / "p.csv").read_text().splitlines()[1].startswith("+1,")
    # Regression: one column per output.
    reg = write_project(tmp_path, data={"source": "builtin", "name": "reg-multi", "samples": 200},
                        model={"layers": [{"type": "dense", "units": 8, "activation": "tanh"},
                                          {"type": "dense", "units": 2}]},
                        training__loss="mse")
    assert run("train", reg, "--out", tmp_path / "r.npz")[0] == 0
    code, out, err = run("predict", tmp_path / "r.npz", tmp_path / "x.npz")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["wave", "bowl"] and len(rows) == 4


def test_resume_from_a_checkpoint_equals_an_uninterrupted_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # the default --out goes to the current folder
    project = write_project(tmp_path, training__epochs=6,
                            training__schedule={"name": "step", "step_size": 2, "gamma": 0.5})
    assert run("train", project, "--out", tmp_path / "whole.npz")[0] == 0
    assert run("train", project, "--epochs", 2, "--checkpoint", "--out", tmp_path / "part.npz")[0] == 0
    code, out, err = run("train", project, "--resume", tmp_path / "part.npz", "--out", tmp_path / "resumed.npz")
    assert code == 0, err
    whole, resumed = load_weights(tmp_path / "whole.npz"), load_weights(tmp_path / "resumed.npz")
    assert resumed.meta["epoch"] == 6
    for key in whole.arrays:
        assert np.array_equal(whole.arrays[key], resumed.arrays[key]), key
    # A plain weights file is not a checkpoint.
    code, _, err = run("train", project, "--resume", tmp_path / "whole.npz")
    assert_one_line_error(code, err, "--checkpoint")


def test_init_weights_starts_from_given_weights(tmp_path):
    project = write_project(tmp_path)
    assert run("train", project, "--out", tmp_path / "a.npz")[0] == 0
    code, out, err = run("train", project, "--init-weights", tmp_path / "a.npz", "--epochs", 1, "--out",
                         tmp_path / "b.npz")
    assert code == 0, err
    first_loss = float(out.split("loss ")[1].split()[0])
    fresh = run("train", project, "--epochs", 1, "--out", tmp_path / "c.npz")[1]
    assert first_loss < float(fresh.split("loss ")[1].split()[0])


@pytest.mark.parametrize("content,needle", [
    ("{not json", "malformed or truncated JSON at line 1"),
    ('{"format": "layerlab/1", "data": {"source": "builtin", "name": "xor"}, "model": {"layers": '
     '[{"type": "dense", "units": -3}]}}', "model.layers[0].units must be a positive integer, got -3"),
    ('{"format": "layerlab/1", "data": {"source": "builtin", "name": "xor"}, "model": {"layers": '
     '[{"type": "dense", "units": 1}]}, "training": {"optimzer": "adam"}}', "did you mean 'optimizer'"),
    ('{"format": "layerlab/2"}', "format"),
    ('{"format": "layerlab/1", "data": {"source": "csv", "path": "nope.csv"}, "model": {"layers": '
     '[{"type": "dense", "units": 1}]}}', "nope.csv"),
])
def test_bad_projects_give_one_clear_line(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    for command in ("check", "train"):
        code, out, err = run(command, path)
        assert_one_line_error(code, err, needle)


def test_missing_files_and_bad_arguments(tmp_path):
    assert_one_line_error(*run("train", tmp_path / "none.json")[::2], "does not exist")
    project = write_project(tmp_path)
    assert_one_line_error(*run("train", project, "--out", tmp_path / "no" / "m.npz")[::2], "does not exist")
    assert_one_line_error(*run("train", project, "--epochs", 0)[::2], "--epochs")
    code, _, err = run("train", project, "--epochs", "many")
    assert_one_line_error(code, err, "invalid int value")
    assert_one_line_error(*run("frobnicate")[::2], "invalid choice")
    assert_one_line_error(*run("predict", tmp_path / "none.npz", tmp_path / "x.csv")[::2], "does not exist")


def test_pickled_and_broken_files_are_refused(tmp_path):
    project = write_project(tmp_path)
    assert run("train", project, "--out", tmp_path / "m.npz")[0] == 0
    # A pickle disguised as a weights file, and an .npz holding an object array: never unpickled.
    marker = tmp_path / "pwned"
    (tmp_path / "evil.npz").write_bytes(pickle.dumps({"layers.0.weight": np.zeros(3)}))
    np.savez(tmp_path / "objects.npz", X=np.array([object()], dtype=object))
    assert_one_line_error(*run("predict", tmp_path / "evil.npz", tmp_path / "objects.npz")[::2], "evil.npz")
    np.savez(tmp_path / "x.npz", X=np.zeros((2, 2)))
    assert_one_line_error(*run("predict", tmp_path / "m.npz", tmp_path / "objects.npz")[::2], "objects.npz")
    assert not marker.exists()
    # A truncated weights file.
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    assert_one_line_error(*run("predict", tmp_path / "cut.npz", tmp_path / "x.npz")[::2], "cut.npz")
    # Inputs of the wrong width.
    np.savez(tmp_path / "wide.npz", X=np.zeros((2, 5)))
    assert_one_line_error(*run("predict", tmp_path / "m.npz", tmp_path / "wide.npz")[::2])


def test_failed_writes_never_clobber_the_existing_file(tmp_path, monkeypatch):
    project = write_project(tmp_path)
    target = tmp_path / "m.npz"
    target.write_bytes(b"precious")

    def broken_savez(handle, **arrays):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", broken_savez)
    code, out, err = run("train", project, "--out", target)
    assert_one_line_error(code, err, "No space left on device")
    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "tiny.json"]


def test_divergence_exits_non_zero_and_keeps_good_weights(tmp_path):
    project = write_project(tmp_path, training__optimizer={"name": "sgd", "lr": 1e30},
                            model={"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                                              {"type": "dense", "units": 8, "activation": "relu"},
                                              {"type": "dense", "units": 1, "activation": "sigmoid"}]})
    code, out, err = run("train", project, "--out", tmp_path / "m.npz")
    assert code == 1 and "diverged" in err and "Traceback" not in err
    assert "kept the last good weights" in err
    wf = load_weights(tmp_path / "m.npz")
    assert all(np.all(np.isfinite(a)) for a in wf.arrays.values())


def test_main_dispatches_commands_without_qt(tmp_path):
    import main

    project = write_project(tmp_path)
    assert main.main(["check", str(project)]) == 0


@pytest.mark.parametrize("content,message", [
    ('{"format": "layerlab/2"}', "error: bad.json: \"format\" must be 'layerlab/1', got 'layerlab/2'"),
    ("[1, 2]", 'error: bad.json: the project must be a JSON object (with "format": "layerlab/1"), got a list'),
    ('"spiral"', 'error: bad.json: the project must be a JSON object (with "format": "layerlab/1"), got a string'),
])
def test_project_errors_name_the_file_once_and_the_place(tmp_path, content, message):
    (tmp_path / "bad.json").write_text(content)
    for command in ("check", "train"):
        code, out, err = run(command, tmp_path / "bad.json")
        assert_one_line_error(code, err)
        assert err.strip() == message


def test_every_command_is_a_module_of_the_cli_package_listed_once():
    """A command is its module (HELP, add_arguments, run) plus its line in COMMANDS; `layerlab --help` lists each."""
    from core.cli import COMMANDS, command

    package = ROOT / "core" / "cli"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "common"}
    assert sorted(name.replace("-", "_") for name in COMMANDS) == sorted(modules)    # lr-find is lr_find.py
    code, out, _ = run("--help")
    for name in COMMANDS:
        module = command(name)
        assert callable(module.run) and callable(module.add_arguments)
        assert re.search(rf"^ +{name}\s", out, re.M) and " ".join(module.HELP.split()) in " ".join(out.split())
