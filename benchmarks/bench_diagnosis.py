"""What the diagnosis costs: one `diagnose` call (with all its probes, and as the app's live diagnosis makes it,
with the probe of the initial network reused), one copy of a run, one learning-rate range test, and the training
throughput lost to the live diagnosis (a copy of the run at an epoch boundary at most once a second, diagnosed on
another thread while training goes on, as gui/diagnosis/advisor.py does).

    python benchmarks/bench_diagnosis.py [--seconds 4] [--repeats 3] [--examples spiral,digits,...]

Throughput is optimizer steps per second of `Trainer.run` over a fixed wall time, with and without the live
diagnosis, in alternating runs (the median of each side is reported), so machine load drifts into both alike. On a
loaded machine wall-time throughput swings by tens of percent between runs, so two figures that load does not blur
come with it: the training thread's steps per second of its own CPU time (off and on), and the CPU time the
diagnosis thread took as a share of the wall time (what it can take from training: the two share one interpreter).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from core.diagnosis import diagnose  # noqa: E402
from core.diagnosis.live import RunCopier, copy_run  # noqa: E402
from core.diagnosis.probe import probe_initial  # noqa: E402
from core.events import EpochEnd  # noqa: E402
from core.lr_finder import find_lr  # noqa: E402
from core.model_io import build_network, load_data  # noqa: E402
from core.project import load_project  # noqa: E402
from core.trainer import Trainer  # noqa: E402

EXAMPLES = HERE.parent / "resources" / "examples"
DEFAULT = ("spiral", "dying_relu", "vanishing_gradients_sigmoid", "overfitting", "digits")


def median_time(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def throughput(project, data, seconds: float, live: bool) -> tuple[float, float, int, float]:
    """Steps per second over `seconds`, steps per second of the training thread's CPU time, how many diagnoses ran
    meanwhile, and the CPU time they took as a share of the wall time (the diagnosis thread's own clock)."""
    long = project.with_changes(training=project.training.with_changes(epochs=10_000_000))
    trainer = Trainer(build_network(long, data.input_width), data, long.training)
    copier, pool, done, cpu = RunCopier(), ThreadPoolExecutor(1), [0], [0.0]
    busy = threading.Event()
    initial = probe_initial(long, data)

    def run_diagnosis(copy):
        start_cpu = time.thread_time()
        try:
            diagnose(long, copy.history, network=copy.network, data=data, initial_probe=initial)
            done[0] += 1
        finally:
            cpu[0] += time.thread_time() - start_cpu
            busy.clear()

    start, start_cpu = time.perf_counter(), time.thread_time()
    for event in trainer.run():
        if live and isinstance(event, EpochEnd) and not busy.is_set():
            copy = copier.take_if_due(trainer)
            if copy is not None:
                busy.set()
                pool.submit(run_diagnosis, copy)
        if time.perf_counter() - start > seconds:
            trainer.stop()
    elapsed, train_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
    pool.shutdown(wait=True)
    return trainer.step / elapsed, trainer.step / train_cpu, done[0], cpu[0] / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="wall time of each throughput run")
    parser.add_argument("--repeats", type=int, default=3, help="throughput run pairs per example")
    parser.add_argument("--examples", default=",".join(DEFAULT))
    args = parser.parse_args()
    print(f"{'example':30s} {'diagnose':>9s} {'live':>8s} {'copy':>8s} {'lr-find':>8s} {'steps/s off':>12s} "
          f"{'on':>9s} {'overhead':>9s} {'CPU-s off':>10s} {'on':>9s} {'overhead':>9s} {'diagnoses':>9s} "
          f"{'CPU share':>9s}")
    for name in args.examples.split(","):
        project = load_project(EXAMPLES / f"{name}.json")
        data = load_data(project)
        trainer = Trainer(build_network(project, data.input_width), data, project.training)
        trainer.fit(min(project.training.epochs, 30))
        diag = median_time(lambda: diagnose(project, trainer.history, network=trainer.network, data=data), 5)
        initial = probe_initial(project, data)
        live = median_time(lambda: diagnose(project, trainer.history, network=trainer.network, data=data,
                                            initial_probe=initial), 5)
        copy = median_time(lambda: copy_run(trainer), 50)
        finder = median_time(lambda: find_lr(project, data), 3)
        off, on, cpu_off, cpu_on, counts, shares = [], [], [], [], [], []
        for _ in range(args.repeats):
            rate, per_cpu, _, _ = throughput(project, data, args.seconds, live=False)
            off.append(rate)
            cpu_off.append(per_cpu)
            rate, per_cpu, count, share = throughput(project, data, args.seconds, live=True)
            on.append(rate)
            cpu_on.append(per_cpu)
            counts.append(count)
            shares.append(share)
        a, b = statistics.median(off), statistics.median(on)
        c, d = statistics.median(cpu_off), statistics.median(cpu_on)
        print(f"{name:30s} {diag * 1e3:7.1f}ms {live * 1e3:6.1f}ms {copy * 1e6:6.0f}us {finder:7.2f}s "
              f"{a:12,.0f} {b:9,.0f} {100 * (a - b) / a:8.1f}% {c:10,.0f} {d:9,.0f} {100 * (c - d) / c:8.1f}% "
              f"{statistics.median(counts):9.0f} "
              f"{100 * statistics.median(shares):8.2f}%", flush=True)


if __name__ == "__main__":
    main()
