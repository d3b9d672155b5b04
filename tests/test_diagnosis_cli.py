"""The diagnosis outside the app: `training.target_error`, the copies a live diagnosis reads, `layerlab diagnose`,
`layerlab lr-find` and the short diagnosis at the end of `layerlab train`."""
import json
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.diagnosis import diagnose
from core.diagnosis.live import RunCopier, copy_run
from core.errors import SpecError
from core.model_io import build_network, load_data
from core.project import parse_project
from core.trainer import Trainer

from diagnosis_support import codes, dense, make_project

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "resources" / "examples"
KEYS = {"code", "severity", "layers", "evidence", "message", "fixes"}


def write(folder: Path, project) -> Path:
    path = folder / "p.json"
    path.write_text(json.dumps(project.to_dict()))
    return path


def tiny(**training):
    return make_project([dense(8), dense(1, "sigmoid")], epochs=6,
                        data={"source": "builtin", "name": "moons", "samples": 120, "noise": 0.2,
                              "split": {"val": 0.25, "test": 0.0}, "scaling": "standard"}, **training)


# --- training.target_error -------------------------------------------------------------------------------------
def test_target_error_is_a_training_setting_that_round_trips():
    project = make_project(target_error=0.12)
    assert project.training.target_error == 0.12
    assert parse_project(project.to_dict()).training.target_error == 0.12
    assert "target_error" not in make_project().to_dict()["training"]         # unset: the task's default


@pytest.mark.parametrize("value", [-0.1, 1.5, "low"])
def test_a_bad_target_error_names_its_place(value):
    with pytest.raises(SpecError, match=r"training\.target_error"):
        make_project(target_error=value)


def test_diagnose_measures_bias_against_the_projects_target_error():
    history = {"loss": [0.3] * 10, "accuracy": [0.9] * 10, "val_accuracy": [0.9] * 10}
    assert "high_bias" in codes(diagnose(make_project(), history, probe=False))
    assert codes(diagnose(make_project(target_error=0.09), history, probe=False)) == ["good_fit"]
    # An explicit argument still wins over the project's setting.
    assert "high_bias" in codes(diagnose(make_project(target_error=0.09), history, probe=False, target_error=0.0))


# --- copies for a live diagnosis -------------------------------------------------------------------------------
def test_a_run_copy_is_independent_of_the_trainer_it_was_taken_from():
    project = tiny()
    data = load_data(project)
    trainer = Trainer(build_network(project, data.input_width), data, project.training)
    trainer.fit(2)
    copy = copy_run(trainer)
    assert (copy.epoch, copy.step, copy.history) == (2, trainer.step, trainer.history)
    params = copy.network.params.copy()
    trainer.fit(2)
    assert len(copy.history["loss"]) == 2 and len(trainer.history["loss"]) == 4
    np.testing.assert_array_equal(copy.network.params, params)
    assert not np.array_equal(trainer.network.params, params)


def test_copies_are_taken_at_most_once_per_interval():
    now = [0.0]
    copier = RunCopier(interval=1.0, clock=lambda: now[0])
    project = tiny()
    data = load_data(project)
    trainer = Trainer(build_network(project, data.input_width), data, project.training)
    taken = []
    for t in (0.0, 0.4, 0.99, 1.0, 1.5, 2.2):
        now[0] = t
        taken.append(copier.take_if_due(trainer) is not None)
    assert taken == [True, False, False, True, False, True]


# --- layerlab diagnose -----------------------------------------------------------------------------------------
def test_diagnose_trains_and_prints_findings_as_json():
    code, out, err = run("diagnose", EXAMPLES / "dying_relu.json", "--json")
    assert code == 0, err
    findings = json.loads(out)
    assert all(KEYS <= set(f) for f in findings)
    top = findings[0]
    assert (top["code"], top["severity"], top["layers"]) == ("dead_units", "problem", [1])
    assert top["evidence"]["measured"] == "history" and top["evidence"]["dead"] == 32
    assert top["fixes"][0]["edits"] == [{"path": "training.optimizer.lr", "from": 0.5, "to": 0.05}]


def test_diagnose_prints_each_finding_with_its_evidence_and_fixes():
    code, out, err = run("diagnose", EXAMPLES / "dying_relu.json")
    assert code == 0, err
    assert "a run of 60 epochs (finished)" in out
    block = out.split("PROBLEM  dead_units  layer 1", 1)[1]
    assert "evidence: dead 32, units 32, fraction 1, threshold 0.4" in block
    assert "fix 1: Lower the learning rate from 0.5 to 0.05 (training.optimizer.lr: 0.5 -> 0.05)" in block


def test_diagnose_reads_a_trained_models_history_from_its_weights_file(tmp_path):
    project_path = write(tmp_path, tiny())
    weights = tmp_path / "m.npz"
    assert run("train", project_path, "--out", weights, "--quiet")[0] == 0
    code, out, err = run("diagnose", project_path, "--weights", weights)
    assert code == 0, err
    assert f"the model in {weights} (6 epochs of history)" in out
    code, out, err = run("diagnose", project_path, "--weights", weights, "--json")
    fit = [f for f in json.loads(out) if f["code"] in ("good_fit", "high_bias", "high_variance",
                                                       "high_bias_and_variance")]
    assert len(fit) == 1 and fit[0]["evidence"]["epochs_averaged"] == 5


def test_diagnose_refuses_weights_of_another_network(tmp_path):
    weights = tmp_path / "m.npz"
    assert run("train", write(tmp_path, tiny()), "--out", weights, "--quiet")[0] == 0
    other = tmp_path / "other"
    other.mkdir()
    bigger = make_project([dense(16), dense(1, "sigmoid")], data=tiny().data)
    code, _, err = run("diagnose", write(other, bigger), "--weights", weights)
    assert_one_line_error(code, err, str(weights), "another network")


def test_a_model_that_does_not_fit_its_task_is_diagnosed_without_training(tmp_path):
    project = make_project([dense(8), dense(2, "softmax")], loss="categorical_crossentropy",
                           data={"source": "builtin", "name": "iris", "split": {"val": 0.2, "test": 0.0}})
    code, out, err = run("diagnose", write(tmp_path, project), "--json")
    assert code == 0, err
    findings = json.loads(out)
    assert findings[0]["code"] == "output_mismatch" and findings[0]["severity"] == "problem"
    assert {"path": "model.layers[1].units", "from": 2, "to": 3} in findings[0]["fixes"][0]["edits"]


# --- layerlab train's closing diagnosis ------------------------------------------------------------------------
def test_train_ends_with_a_short_diagnosis(tmp_path):
    code, out, err = run("train", EXAMPLES / "dying_relu.json", "--out", tmp_path / "m.npz", "--quiet")
    assert code == 0, err
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("diagnosis"))
    assert any(line.startswith("weights written to") for line in lines[:start])     # the diagnosis comes last
    finding = " ".join(line.strip() for line in lines[start + 1:])
    assert lines[start + 1].startswith("  problem dead_units: Dead units: 32 of the 32 relu units of layer 1")
    assert "Fix: Lower the learning rate from 0.5 to 0.05. " in finding + " "
    assert len(lines) - start <= 7                  # a few lines, not the whole report
    assert max(map(len, lines[start:])) <= 100      # wrapped like a terminal's width


def test_a_diverged_run_is_diagnosed_as_a_learning_rate_too_high(tmp_path):
    project = tiny(optimizer={"name": "sgd", "lr": 1e6})
    code, out, err = run("train", write(tmp_path, project), "--out", tmp_path / "m.npz")
    assert code != 0 and "diverged" in err
    assert "  problem lr_too_high: The learning rate (1e+06) looks too high: the run diverged" in out


def test_a_good_run_says_so_in_one_line(tmp_path):
    code, out, _ = run("train", EXAMPLES / "iris.json", "--out", tmp_path / "m.npz", "--quiet")
    assert code == 0
    assert out.splitlines()[-1].startswith("diagnosis: Good fit: training error")


# --- layerlab lr-find ------------------------------------------------------------------------------------------
def test_lr_find_prints_the_curve_as_json_and_plots_it(tmp_path):
    plot = tmp_path / "lr.png"
    project_path = write(tmp_path, tiny())
    code, out, err = run("lr-find", project_path, "--json", "--plot", plot)
    assert code == 0, err
    lines = out.splitlines()
    result = json.loads(lines[0])
    assert {"suggestion", "lrs", "losses"} <= set(result)
    assert result["lrs"][0] == pytest.approx(1e-7) and len(result["lrs"]) == len(result["losses"])
    assert result["lrs"][0] <= result["suggestion"] <= result["lrs"][-1]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and lines[-1] == f"plot written to {plot}"
    code, out, _ = run("lr-find", project_path)
    assert code == 0 and out.startswith(f"suggested learning rate: {result['suggestion']:.3g} (valley")


def test_lr_find_checks_its_plot_path_and_the_model_first(tmp_path):
    project_path = write(tmp_path, tiny())
    code, _, err = run("lr-find", project_path, "--plot", tmp_path / "missing" / "lr.png")
    assert_one_line_error(code, err, "--plot", "does not exist")
    bad = make_project([dense(8), dense(2, "softmax")], loss="categorical_crossentropy",
                       data={"source": "builtin", "name": "iris", "split": {"val": 0.2, "test": 0.0}})
    code, _, err = run("lr-find", write(tmp_path, bad))
    assert_one_line_error(code, err, "model.layers[1].units")


# --- the reference -------------------------------------------------------------------------------------------
def test_the_reference_lists_every_code_and_every_threshold_with_its_value():
    import re

    from core.diagnosis import CODES
    from core.diagnosis import thresholds as T

    text = (ROOT / "docs" / "diagnosis.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"| `{code}` |" not in text] == []
    documented = {name: float(value) for name, value in re.findall(r"`([A-Z0-9_]+)` = ([0-9.e+-]+)", text)}
    constants = {name: value for name, value in vars(T).items()
                 if name.isupper() and isinstance(value, (int, float)) and not isinstance(value, bool)}
    assert sorted(set(constants) - set(documented)) == []
    assert {name: documented[name] for name in constants} == pytest.approx(constants)
