"""The search section inside a project (saved, loaded, refused with its place), *Use best* as a project edit, and
the progress a CLI bar or the app's status bar shows."""
import copy
import json

import pytest

from core.errors import SpecError
from core.project import load_project, parse_project, save_project
from core.search import SearchFinished, SearchStarted, TrialFinished, TrialResult, TrialStarted, with_params
from core.search.progress import SearchProgress, format_seconds, importance_of
from core.search.spec import parse_section
from search_support import TINY

SECTION = {"method": "random", "trials": 6, "workers": 2,
           "params": {"training.optimizer.lr": {"log_uniform": [0.001, 0.1]},
                      "model.layers[0].units": {"int": [2, 12], "log": True}}}


def with_section(section) -> dict:
    obj = copy.deepcopy(TINY)
    obj["search"] = section
    return obj


def test_a_project_keeps_its_search_section_through_save_and_load(tmp_path):
    project = parse_project(with_section(SECTION))
    assert project.search.trials == 6 and project.search.paths == ("training.optimizer.lr", "model.layers[0].units")
    assert project.search.param("model.layers[0].units").log
    path = tmp_path / "p.json"
    save_project(project, path)
    assert json.loads(path.read_text())["search"] == SECTION | {"method": "random"}
    assert load_project(path).search == project.search
    assert "search" not in parse_project(copy.deepcopy(TINY)).to_dict()        # absent stays absent


@pytest.mark.parametrize("section, message", [
    ({"params": {}}, "search.params is empty"),
    ({"params": {"training.optimizer.lr": {"log_uniform": [0, 1]}}}, "search.params['training.optimizer.lr'] is on a "
                                                                     "log scale"),
    ({"params": {"training.lr": {"uniform": [2, 1]}}}, "must have low < high"),
    ({"params": {"training.epochs": {"int": [1, 3]}}, "method": "annealing"}, "search.method"),
    ({"params": {"training.epochs": {"int": [1, 3]}}, "wokers": 2}, "wokers"),
])
def test_a_bad_section_is_refused_with_its_place_when_the_project_loads(tmp_path, section, message):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(with_section(section)))
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert message in str(info.value) and str(info.value).startswith("p.json: ")


def test_with_params_applies_a_trials_values_and_keeps_the_search():
    project = parse_project(with_section(SECTION))
    best = with_params(project, {"training.optimizer.lr": 0.005, "model.layers[0].units": 9})
    assert best.training.optimizer["lr"] == 0.005 and best.layers[0]["units"] == 9
    assert best.search == project.search and best.data == project.data and best.name == project.name
    deeper = with_params(project, {"model.hidden_layers": 3})
    assert [layer["type"] for layer in deeper.layers] == ["dense"] * 4
    with pytest.raises(SpecError, match=r"model\.layers\[0\]\.units"):
        with_params(project, {"model.layers[0].units": -2})


def trial(number, value, state="complete", **params):
    return TrialResult(number, params or {"training.optimizer.lr": 0.01}, state, value)


def test_progress_counts_trials_and_estimates_the_time_left():
    now = [100.0]
    progress = SearchProgress("val_loss", clock=lambda: now[0])
    progress.update(SearchStarted(10, 2, 2, "tcp://127.0.0.1:1", True, 1, "s", 1.5))
    assert progress.fraction == pytest.approx(0.2) and progress.eta() is None
    progress.update(TrialStarted(2, 0, {}, "w", "h"))
    progress.update(TrialStarted(3, 0, {}, "w", "h"))
    assert progress.line() == "2/10 trials · 2 running"
    now[0] = 104.0
    best = trial(2, 0.25)
    progress.update(TrialFinished(best, best, 3, 10))
    progress.update(TrialFinished(trial(3, None, "pruned"), best, 4, 10))
    # 2 trials in 4 s of this run: 6 left take 12 s more
    assert progress.eta() == pytest.approx(12.0)
    assert progress.line() == "4/10 trials · 1 pruned · best val_loss 0.25 (#2) · 0:12 left"
    assert format_seconds(3725) == "1:02:05" and format_seconds(None) == "–"


def test_importance_of_the_trials_so_far_uses_the_specs_space():
    spec = parse_section({"params": {"training.optimizer.lr": {"log_uniform": [1e-4, 1e-1]},
                                     "training.batch_size": {"choice": [8, 16]}}})
    trials = [TrialResult(i, {"training.optimizer.lr": 10 ** (-4 + 3 * i / 9), "training.batch_size": (8, 16)[i % 2]},
                          "complete", float(i)) for i in range(10)]
    shares = importance_of(spec, trials, "minimize")
    assert set(shares) == {"training.optimizer.lr", "training.batch_size"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["training.optimizer.lr"] > shares["training.batch_size"]     # the value follows lr only
    assert importance_of(spec, trials[:1] + [TrialResult(5, {}, "failed", None)], "minimize") == {}


def test_search_finished_ends_the_estimate():
    progress = SearchProgress()
    progress.update(SearchStarted(2, 0, 1, "a", True, 1, "s", 0.1))
    result = type("R", (), {"best": None})()
    progress.update(SearchFinished(result))
    assert progress.ended and progress.eta() is None
