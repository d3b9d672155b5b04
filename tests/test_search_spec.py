"""The search spec: parsing, every error named by its place, trial projects (depth included), grids, refinement;
and that importing the search package (or the app) loads neither Optuna nor Dask."""
import json
import math
import subprocess
import sys

import pytest

from core.errors import SpecError
from core.project import parse_project
from core.search import HIDDEN_LAYERS, parse_search, trial_object
from core.search.space import base_object, candidates, decode, distributions, encode, narrow, space_params
from core.search.spec import ParamSpec, spaced
from search_support import TINY, tiny_project

FULL = {
    "method": "bayesian", "seed": 3, "trials": 40, "timeout_s": 600, "metric": "val_accuracy",
    "direction": "maximize",
    "params": {
        "training.optimizer.lr": {"log_uniform": [1e-4, 1e-1]},
        "training.batch_size": {"choice": [8, 16, 32]},
        "model.layers[0].units": {"int": [4, 64], "log": True},
        "model.layers[0].activation": {"choice": ["relu", "tanh", "elu"]},
        HIDDEN_LAYERS: {"int": [1, 4]},
    },
    "pruning": "median", "folds": 3, "refine": {"rounds": 2, "keep": 0.25}, "workers": 2,
    "scheduler": "tcp://127.0.0.1:8786",
}


def test_a_full_spec_round_trips_and_is_checked_against_the_project():
    spec = parse_search(FULL, project=tiny_project())
    assert spec.method == "bayesian" and spec.trials == 40 and spec.folds == 3 and spec.workers == 2
    assert spec.refine_rounds == 2 and spec.refine_keep == 0.25 and spec.scheduler == "tcp://127.0.0.1:8786"
    assert spec.param("model.layers[0].units").log and spec.param("training.optimizer.lr").log
    assert parse_search(spec.to_dict()) == spec
    assert json.loads(json.dumps(spec.to_dict())) == FULL


def test_defaults():
    spec = parse_search({"params": {"training.optimizer.lr": {"uniform": [0.001, 0.1]}}})
    assert (spec.method, spec.pruning, spec.direction, spec.workers, spec.scheduler, spec.folds) == \
        ("random", "none", "auto", "auto", None, None)
    assert spec.trials_per_round == 20
    grid = parse_search({"method": "grid", "params": {"training.batch_size": {"choice": [8, 16]},
                                                      "training.seed": {"int": [0, 2]}}})
    assert grid.grid_size() == 6 and grid.trials_per_round == 6


@pytest.mark.parametrize("params, message", [
    ({"training.optimizer.lrr": {"log_uniform": [1e-4, 1e-1]}},
     r"search\.params\['training\.optimizer\.lrr'\]: .*unknown argument 'lrr' .*did you mean 'lr'"),
    ({"model.layers[5].units": {"int": [4, 8]}},
     r"search\.params\['model\.layers\[5\]\.units'\].*does not exist"),
    ({"model.layers[0].activation": {"choice": ["relu", "nope"]}},
     r"search\.params\['model\.layers\[0\]\.activation'\]: the value 'nope' would be refused"),
    ({"training.batch_size": {"uniform": [8, 64]}},
     r"search\.params\['training\.batch_size'\].*must be an integer"),
    ({"training.optimizer.lr": {"uniform": [-1.0, 0.1]}},
     r"search\.params\['training\.optimizer\.lr'\]: the value -1\.0 would be refused"),
])
def test_values_the_project_would_refuse_are_named_before_any_trial(params, message):
    with pytest.raises(SpecError, match=message):
        parse_search({"params": params}, project=tiny_project())


@pytest.mark.parametrize("obj, message", [
    ({"params": {}}, r"search\.params is empty"),
    ({"params": {"training.optimizer.lr": {"uniform": [0.1, 0.1]}}},
     r"search\.params\['training\.optimizer\.lr'\]\.uniform must have low < high, got \[0\.1, 0\.1\]"),
    ({"params": {"model.layers[0].units": {"int": [64, 4]}}}, r"\.int must have low < high, got \[64, 4\]"),
    ({"params": {"training.optimizer.lr": {"log_uniform": [0, 0.1]}}},
     r"search\.params\['training\.optimizer\.lr'\] is on a log scale, so both bounds must be > 0"),
    ({"params": {"model.layers[0].units": {"int": [0, 8], "log": True}}}, r"log scale, so both bounds must be > 0"),
    ({"params": {"training.batch_size": {"choice": []}}}, r"\.choice must be a non-empty list"),
    ({"params": {"training.batch_size": {"choice": [8, 8]}}}, r"\.choice lists 8 twice"),
    ({"params": {"training.batch_size": {"choice": [8], "uniform": [1, 2]}}}, r"needs exactly one of"),
    ({"params": {"training..lr": {"uniform": [0, 1]}}}, r"search\.params\['training\.\.lr'\]: .*not a setting's path"),
    ({"params": {"name": {"choice": ["a", "b"]}}}, r"only settings under data, model or training"),
    ({"method": "grid", "params": {"training.optimizer.lr": {"log_uniform": [1e-4, 1e-1]}}},
     r"continuous range: a grid needs \"steps\""),
    ({"method": "grid", "params": {"training.seed": {"int": [0, 200]}, "training.batch_size": {"int": [1, 100]}}},
     r"the grid has 20,100 combinations \(201 x 100\), more than 10,000"),
    ({"method": "anneal", "params": {"training.seed": {"int": [0, 2]}}}, r"search\.method must be one of"),
    ({"pruning": "asha", "params": {"training.seed": {"int": [0, 2]}}}, r"search\.pruning must be one of"),
    ({"trials": 0, "params": {"training.seed": {"int": [0, 2]}}}, r"search\.trials must be a positive integer"),
    ({"folds": 1, "params": {"training.seed": {"int": [0, 2]}}}, r"search\.folds must be an integer >= 2"),
    ({"workers": "many", "params": {"training.seed": {"int": [0, 2]}}}, r"search\.workers must be \"auto\""),
    ({"scheduler": "localhost", "params": {"training.seed": {"int": [0, 2]}}},
     r"search\.scheduler must be a Dask scheduler address"),
    ({"refine": {"rounds": 1, "keep": 1.5}, "params": {"training.seed": {"int": [0, 2]}}},
     r"search\.refine\.keep must be < 1"),
    ({"trails": 4, "params": {"training.seed": {"int": [0, 2]}}}, r"search\.trails is not a known key.*'trials'"),
    ({"params": {HIDDEN_LAYERS: {"uniform": [1, 3]}}}, r"the number of hidden layers takes \"int\""),
])
def test_bad_sections_are_refused_with_their_place(obj, message):
    with pytest.raises(SpecError, match=message):
        parse_search(obj)


def test_depth_repeats_the_first_hidden_block_and_takes_its_searched_settings():
    obj = dict(TINY, model={"layers": [
        {"type": "gaussian_noise", "stddev": 0.1},
        {"type": "dense", "units": 6, "activation": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 9, "activation": "tanh"},
        {"type": "dense", "units": 1, "activation": "sigmoid"}]})
    project = parse_project(obj)
    out = trial_object(base_object(project), {"model.layers[1].units": 32, HIDDEN_LAYERS: 3})
    layers = out["model"]["layers"]
    assert [layer["type"] for layer in layers] == ["gaussian_noise"] + ["dense", "dropout"] * 3 + ["dense"]
    assert [layer["units"] for layer in layers if layer["type"] == "dense"] == [32, 32, 32, 1]
    assert trial_object(base_object(project), {HIDDEN_LAYERS: 0})["model"]["layers"] == [obj["model"]["layers"][0],
                                                                                       obj["model"]["layers"][-1]]
    parse_project(out)
    with pytest.raises(SpecError, match=r"model\.layers\[3\] is replaced when model\.hidden_layers is searched"):
        parse_search({"params": {HIDDEN_LAYERS: {"int": [1, 3]}, "model.layers[3].units": {"int": [2, 8]}}},
                     project=project)
    single = parse_project(dict(TINY, model={"layers": [{"type": "dense", "units": 1, "activation": "sigmoid"}]}))
    with pytest.raises(SpecError, match=r"search\.params\['model\.hidden_layers'\]: .*only its output layer"):
        parse_search({"params": {HIDDEN_LAYERS: {"int": [1, 3]}}}, project=single)


def test_grid_values_are_spaced_evenly_on_their_scale():
    lr = ParamSpec("training.optimizer.lr", "log_uniform", low=1e-4, high=1e-1, log=True, steps=4)
    assert lr.grid_values() == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert ParamSpec("x", "uniform", low=0.0, high=0.5, steps=3).grid_values() == [0.0, 0.25, 0.5]
    assert ParamSpec("u", "int", low=4, high=64, log=True, steps=5).grid_values() == [4, 8, 16, 32, 64]
    assert ParamSpec("s", "int", low=1, high=4).grid_values() == [1, 2, 3, 4]
    assert spaced(2.0, 8.0, 1, True) == [2.0]


def test_a_range_is_checked_at_its_ends_and_at_a_point_between_that_is_not_whole():
    values = candidates(ParamSpec("x", "uniform", low=8.0, high=64.0))
    assert values[0] == 8.0 and values[-1] == 64.0 and not float(values[1]).is_integer()
    assert candidates(ParamSpec("u", "int", low=4, high=64, log=True)) == [4, 64]


def test_choices_of_objects_go_to_optuna_as_indices_and_come_back_as_objects():
    spec = parse_search({"params": {"training.optimizer": {"choice": [{"name": "adam", "lr": 0.01},
                                                                      {"name": "sgd", "lr": 0.1}]}}},
                        project=tiny_project())
    dist = distributions(spec.params)["training.optimizer"]
    assert list(dist.choices) == [0, 1]
    assert decode(spec.params, {"training.optimizer": 1}) == {"training.optimizer": {"name": "sgd", "lr": 0.1}}
    assert encode(spec.params, {"training.optimizer": {"name": "sgd", "lr": 0.1}}) == {"training.optimizer": 1}


def test_a_refining_round_searches_the_span_of_the_best_trials():
    lr = ParamSpec("lr", "log_uniform", low=1e-5, high=1e-1, log=True)
    units = ParamSpec("units", "int", low=4, high=64)
    act = ParamSpec("act", "choice", choices=("relu", "tanh", "elu"))
    best = [{"lr": 1e-3, "units": 20, "act": "tanh"}, {"lr": 4e-3, "units": 30, "act": "relu"}]
    new_lr, new_units, new_act = narrow((lr, units, act), best, 0.25)
    # the best span (1e-3 to 4e-3) is narrower than a quarter of the four decades: widened evenly to a quarter
    assert new_lr.low < 1e-3 and new_lr.high > 4e-3
    assert math.log(new_lr.high / new_lr.low) == pytest.approx(0.25 * math.log(1e4))
    assert math.sqrt(new_lr.low * new_lr.high) == pytest.approx(math.sqrt(1e-3 * 4e-3))
    assert (new_units.low, new_units.high) == (17, 33) and new_units.kind == "int"   # 25 +- 7.5, rounded out
    wide = narrow((units,), [{"units": 5}, {"units": 60}], 0.25)[0]
    assert (wide.low, wide.high) == (5, 60)
    assert new_act.choices == ("relu", "tanh")
    edge = narrow((lr,), [{"lr": 1e-5}], 0.25)[0]          # at an end: the quarter stays inside the range
    assert edge.low == pytest.approx(1e-5) and math.log(edge.high / edge.low) == pytest.approx(math.log(10))
    assert space_params({p.path: p.to_dict() for p in (new_lr, new_units, new_act)}) == (new_lr, new_units, new_act)


def test_importing_the_search_package_or_the_app_loads_neither_optuna_nor_dask():
    code = ("import sys, importlib\n"
            "mods = ['core.search', 'core.search.engine', 'core.search.trial', 'main']\n"
            "try:\n    import PySide6  # noqa\n    mods.append('gui.main_window')\nexcept ImportError:\n    pass\n"
            "for m in mods:\n    importlib.import_module(m)\n"
            "heavy = sorted({n.split('.')[0] for n in sys.modules} & {'optuna', 'dask', 'distributed', 'sqlalchemy'})\n"
            "print(','.join(heavy) or 'none')\n")
    from pathlib import Path
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1], env={**__import__("os").environ,
                                                                      "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "none"
