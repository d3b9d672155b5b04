"""What remembering runs costs: the recorder's share of training time on the spiral and digits examples (target:
at most 1% of throughput), and the time to open a store of 1,000 runs and get the Runs table's data (target:
under 300 ms).

    python benchmarks/bench_run_store.py [--repeats 5] [--runs 1000]

Recording overhead is measured two ways. Directly: the time spent inside the recorder (every event it sees, its
once-a-second writes, creating and finishing the run), as a share of the run's training time; this is robust to a
busy machine. And as throughput: the same run trained with and without the recorder, alternately, median
samples/s of each (noisy on a shared machine; the direct share is the figure to trust).
The table's data is: open the store, list every run, and find the settings that differ between them.
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from core.events import BatchEnd, Finished, TrainingStarted  # noqa: E402
from core.model_io import build_network, load_data  # noqa: E402
from core.project import load_project, parse_project  # noqa: E402
from core.runs import RunRecorder, RunStore  # noqa: E402
from core.trainer import Trainer  # noqa: E402

EXAMPLES = ("spiral", "digits")


def train_once(project, prepared, store: RunStore | None) -> dict:
    """One training run; with a store, recorded, timing every call into the recorder."""
    trainer = Trainer(build_network(project, prepared.input_width), prepared, project.training)
    recorder = RunRecorder(store, project) if store is not None else None
    state = {"in_loop": 0.0, "fixed": 0.0, "samples": 0}
    clock = time.perf_counter

    def listener(event) -> None:
        if isinstance(event, BatchEnd):
            state["samples"] = event.step * trainer.batch_size
        if recorder is not None:
            start = clock()
            recorder(event)
            spent = clock() - start
            # Creating and finishing the run happen before and after the batch loop: a fixed cost, not throughput.
            state["fixed" if isinstance(event, (TrainingStarted, Finished)) else "in_loop"] += spent

    start = clock()
    end = trainer.fit(listener=listener)
    wall = clock() - start
    assert isinstance(end, Finished), end
    if recorder is not None:
        assert recorder.status == "finished" and recorder.warning is None, recorder.warning
    return {"wall": wall, "train": end.elapsed, "samples_per_second": state["samples"] / end.elapsed,
            "in_loop": state["in_loop"], "fixed": state["fixed"], "epochs": end.epochs}


def recording_overhead(name: str, repeats: int, folder: Path) -> None:
    project = load_project(ROOT / "resources" / "examples" / f"{name}.json")
    prepared = load_data(project)
    store = RunStore(folder / f"{name}.sqlite")
    train_once(project, prepared, None)                       # warm-up (imports, caches)
    plain, recorded = [], []
    for _ in range(repeats):
        plain.append(train_once(project, prepared, None))
        recorded.append(train_once(project, prepared, store))
    share = statistics.median(r["in_loop"] / r["train"] for r in recorded)
    per_epoch = statistics.median(r["in_loop"] / r["epochs"] for r in recorded)
    fixed = statistics.median(r["fixed"] for r in recorded)
    whole = statistics.median((r["in_loop"] + r["fixed"]) / r["wall"] for r in recorded)
    a = statistics.median(r["samples_per_second"] for r in plain)
    b = statistics.median(r["samples_per_second"] for r in recorded)
    run = recorded[-1]
    print(f"{name:8s} {run['epochs']:4d} epochs in {run['wall']:.2f} s: recording while training takes "
          f"{100 * share:.2f}% of training time ({1e6 * per_epoch:.0f} us per epoch, writes included); creating and "
          f"finishing the run {1000 * fixed:.1f} ms ({100 * whole:.2f}% of the whole run with them); throughput "
          f"{a:,.0f} -> {b:,.0f} samples/s ({b / a - 1:+.1%}, medians of {repeats} alternated runs)", flush=True)
    store.close()


def big_store(path: Path, runs: int) -> None:
    """`runs` finished runs of the spiral example with varied settings and 200 epochs of 20 keys each."""
    base = json.loads((ROOT / "resources" / "examples" / "spiral.json").read_text())
    keys = ["loss", "accuracy", "precision", "recall", "f1", "specificity", "mcc", "auc", "val_loss",
            "val_accuracy", "val_precision", "val_recall", "val_f1", "val_specificity", "val_mcc", "val_auc", "lr",
            "layers.0.dead", "layers.1.dead", "layers.0.grad_norm"]
    with RunStore(path) as store:
        for i in range(runs):
            obj = copy.deepcopy(base)
            obj["training"]["optimizer"]["lr"] = [0.1, 0.03, 0.01, 0.003, 0.001][i % 5]
            obj["model"]["layers"][0]["units"] = [4, 8, 16, 32][i % 4]
            obj["training"]["seed"] = i % 7
            project = parse_project(obj)
            run = store.create_run(project, tags=["bench"] if i % 3 == 0 else ())
            values = [1.0 / (e + 1) for e in range(200)]
            store.finish_run(run, "finished", chunks={k: [(0, values)] for k in keys}, epochs=200,
                             final={k: values[-1] for k in keys}, best={k: (values[-1], 199) for k in keys})


def listing(runs: int, repeats: int, folder: Path) -> None:
    path = folder / "thousand.sqlite"
    start = time.perf_counter()
    big_store(path, runs)
    built = time.perf_counter() - start
    times, parts = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        store = RunStore(path)
        t1 = time.perf_counter()
        listed = store.list_runs()
        t2 = time.perf_counter()
        differing = store.differing_settings(listed)
        t3 = time.perf_counter()
        store.close()
        times.append(t3 - t0)
        parts.append((t1 - t0, t2 - t1, t3 - t2))
    best = min(range(repeats), key=lambda i: times[i])
    median = statistics.median(times)
    o, li, d = parts[best]
    with RunStore(path) as store:
        ids = [r.id for r in store.list_runs(limit=3)]
        t0 = time.perf_counter()
        store.get_runs(ids)
        compare = time.perf_counter() - t0
    size = path.stat().st_size / 1e6
    print(f"{runs} runs ({size:.1f} MB, built in {built:.1f} s): table data in {1000 * median:.0f} ms median "
          f"(best {1000 * times[best]:.0f} ms: open {1000 * o:.0f} + list {1000 * li:.0f} + differing settings "
          f"{1000 * d:.0f}; {len(listed)} rows, {len(differing)} differing columns); 3 runs with history for "
          f"Compare in {1000 * compare:.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--only", choices=("overhead", "listing"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.only != "listing":
            for name in EXAMPLES:
                recording_overhead(name, args.repeats, Path(folder))
        if args.only != "overhead":
            listing(args.runs, args.repeats, Path(folder))


if __name__ == "__main__":
    main()
