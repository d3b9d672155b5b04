"""The run store on the command line: `train` records its run (or not, or warns and trains on when the store cannot
be used), `runs list|show|compare|delete` with their `--json` forms, and `cv` with sklearn's folds, numpy's mean and
std, its folds grouped in the store and one-line errors for bad settings."""
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from cli_support import assert_one_line_error, run
from core.data import load_dataset, prepare
from core.project import load_project
from core.runs import ENV_VAR, RunStore
from test_cli_train import history_rows, project_file


def store_file() -> Path:
    return Path(os.environ[ENV_VAR])


def train(folder, *args, **training):
    """`layerlab train` of a small project in `folder`: (exit code, stdout, stderr, the run's id or None)."""
    project = project_file(folder, f"p{len(list(folder.glob('p*.json')))}.json", **training)
    code, out, err = run("train", project, "--out", folder / f"{project.stem}.npz", *args)
    ids = [int(line.split()[1]) for line in out.splitlines() if line.startswith("run ") and " recorded in " in line]
    return code, out, err, (ids[0] if ids else None)


# --- train records -------------------------------------------------------------------------------------------------
def test_train_records_its_run_with_the_trainers_history_bit_for_bit(tmp_path):
    code, out, err, run_id = train(tmp_path, "--history", tmp_path / "h.csv")
    assert code == 0, err
    assert f"recorded in {store_file()}" in out
    with RunStore() as store:
        recorded = store.get_run(run_id)
    assert recorded.status == "finished" and recorded.epochs == 5
    assert Path(recorded.weights_path) == (tmp_path / "p0.npz").resolve()
    assert json.loads(recorded.project_json)["training"]["epochs"] == 5
    rows = history_rows(tmp_path / "h.csv")
    for key in rows[0]:
        if key != "epoch":
            np.testing.assert_array_equal(recorded.history[key], [float(r[key]) for r in rows], err_msg=key)


def test_no_record_records_nothing_and_a_bad_store_is_one_warning(tmp_path):
    code, out, err, run_id = train(tmp_path, "--no-record")
    assert code == 0 and run_id is None and not store_file().exists()
    foreign = tmp_path / "notes.sqlite"
    foreign.write_text("my notes, not a database\n")
    code, out, err, run_id = train(tmp_path, "--runs", foreign)
    assert code == 0 and run_id is None, err
    assert (tmp_path / "p1.npz").exists()
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "not a LayerLab run store" in warnings[0], err
    assert foreign.read_text() == "my notes, not a database\n"


def test_a_paused_run_is_recorded_paused(tmp_path):
    code, out, err, run_id = train(tmp_path, "--stop-after", "2")
    assert code == 0 and "(paused)" in out
    with RunStore() as store:
        assert store.get_run(run_id).status == "paused"


# --- runs list / show / compare / delete ----------------------------------------------------------------------------
@pytest.fixture
def three_runs(tmp_path):
    ids = [train(tmp_path, optimizer={"name": "adam", "lr": lr})[3] for lr in (0.1, 0.01, 0.001)]
    assert None not in ids
    return ids


def test_runs_list_table_and_json(three_runs):
    code, out, err = run("runs", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "STATUS", "STARTED"]
    assert [int(line.split()[0]) for line in lines[2:]] == three_runs[::-1]       # newest first
    code, out, err = run("runs", "list", "--json", "--limit", "2")
    listed = json.loads(out)
    assert [r["id"] for r in listed] == three_runs[:0:-1]
    for entry in listed:
        assert {"id", "name", "status", "started", "finished", "project", "final", "best"} <= set(entry)
        assert entry["status"] == "finished" and entry["project"] == "tiny"
        assert entry["best"]["val_loss"] <= entry["final"]["val_loss"]
    assert json.loads(run("runs", "list", "--json", "--status", "diverged")[1]) == []


def test_runs_show_json_has_the_history(three_runs):
    code, out, err = run("runs", "show", three_runs[0], "--json")
    assert code == 0, err
    shown = json.loads(out)
    with RunStore() as store:
        history = store.get_run(three_runs[0]).history
    assert shown["history"] == {k: [None if math.isnan(x) else x for x in v] for k, v in history.items()}  # nan: null
    assert len(shown["history"]["loss"]) == 5 and shown["project_json"]["training"]["optimizer"]["lr"] == 0.1
    code, out, err = run("runs", "show", three_runs[0])
    assert "training.optimizer.lr" in out and "final and best values:" in out and "history (" in out


def test_runs_compare_names_what_differs_and_plots(three_runs, tmp_path):
    code, out, err = run("runs", "compare", *three_runs, "--json", "--plot", tmp_path / "cmp.png")
    assert code == 0, err
    compared = json.loads(out)
    assert compared["differences"] == {"training.optimizer.lr": [0.1, 0.01, 0.001]}
    with RunStore() as store:
        finals = [store.get_run(i).final["val_loss"] for i in three_runs]
    assert compared["final"]["val_loss"] == finals
    assert (tmp_path / "cmp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = run("runs", "compare", *three_runs[:2])
    assert "settings that differ:" in out and "training.optimizer.lr" in out
    assert_one_line_error(*run("runs", "compare", three_runs[0])[::2], "at least two")
    assert_one_line_error(*run("runs", "compare", *three_runs, "--plot", tmp_path / "c.gif")[::2], "--plot")


def test_runs_delete_asks_for_existing_ids_and_keeps_weights_unless_told(three_runs, tmp_path):
    code, out, err = run("runs", "delete", three_runs[0], 999)
    assert_one_line_error(code, err, "no run 999", "nothing deleted")
    code, out, err = run("runs", "delete", three_runs[0])
    assert code == 0 and "kept 1 weights file" in out
    assert (tmp_path / "p0.npz").exists()
    code, out, err = run("runs", "delete", three_runs[1], "--delete-weights")
    assert code == 0 and not (tmp_path / "p1.npz").exists()
    listed = json.loads(run("runs", "list", "--json")[1])
    assert [r["id"] for r in listed] == [three_runs[2]]
    assert_one_line_error(*run("runs", "show", three_runs[0])[::2], f"no run {three_runs[0]}")


def test_reading_a_store_that_is_not_there_creates_nothing(tmp_path):
    missing = tmp_path / "none.sqlite"
    code, out, err = run("runs", "list", "--runs", missing)
    assert code == 0 and "no runs recorded yet" in out and not missing.exists()
    assert run("runs", "list", "--json", "--runs", missing)[1].strip() == "[]"
    assert_one_line_error(*run("runs", "show", "3", "--runs", missing)[::2], "no run store")


# --- cv -------------------------------------------------------------------------------------------------------------
IRIS = {"source": "builtin", "name": "iris", "split": {"val": 0.2, "test": 0.2}}
IRIS_LAYERS = [{"type": "dense", "units": 6, "activation": "relu"},
               {"type": "dense", "units": 3, "activation": "softmax"}]


def test_cv_json_folds_are_sklearns_and_mean_std_are_numpys(tmp_path):
    path = project_file(tmp_path, data=IRIS, layers=IRIS_LAYERS, loss="categorical_crossentropy", epochs=3,
                        seed=5)
    code, out, err = run("cv", path, "--folds", "3", "--json")
    assert code == 0, err
    result = json.loads(out)
    project = load_project(path)
    dataset = load_dataset(project.data, project.base_dir)
    prepared = prepare(dataset, project.data)
    rows = np.sort(np.concatenate([prepared.train.rows, prepared.val.rows]))
    expected = [rows[v].tolist() for _, v in StratifiedKFold(3, shuffle=True, random_state=5).split(
        np.zeros(len(rows)), dataset.y[rows])]
    assert [f["val_indices"] for f in result["folds"]] == expected
    assert [f["fold"] for f in result["folds"]] == [0, 1, 2]
    assert result["test_rows_held_out"] == len(prepared.test.rows)
    for key in ("val_loss", "val_accuracy"):
        values = [f["metrics"][key] for f in result["folds"]]
        assert result["mean"][key] == pytest.approx(float(np.mean(values)), rel=1e-12)
        assert result["std"][key] == pytest.approx(float(np.std(values)), rel=1e-12, abs=1e-15)
    with RunStore() as store:
        group = store.get_group(result["group"])
    assert group.kind == "cv" and [r.id for r in group.runs] == [f["run"] for f in result["folds"]]
    assert all(r.kind == "cv-fold" and r.status == "finished" for r in group.runs)
    assert "fold 3/3" in err                                     # progress on stderr, JSON alone on stdout


def test_cv_table_and_plot(tmp_path):
    path = project_file(tmp_path, epochs=2, cross_validation={"folds": 2, "shuffle": False})
    code, out, err = run("cv", path, "--no-record", "--plot", tmp_path / "cv.png")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("2 stratified folds of 200 training and validation rows")
    assert any(line.startswith("mean") for line in lines) and any(line.strip().startswith("std") for line in lines)
    assert (tmp_path / "cv.png").stat().st_size > 0 and not store_file().exists()


@pytest.mark.parametrize("args, training, needles", [
    (["--folds", "1"], {}, ["training.cross_validation.folds", ">= 2"]),
    (["--folds", "500"], {}, ["training.cross_validation.folds is 500", "only 200"]),
    ([], {"cross_validation": {"folds": 3, "stratified": True}, "loss": "mse"},
     ["training.cross_validation.stratified is true", "regression"]),
])
def test_cv_bad_settings_are_one_line_naming_the_place(tmp_path, args, training, needles):
    data = None
    layers = None
    if training.get("loss") == "mse":
        data = {"source": "builtin", "name": "linnerud", "split": {"val": 0.2, "test": 0.0}}
        layers = [{"type": "dense", "units": 4, "activation": "relu"}, {"type": "dense", "units": 3}]
    path = project_file(tmp_path, data=data, layers=layers, **training)
    code, out, err = run("cv", path, *args)
    assert_one_line_error(code, err, *needles)
    assert not store_file().exists()
