"""`layerlab search`: a tiny project's search on a local Dask cluster, its table and importance, --json, --best-out,
--resume to a larger count, Ctrl+C as Cancel, and bad specs or flags as one line on stderr."""
import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import assert_one_line_error, run
from core.project import load_project
from core.runs import RunStore
from search_support import TINY

pytestmark = pytest.mark.slow
SECTION = {"method": "random", "seed": 3, "trials": 3, "workers": 2,
           "params": {"training.optimizer.lr": {"log_uniform": [0.001, 0.1]},
                      "model.layers[0].units": {"int": [2, 12]}}}


def write_project(folder, section=SECTION, name="tiny.json"):
    obj = copy.deepcopy(TINY)
    if section is not None:
        obj["search"] = section
    path = folder / name
    path.write_text(json.dumps(obj))
    return path


def test_search_prints_the_best_trials_and_importance_and_writes_the_best_project(tmp_path):
    project = write_project(tmp_path)
    best_out = tmp_path / "out" / "best.json"
    best_out.parent.mkdir()
    code, out, err = run("search", project, "--best-out", best_out)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("search 1: 3 trials on a local cluster, 2 at once")
    assert sum(line.startswith("trial ") and " complete val_loss " in line for line in lines) == 3
    assert any(line.startswith("search 1 finished: 3 trials (3 complete); val_loss is minimised") for line in lines)
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "val_loss"])
    rows = [line.split() for line in lines[header + 1:header + 4]]
    values = [float(row[1]) for row in rows]
    assert values == sorted(values)                             # best first
    assert "importance (share of the value's variance):" in out
    assert f"best settings written to {best_out}" in out
    best = load_project(best_out)
    store = RunStore()
    run_id = int(rows[0][2])
    recorded = store.get_run(run_id).project
    assert best.training.optimizer["lr"] == recorded["training"]["optimizer"]["lr"]
    assert best.layers[0]["units"] == recorded["model"]["layers"][0]["units"] == int(rows[0][5])
    assert best.search is None and best.data == load_project(project).data


def test_json_and_resume_continue_the_same_search_to_the_requested_count(tmp_path):
    project = write_project(tmp_path)
    code, out, err = run("search", project, "--json", "--trials", "2")
    assert code == 0, err
    first = json.loads(out)
    assert set(first) >= {"best", "trials", "importance"}
    assert set(first["best"]) >= {"params", "value", "run"}
    assert [t["number"] for t in first["trials"]] == [0, 1]
    for t in first["trials"]:
        assert set(t) >= {"number", "params", "state", "value", "run"} and t["state"] == "complete"
    code, out, err = run("search", project, "--json", "--trials", "4", "--resume")
    assert code == 0, err
    resumed = json.loads(out)
    assert resumed["group"] == first["group"]                    # the same search, continued
    assert [t["number"] for t in resumed["trials"]] == [0, 1, 2, 3]
    assert resumed["trials"][:2] == first["trials"]              # finished trials kept as they were
    assert len(RunStore().get_group(first["group"]).runs) == 4


def test_bad_specs_and_flags_are_one_line(tmp_path):
    bad = write_project(tmp_path, {**SECTION, "params": {"model.layers[0].units": {"int": [0, 4]}}}, "bad.json")
    assert_one_line_error(*run("search", bad)[::2], "search.params['model.layers[0].units']", "would be refused")
    empty = write_project(tmp_path, None, "none.json")
    assert_one_line_error(*run("search", empty)[::2], "no search section")
    ok = write_project(tmp_path)
    assert_one_line_error(*run("search", ok, "--trials", "0")[::2], "--trials must be between 1")
    assert_one_line_error(*run("search", ok, "--scheduler", "localhost")[::2], "--scheduler must be a Dask scheduler")
    assert_one_line_error(*run("search", ok, "--resume", "abc")[::2], "--resume takes a search id")
    assert_one_line_error(*run("search", ok, "--storage", "not a url")[::2], "--storage must be a database URL")
    assert_one_line_error(*run("search", ok, "--best-out", tmp_path / "missing" / "b.json")[::2], "--best-out",
                          "does not exist")
    assert_one_line_error(*run("search", ok, "--resume", "99")[::2], "there is no search 99")
    assert_one_line_error(*run("search", tmp_path / "nope.json")[::2], "does not exist")


def test_ctrl_c_cancels_the_search_and_keeps_it_resumable(tmp_path):
    """Ctrl+C in a terminal reaches the whole process group: the workers must ignore it and the search cancel."""
    project = write_project(tmp_path, {**SECTION, "trials": 4})
    obj = json.loads(project.read_text())
    obj["training"]["epochs"] = 100_000                       # trials far longer than the test
    project.write_text(json.dumps(obj))
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, str(root / "main.py"), "search", str(project)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, start_new_session=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("search 1: 4 trials on a local cluster"), first + proc.stderr.read()
        store = RunStore()
        deadline = time.monotonic() + 60
        while not store.list_runs(status="running") and time.monotonic() < deadline:
            time.sleep(0.2)                                    # the workers are training
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "cancelling: running trials stop, finished ones are kept" in err and "Traceback" not in err, err
    assert "search 1 stopped" in out and "its worker died" not in out
    runs = store.list_runs()
    assert runs and all(r.status == "stopped" for r in runs)


def test_cv_with_workers_trains_the_folds_on_a_local_cluster_with_the_results_of_one_after_another(tmp_path):
    path = write_project(tmp_path, section=None)
    store = tmp_path / "runs.sqlite"
    code, out, err = run("cv", path, "--folds", "3", "--json", "--runs", store)
    assert code == 0, err
    alone = json.loads(out)
    code, out, err = run("cv", path, "--folds", "3", "--json", "--workers", "2", "--runs", store)
    assert code == 0, err
    together = json.loads(out)
    assert "3 stratified folds" in err and "2 folds at once on a local cluster" in err
    assert sorted(err.count(f"fold {i}/3:") for i in (1, 2, 3)) == [1, 1, 1]
    assert together["status"] == "finished" and len(together["folds"]) == 3
    for a, b in zip(alone["folds"], together["folds"]):
        assert a["fold"] == b["fold"] and a["val_rows"] == b["val_rows"] and a["status"] == b["status"]
        assert b["metrics"]["val_loss"] == pytest.approx(a["metrics"]["val_loss"], rel=1e-6)
    assert together["mean"]["val_loss"] == pytest.approx(alone["mean"]["val_loss"], rel=1e-6)
    group = RunStore(store).get_group(together["group"])
    assert group.kind == "cv" and group.status == "finished"
    runs = {r.group_index: r for r in group.runs}
    assert sorted(runs) == [0, 1, 2] and all(r.pid != os.getpid() for r in runs.values())
    assert [runs[f["fold"]].id for f in together["folds"]] == [f["run"] for f in together["folds"]]


def test_cv_workers_out_of_range_is_one_line(tmp_path):
    code, out, err = run("cv", write_project(tmp_path, section=None), "--workers", "0")
    assert code != 0 and out == ""
    assert_one_line_error(err, "--workers must be between 1 and")


def test_best_out_never_replaces_the_project_it_searches(tmp_path):
    project = write_project(tmp_path)
    before = project.read_bytes()
    code, out, err = run("search", project, "--best-out", tmp_path / "." / project.name)
    assert code != 0 and out == ""
    assert_one_line_error(err, "the project file")
    assert project.read_bytes() == before
