"""The `experiment` section: validated with its place, round-tripped, expanded into projects by parameter path;
the measures read from a run; `layerlab experiment` prints each effect's numbers per variant."""
import copy
import json

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.errors import SpecError
from core.experiments import RunResult, expand, measure, variant_project
from core.project import parse_project

BASE = {
    "format": "layerlab/1", "name": "tiny",
    "data": {"source": "builtin", "name": "gauss", "samples": 80, "noise": 0.1, "split": {"val": 0.25, "test": 0.0}},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "relu"},
                         {"type": "dense", "units": 1, "activation": "sigmoid"}]},
    "training": {"loss": "binary_crossentropy", "optimizer": {"name": "sgd", "lr": 0.1}, "batch_size": 20,
                 "epochs": 3},
    "experiment": {
        "seeds": [4, 5], "watch": ["Loss"],
        "variants": [{"name": "relu"}, {"name": "tanh", "edits": {"model.layers[0].activation": "tanh",
                                                                   "training.optimizer.lr": 0.2}}],
        "effects": [{"measure": "last:loss", "order": ["relu", "tanh"], "direction": "decreasing", "margin": 0.0,
                     "claim": "whatever"}]},
}


def with_experiment(**changes):
    obj = copy.deepcopy(BASE)
    obj["experiment"].update(changes)
    if "variants" in changes and "effects" not in changes:
        del obj["experiment"]["effects"]
    return obj


def test_the_section_round_trips_and_expands_by_parameter_path():
    project = parse_project(copy.deepcopy(BASE))
    assert parse_project(project.to_dict()).to_dict() == project.to_dict()
    assert project.to_dict()["experiment"]["variants"][1]["edits"]["training.optimizer.lr"] == 0.2
    runs = expand(project)
    assert [(r.variant, r.seed) for r in runs] == [("relu", 4), ("relu", 5), ("tanh", 4), ("tanh", 5)]
    tanh = runs[3].project
    assert tanh.layers[0]["activation"] == "tanh" and tanh.training.optimizer["lr"] == 0.2
    assert tanh.training.seed == 5 and tanh.experiment is None
    assert runs[0].project.layers[0]["activation"] == "relu" and runs[0].project.training.optimizer["lr"] == 0.1
    assert [r.seed for r in expand(project, (0, 1, 2)) if r.variant == "relu"] == [0, 1, 2]


@pytest.mark.parametrize("changes, message", [
    ({"variants": [{"name": "only"}]}, "experiment.variants must be a list of at least two variants"),
    ({"seeds": [-1]}, "experiment.seeds[0]"),
    ({"colour": 1}, "experiment.colour is not a known key"),
    ({"variants": [{"name": "a"}, {"name": "a"}]}, "experiment.variants[1].name 'a' is used twice"),
    ({"variants": [{"name": "a"}, {"name": "b", "edits": {"optimizer.lr": 1}}]},
     "experiment.variants[1].edits: 'optimizer.lr' is not a parameter path"),
    ({"effects": [{"measure": "loudness", "order": ["relu", "tanh"]}]}, "experiment.effects[0].measure 'loudness'"),
    ({"effects": [{"measure": "val_gap", "order": ["relu", "sigmoid"]}]},
     "experiment.effects[0].order[1] 'sigmoid' is not a variant"),
    ({"effects": [{"measure": "val_gap", "order": ["relu", "tanh"], "direction": "up"}]},
     "experiment.effects[0].direction must be one of increasing, decreasing"),
])
def test_a_bad_section_names_its_place(changes, message):
    with pytest.raises(SpecError) as error:
        parse_project(with_experiment(**changes))
    assert message in str(error.value)


def test_an_edit_that_does_not_fit_the_project_names_the_variant_and_path():
    project = parse_project(with_experiment(variants=[{"name": "a"}, {"name": "b", "edits":
                                                                      {"model.layers[5].units": 3}}]))
    with pytest.raises(SpecError, match=r"experiment.variants\[1\] \('b'\): model.layers\[5\] does not exist"):
        variant_project(project, "b", 0)
    bad_value = parse_project(with_experiment(variants=[{"name": "a"}, {"name": "b", "edits":
                                                                        {"model.layers[0].units": -3}}]))
    with pytest.raises(SpecError, match=r"model.layers\[0\].units must be a positive integer"):
        expand(bad_value)


def test_measures_read_the_history_and_the_weights():
    history = {"loss": [0.9, 0.5, 0.2], "val_loss": [1.0, 0.6, 0.8], "layers.0.grad_norm": [1e-4, 1e-4, 1e-4],
               "layers.2.grad_norm": [0.1, 0.1, 0.1], "layers.0.dead": [1, 3, 2], "layers.1.saturation": [0.1, 0.4,
                                                                                                          0.3]}
    kernels = {0: np.array([[0.0, 0.0005], [0.3, -2.0]]), 1: np.array([[0.0], [0.0]]), 2: np.array([[1.0]])}
    r = RunResult(history, kernels, "finished")
    assert measure("grad_ratio", r) == pytest.approx(1e-3)
    assert measure("dead_units", r) == 2
    assert measure("hidden_saturation", r) == pytest.approx(0.4)
    assert measure("zero_weights", r) == pytest.approx(3 / 6)
    assert measure("near_zero_weights", r) == pytest.approx(4 / 6)
    assert measure("weight_norm", r) == pytest.approx(np.sqrt(0.0005 ** 2 + 0.3 ** 2 + 4.0))
    assert measure("val_gap", r) == pytest.approx(0.6)
    assert measure("val_rise", r) == pytest.approx(0.2)
    assert measure("min:val_loss", r) == 0.6 and measure("last:loss", r) == 0.2
    assert np.isnan(measure("last:val_accuracy", r)) and measure("diverged", r) == 0.0
    assert np.isnan(measure("val_confidence", r))
    assert measure("val_confidence", RunResult(history, kernels, "diverged", None, 0.8)) == 0.8
    assert measure("diverged", RunResult(history, kernels, "diverged")) == 1.0
    assert measure("finding:dead_units", RunResult(history, kernels, "finished", findings=("dead_units",))) == 1.0
    assert measure("finding:dead_units", r) == 0.0
    assert measure("final:val_loss", r) == 0.8
    assert measure("final:val_loss", RunResult(history, kernels, "early_stopped", best_epoch=1)) == 0.6
    with pytest.raises(SpecError, match="'nope' is not a measure"):
        measure("nope", r)


def test_the_cli_prints_each_effect_per_variant(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps(BASE))
    code, out, err = run("experiment", path, "--seeds", "2", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["seeds"] == [0, 1] and len(report["statuses"]) == 4
    effect = report["effects"][0]
    relu, tanh = effect["variants"]["relu"], effect["variants"]["tanh"]
    assert len(relu["seeds"]) == 2 and relu["mean"] == pytest.approx(np.mean(relu["seeds"]))
    assert effect["holds"] == (tanh["mean"] <= relu["mean"])
    code, out, err = run("experiment", path, "--seeds", "1", "--plot", tmp_path / "overlay.png")
    assert code == 0, err
    assert (tmp_path / "overlay.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = run("experiment", path, "--variant", "tanh")
    assert code == 0, err
    assert "tiny: 2 runs, seeds 4, 5" in out and "not judged" in out and "tanh seed 5: finished" in err


def test_the_cli_refuses_a_project_without_an_experiment(tmp_path):
    path = tmp_path / "plain.json"
    obj = copy.deepcopy(BASE)
    del obj["experiment"]
    path.write_text(json.dumps(obj))
    assert_one_line_error(*run("experiment", path)[::2], "has no \"experiment\" section")
    path.write_text(json.dumps(BASE))
    assert_one_line_error(*run("experiment", path, "--variant", "gelu")[::2], "experiment has no variant 'gelu'")


def test_in_parallel_on_the_local_cluster_the_runs_are_the_same_as_one_after_another():
    """--workers N trains on the search engine's local Dask cluster; every run is the same run as in sequence (its
    own seed), and the results come back in plan order."""
    from core.experiments import run_experiment

    project = parse_project(copy.deepcopy(BASE))
    alone = run_experiment(project)
    together = run_experiment(project, workers=2)
    assert list(together.runs) == list(alone.runs) == [("relu", 4), ("relu", 5), ("tanh", 4), ("tanh", 5)]
    for key, run in alone.runs.items():
        other = together.runs[key].history
        assert other.keys() == run.history.keys()
        assert all(np.array_equal(other[k], v, equal_nan=True) for k, v in run.history.items())
        assert all(np.array_equal(together.runs[key].kernels[i], k) for i, k in run.kernels.items())


def test_recorded_in_the_run_store_named_by_variant_and_seed(tmp_path):
    from core.experiments import run_experiment
    from core.runs import RunStore

    result = run_experiment(parse_project(copy.deepcopy(BASE)), store=tmp_path / "runs.sqlite")
    assert sorted(result.run_ids) == sorted(result.runs)
    store = RunStore(tmp_path / "runs.sqlite")
    runs = store.get_runs(sorted(result.run_ids.values()))
    assert sorted(r.name for r in runs) == ["tiny: relu (seed 4)", "tiny: relu (seed 5)", "tiny: tanh (seed 4)",
                                            "tiny: tanh (seed 5)"]
    assert all("experiment" in r.tags and r.status == "finished" for r in runs)
    tanh = next(r for r in runs if r.name == "tiny: tanh (seed 5)")
    assert tanh.project["model"]["layers"][0]["activation"] == "tanh"
    store.close()
