"""What the search engine costs and gains: 16 trials of the spiral example on 1 and on 2 local Dask workers
(target: a speed-up of at least 1.7x on a 2-core machine), the engine's overhead per trial, from submitting it to
having its result, less the time inside the trainer (target: under 50 ms), and the time to start a local cluster
(target: under 3 s).

    python benchmarks/bench_search.py [--trials 16] [--repeats 1] [--epochs N]

Each search gets its own temporary run store and a cluster started beforehand (the speed-up compares trials, not
cluster starts). The trials are the same in both searches (a seeded random search over the learning rate). On a
machine shared with other work every figure is noisy; the speed-up especially needs two idle cores.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from core.project import load_project  # noqa: E402
from core.search import Search, parse_search  # noqa: E402
from core.search.cluster import Cluster  # noqa: E402


def start_cluster(workers: int) -> tuple[Cluster, float, float]:
    """(cluster, seconds to start it, seconds until every worker has run a first task)."""
    began = time.perf_counter()
    cluster = Cluster.start_local(workers)
    started = time.perf_counter() - began
    cluster.client.wait_for_workers(workers)
    cluster.client.run(lambda: None)
    warm = time.perf_counter() - began
    cluster.client.run(import_trial_modules)    # a worker's first trial would pay for these imports otherwise
    return cluster, started, warm


def echo(value):
    return value


def dask_floor_ms(cluster: Cluster, repeats: int = 20) -> float:
    """Median milliseconds of Dask's own round trip for a task that does nothing (submit, run, result noticed
    through a done callback, as the engine notices its trials): the part of the overhead no engine can remove."""
    import queue

    inbox: queue.Queue = queue.Queue()
    times = []
    for i in range(repeats):
        began = time.monotonic()
        future = cluster.client.submit(echo, {"number": i}, key=f"floor-{i}", pure=False)
        future.add_done_callback(lambda f: inbox.put(f.key))
        inbox.get()
        times.append(1000 * (time.monotonic() - began))
    return statistics.median(times)


def import_trial_modules() -> None:
    """On a worker: what a trial imports (the trainer, the run store, the weights writer, Optuna's pruning)."""
    import optuna  # noqa: F401

    import core.model_io  # noqa: F401
    import core.runs  # noqa: F401
    import core.search.trial  # noqa: F401
    import core.trainer  # noqa: F401


def run_search(project, trials: int, workers: int, cluster: Cluster, folder: Path) -> dict:
    spec = parse_search({"method": "random", "seed": 0, "trials": trials, "workers": workers,
                         "params": {"training.optimizer.lr": {"log_uniform": [3e-3, 3e-2]}}})
    folder.mkdir(parents=True, exist_ok=True)
    search = Search(project, spec, runs=folder / f"runs-{workers}.sqlite", cluster=cluster)
    began = time.perf_counter()
    result = search.run()
    wall = time.perf_counter() - began
    overhead = [t.duration - t.train_seconds for t in result.trials if t.train_seconds is not None]
    # where it goes: on the worker around the trainer (the project, the run record, the weights file), and between
    # the driver and the worker (Dask's submit, the result's way back, the driver noticing it)
    on_worker = [t.worker_seconds - t.train_seconds for t in result.trials if t.worker_seconds is not None]
    in_transit = [t.duration - t.worker_seconds for t in result.trials if t.worker_seconds is not None]
    train = [t.train_seconds for t in result.trials if t.train_seconds is not None]
    return {"workers": workers, "wall_s": wall, "complete": result.count("complete"),
            "train_s_median": statistics.median(train), "train_s_total": sum(train),
            "overhead_ms_median": 1000 * statistics.median(overhead),
            "overhead_ms_mean": 1000 * statistics.mean(overhead), "overhead_ms_max": 1000 * max(overhead),
            "on_worker_ms_median": 1000 * statistics.median(on_worker),
            "dask_and_driver_ms_median": 1000 * statistics.median(in_transit)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=None, help="override the spiral example's 200 epochs")
    args = parser.parse_args()
    project = load_project(ROOT / "resources" / "examples" / "spiral.json")
    if args.epochs:
        project = project.with_changes(training=project.training.with_changes(epochs=args.epochs))
    report: dict = {"trials": args.trials, "epochs": project.training.epochs, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for workers in (1, 2):
                cluster, started, warm = start_cluster(workers)
                try:
                    floor = dask_floor_ms(cluster)
                    figures = run_search(project, args.trials, workers, cluster, Path(tmp) / f"r{repeat}")
                finally:
                    cluster.close()
                figures.update(cluster_start_s=started, cluster_warm_s=warm, repeat=repeat, dask_floor_ms=floor)
                report["runs"].append(figures)
                print(json.dumps(figures), flush=True)
    walls = {w: min(r["wall_s"] for r in report["runs"] if r["workers"] == w) for w in (1, 2)}
    report["speedup"] = walls[1] / walls[2]
    report["overhead_ms_median"] = statistics.median(r["overhead_ms_median"] for r in report["runs"])
    report["cluster_start_s_max"] = max(r["cluster_start_s"] for r in report["runs"])
    parts = {key: statistics.median(r[key] for r in report["runs"])
             for key in ("on_worker_ms_median", "dask_and_driver_ms_median", "dask_floor_ms")}
    print(f"speed-up 1 -> 2 workers: {report['speedup']:.2f}x (target >= 1.7)  "
          f"engine overhead per trial: {report['overhead_ms_median']:.1f} ms median (target < 50; on the worker "
          f"{parts['on_worker_ms_median']:.1f}, Dask and driver {parts['dask_and_driver_ms_median']:.1f}; Dask's own "
          f"round trip for a task doing nothing: {parts['dask_floor_ms']:.1f})  "
          f"cluster start: {report['cluster_start_s_max']:.2f} s max (target < 3)")


if __name__ == "__main__":
    main()
