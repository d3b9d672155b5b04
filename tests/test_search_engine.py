"""The search engine on a real Dask LocalCluster (worker processes): trials chosen by Optuna, trained by the normal
trainer on the workers, recorded as runs of the search; grid, seeded random, log-uniform draws, pruning, divergence,
cancel, resume, folds, refining rounds, revalidation, and a worker killed mid-trial."""
import itertools
import math
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.model_io import load_data
from core.runs import RunStore
from core.search import (Search, SearchError, SearchStarted, TrialFinished, TrialProgress, TrialStarted, parse_search,
                         revalidate)
from core.search.cluster import Cluster
from history_support import assert_same_history
from search_support import Events, tiny_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes shared by the tests of this module (starting a cluster takes a second or two)."""
    started = Cluster.start_local(2)
    yield started
    started.close()


def search(project, params, cluster=None, resume=False, **spec):
    events = Events()
    obj = {"params": params, "workers": 2, **spec}
    return Search(project, parse_search(obj), cluster=cluster, resume=resume, on_event=events), events


def test_a_random_search_on_its_own_local_cluster_records_every_trial_as_a_run():
    project = tiny_project()
    engine, events = search(project, {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]},
                                      "model.layers[0].units": {"int": [2, 12]}}, trials=5, seed=1)
    store = engine.store
    assert str(store.path) == os.environ["LAYERLAB_RUNS"]
    result = engine.run()
    assert result.status == "finished" and len(result.trials) == 5
    assert all(t.state == "complete" for t in result.trials)
    assert all(0 < t.train_seconds < t.worker_seconds < t.duration for t in result.trials)
    started = events.of(SearchStarted)[0]
    assert started.local and started.workers == 2 and started.scheduler.startswith("tcp://127.0.0.1:")
    assert {e.number for e in events.of(TrialStarted)} == set(range(5))
    assert len({t.worker for t in result.trials}) == 2          # both worker processes trained trials
    group = store.get_group(result.group_id)
    assert group.kind == "search" and group.study == result.study and group.status == "finished"
    assert [r.group_index for r in group.runs] == [0, 1, 2, 3, 4]
    assert all(r.kind == "search-trial" and r.status == "finished" for r in group.runs)
    for trial in result.trials:
        run = store.get_run(trial.run)
        assert run.project["training"]["optimizer"]["lr"] == trial.params["training.optimizer.lr"]
        assert run.project["model"]["layers"][0]["units"] == trial.params["model.layers[0].units"]
        assert run.history["val_loss"][-1] == trial.value == trial.metrics["val_loss"]
        assert Path(run.weights_path).is_file() and run.pid not in (None, os.getpid())
    best = min(result.trials, key=lambda t: t.value)
    assert result.best == best
    out = result.to_json()
    assert out["best"] == {"params": best.params, "value": best.value, "run": best.run, "number": best.number}
    assert [t["state"] for t in out["trials"]] == ["complete"] * 5
    assert set(out["importance"]) == {"training.optimizer.lr", "model.layers[0].units"}
    assert sum(out["importance"].values()) == pytest.approx(1.0)
    assert group.summary["best"]["run"] == best.run


def test_workers_use_one_blas_thread(cluster):
    env = cluster.client.run(lambda: os.environ.get("OMP_NUM_THREADS"))
    assert set(env.values()) == {"1"} and len(env) == 2


def _thread_niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="per-thread priorities are Linux's")
def test_local_workers_train_at_a_lower_priority_than_the_driver(cluster):
    """The trials keep every core busy; the app's window (the driver's process) must still get the CPU."""
    ours = _thread_niceness()
    on_workers = cluster.client.gather([cluster.client.submit(_thread_niceness, pure=False) for _ in range(4)])
    every_thread = cluster.client.run(lambda: {os.getpriority(os.PRIO_PROCESS, int(t))
                                                for t in os.listdir("/proc/self/task")})
    assert set(on_workers) == {min(19, ours + 10)} and ours < 19
    assert all(levels == {min(19, ours + 10)} for levels in every_thread.values())


def test_a_grid_covers_every_combination_exactly_once(cluster):
    engine, events = search(tiny_project(), {"training.optimizer.lr": {"choice": [0.003, 0.03, 0.3]},
                                             "model.layers[0].units": {"int": [3, 4]}}, cluster, method="grid")
    result = engine.run()
    combos = [(t.params["training.optimizer.lr"], t.params["model.layers[0].units"]) for t in result.trials]
    assert sorted(combos) == sorted(itertools.product([0.003, 0.03, 0.3], [3, 4]))
    assert len(result.trials) == 6 and result.count("complete") == 6


def test_a_seeded_random_search_draws_the_same_trials_again(cluster):
    params = {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]},
              "model.layers[0].activation": {"choice": ["relu", "tanh", "elu"]}}
    first = search(tiny_project(), params, cluster, trials=4, seed=11)[0].run()
    again = search(tiny_project(), params, cluster, trials=4, seed=11)[0].run()
    other = search(tiny_project(), params, cluster, trials=4, seed=12)[0].run()
    assert [t.params for t in first.trials] == [t.params for t in again.trials]
    assert [t.value for t in first.trials] == [t.value for t in again.trials]       # same trials, same models
    assert [t.params for t in first.trials] != [t.params for t in other.trials]


def test_log_uniform_draws_spread_evenly_over_the_decades(cluster):
    project = tiny_project(epochs=1)
    engine, _ = search(project, {"training.optimizer.lr": {"log_uniform": [1e-5, 1e-1]}}, cluster, trials=40,
                       seed=5)
    result = engine.run()
    decades = Counter(math.floor(math.log10(t.params["training.optimizer.lr"])) for t in result.trials)
    assert set(decades) == {-5, -4, -3, -2}
    assert all(4 <= n <= 16 for n in decades.values()), decades      # 10 expected in each; uniform would give
    assert decades[-2] < 20                                          # ~36 of 40 in the top decade


def test_median_pruning_stops_hopeless_trials(cluster):
    # Half the trials cannot learn (a learning rate of 1e-7): their validation loss stays where it started. The
    # other parameter (the diagnostics budget) changes nothing trained, so the good trials are identical and can
    # never be worse than the median of the others.
    project = tiny_project(epochs=60)
    engine, events = search(project, {"training.optimizer.lr": {"choice": [0.05, 1e-7]},
                                      "training.diagnostics.budget": {"choice": [0.01, 0.02, 0.03, 0.04, 0.05]}},
                            cluster, method="grid", pruning="median", workers=1)
    result = engine.run()
    pruned = [t for t in result.trials if t.state == "pruned"]
    assert pruned and all(t.params["training.optimizer.lr"] == 1e-7 for t in pruned)
    assert all(t.state == "complete" for t in result.trials if t.params["training.optimizer.lr"] == 0.05)
    store = engine.store
    for t in pruned:
        run = store.get_run(t.run)
        assert run.status == "stopped" and run.detail.startswith("pruned at epoch") and run.epochs < 60
    assert result.best.params["training.optimizer.lr"] == 0.05


def test_a_diverging_trial_is_failed_with_its_reason_and_the_search_goes_on(cluster):
    project = tiny_project(optimizer={"name": "sgd", "lr": 0.01})
    engine, _ = search(project, {"training.optimizer.lr": {"choice": [0.01, 1e30]}}, cluster, method="grid")
    result = engine.run()
    bad = next(t for t in result.trials if t.params["training.optimizer.lr"] == 1e30)
    good = next(t for t in result.trials if t.params["training.optimizer.lr"] == 0.01)
    assert bad.state == "failed" and "diverged" in bad.detail and bad.value is None
    assert engine.store.get_run(bad.run).status == "diverged"
    assert good.state == "complete" and result.best == good and result.status == "finished"
    assert result.to_json()["trials"][0]["state"] in ("complete", "failed")


def test_cancel_stops_running_trials_and_keeps_finished_ones(cluster):
    # One long trial among short ones: cancel once two short ones are done while the long one runs.
    project = tiny_project(epochs=3)
    engine, events = search(project, {"training.epochs": {"choice": [3, 4, 5, 100_000]}}, cluster,
                            method="grid")
    long_started = threading.Event()
    events.when(TrialStarted, lambda e: e.params["training.epochs"] == 100_000, lambda e: long_started.set())

    def maybe_cancel(event):
        done = [e for e in events.of(TrialFinished) if e.trial.state == "complete"]
        if len(done) >= 2 and long_started.is_set():
            engine.cancel()
    events.when(TrialFinished, lambda e: True, maybe_cancel, once=False)
    events.when(TrialProgress, lambda e: True, maybe_cancel, once=False)
    result = engine.run()
    assert result.status == "stopped"
    long = next(t for t in result.trials if t.params["training.epochs"] == 100_000)
    assert long.state == "failed" and long.detail.startswith("cancelled")
    run = engine.store.get_run(long.run)
    assert run.status == "stopped" and 0 < run.epochs < 100_000
    complete = [t for t in result.trials if t.state == "complete"]
    assert len(complete) >= 2 and all(engine.store.get_run(t.run).status == "finished" for t in complete)
    assert engine.store.get_group(result.group_id).status == "stopped"


def test_resume_continues_to_the_requested_count_and_keeps_finished_trials(cluster):
    params = {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]}}
    first = search(tiny_project(), params, cluster, trials=3, seed=2)[0].run()
    engine, events = search(tiny_project(), params, cluster, resume=True, trials=5, seed=2)
    resumed = engine.run()
    assert events.of(SearchStarted)[0].done == 3 and events.of(TrialFinished)[-1].finished == 5
    assert resumed.group_id == first.group_id and resumed.study == first.study
    assert len(resumed.trials) == 5 and [t.number for t in resumed.trials] == [0, 1, 2, 3, 4]
    assert resumed.trials[:3] == first.trials
    assert len(engine.store.get_group(first.group_id).runs) == 5
    assert len(search(tiny_project(), params, cluster, resume=True, trials=5, seed=2)[0].run().trials) == 5
    with pytest.raises(SearchError, match="no search of this project and space to resume"):
        search(tiny_project(), {"training.optimizer.lr": {"uniform": [0.001, 0.1]}}, cluster, resume=True)[0].run()


def test_resume_runs_the_grid_points_a_cancel_left_out_exactly_once(cluster):
    params = {"training.epochs": {"choice": [2, 3, 100_000]}}

    def cancel_on_the_long_point(resume):
        engine, events = search(tiny_project(), params, cluster, resume=resume, method="grid", workers=1)
        events.when(TrialStarted, lambda e: e.params["training.epochs"] == 100_000, lambda e: engine.cancel())
        return engine.run()
    first = cancel_on_the_long_point(False)
    resumed = cancel_on_the_long_point(first.group_id)
    assert first.status == resumed.status == "stopped" and resumed.group_id == first.group_id
    complete = Counter(t.params["training.epochs"] for t in resumed.trials if t.state == "complete")
    assert complete == {2: 1, 3: 1}
    cancelled = [t for t in resumed.trials if t.params["training.epochs"] == 100_000]
    assert len(cancelled) == 2 and all(t.detail.startswith("cancelled") for t in cancelled)


def test_with_folds_a_trial_is_the_mean_of_its_folds(cluster):
    project = tiny_project()
    engine, _ = search(project, {"training.optimizer.lr": {"choice": [0.01, 0.05]}}, cluster, method="grid",
                       folds=3)
    result = engine.run()
    for trial in result.trials:
        assert trial.state == "complete" and len(trial.runs) == 3
        runs = [engine.store.get_run(r) for r in trial.runs]
        assert all(r.group_index == trial.number and r.name.endswith(f"fold {i + 1}/3") for i, r in enumerate(runs))
        assert trial.value == pytest.approx(np.mean([r.history["val_loss"][-1] for r in runs]))


def test_refining_rounds_search_a_narrower_space(cluster):
    engine, events = search(tiny_project(), {"training.optimizer.lr": {"log_uniform": [1e-5, 1e-1]}}, cluster,
                            trials=4, refine={"rounds": 1, "keep": 0.25})
    result = engine.run()
    assert [t.round for t in result.trials] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert [t.number for t in result.trials] == list(range(8))
    best = min((t for t in result.trials if t.round == 0), key=lambda t: t.value).params["training.optimizer.lr"]
    second = [t.params["training.optimizer.lr"] for t in result.trials if t.round == 1]
    # the best quarter of four trials is one trial: its round is a quarter of the four decades around it
    assert all(best / 10 <= lr <= best * 10 for lr in second)
    space = engine.store.get_group(result.group_id)
    assert space.status == "finished"


def test_revalidate_trains_on_training_and_validation_rows_and_reports_the_test_rows(tmp_path):
    project = tiny_project()
    store = RunStore(tmp_path / "runs.sqlite")
    out = revalidate(project, {"training.optimizer.lr": 0.05, "model.layers[0].units": 5}, runs=store,
                     weights_path=tmp_path / "best.npz")
    prepared = load_data(project)
    assert out.train_rows == len(prepared.train) + len(prepared.val) and out.test_rows == len(prepared.test)
    assert set(out.test) >= {"loss", "accuracy"} and out.status == "finished"
    run = store.get_run(out.run)
    assert run.kind == "run" and "revalidation" in run.tags and run.test == out.test
    assert run.project["model"]["layers"][0]["units"] == 5 and Path(out.weights).is_file()
    assert "val_loss" not in run.history


def test_a_worker_killed_mid_trial_gets_its_trial_retried(cluster):
    project = tiny_project(epochs=400)
    engine, events = search(project, {"training.seed": {"choice": [0]}}, cluster, method="grid", workers=1)
    killed = []

    def kill(event):
        pid = cluster.client.run(os.getpid, workers=[event.worker])[event.worker]
        os.kill(pid, signal.SIGKILL)
        killed.append(event.worker)
    events.when(TrialProgress, lambda e: True, lambda e: kill(next(s for s in events.of(TrialStarted))))
    result = engine.run()
    assert killed
    trial = result.trials[0]
    runs = engine.store.get_group(result.group_id).runs
    if trial.state == "complete":           # retried on another worker; the dead worker's run did not finish
        assert sorted(r.status for r in runs) in (["failed", "finished"], ["finished", "interrupted"]), runs
        assert len(runs) == 2 and trial.run == next(r.id for r in runs if r.status == "finished")
    else:
        assert trial.state == "failed" and "died" in trial.detail
    assert all(r.status != "running" for r in runs)
    deadline = time.monotonic() + 30
    while len(cluster.client.nthreads()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)                     # the nanny restarts the killed worker for the next tests


def test_a_trial_a_worker_could_not_record_is_recorded_by_the_driver_with_its_history():
    from core.search.records import record_outcome
    from core.search.space import base_object, trial_object
    from core.search.trial import TrialTask, run_trial

    project = tiny_project()
    obj = trial_object(base_object(project), {"training.optimizer.lr": 0.05})
    outcome = run_trial(TrialTask(number=7, params={"training.optimizer.lr": 0.05}, project=obj, base_dir=".",
                                  metric="val_loss"))           # outside Dask, no store: nothing recorded
    assert outcome.state == "complete" and not outcome.recorded and outcome.run_ids == ()
    assert outcome.value == outcome.history["val_loss"][-1] and outcome.epochs == 4
    store = RunStore()
    group = store.create_group("search", obj)
    (run_id,) = record_outcome(store, obj, "Moons", group, 7, outcome)
    run = store.get_run(run_id)
    assert run.kind == "search-trial" and run.group_id == group and run.group_index == 7
    assert run.status == "finished" and run.epochs == 4
    assert_same_history(run.history, outcome.history)
    assert run.best["val_loss"] == min(outcome.history["val_loss"])


def test_a_trial_the_worker_recorded_sends_back_no_history(tmp_path):
    """Its history is in the store already; sending it back would only make each trial slower."""
    from core.search.space import base_object, trial_object
    from core.search.trial import TrialTask, run_trial

    project = tiny_project()
    obj = trial_object(base_object(project), {"training.optimizer.lr": 0.05})
    store = RunStore(tmp_path / "runs.sqlite")
    group = store.create_group("search", obj)
    outcome = run_trial(TrialTask(number=3, params={"training.optimizer.lr": 0.05}, project=obj, base_dir=".",
                                  metric="val_loss", store=str(store.path), group_id=group))
    assert outcome.state == "complete" and outcome.recorded and len(outcome.run_ids) == 1
    assert outcome.history == {} and outcome.metrics["val_loss"] == outcome.value
    run = store.get_run(outcome.run_ids[0])
    assert run.status == "finished" and run.epochs == 4 and run.history["val_loss"][-1] == outcome.value


def test_a_timeout_stops_new_trials_and_the_search_ends_stopped(cluster):
    engine, events = search(tiny_project(epochs=200), {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]}},
                            cluster, trials=50, timeout_s=2)
    result = engine.run()
    assert result.status == "stopped" and 1 <= len(result.trials) < 50
    assert all(t.state == "complete" for t in result.trials)       # running trials finish; no new ones start
