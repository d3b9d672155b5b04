"""Speed of the core's bookkeeping that runs beside training: live histories, dataset generation, metrics.

    python benchmarks/bench_core_ops.py [--repeats 5]

Each figure is the median of `--repeats` runs (a budget in brackets: what the app relies on):
- 1,000,000 appends to a `DecimatingSeries` of capacity 4096 (a 100,000-step run appends 10 series per step)
  [3 s];
- generating every built-in toy dataset at its largest size, 50,000 points [0.5 s each, so the data panel's
  preview follows a slider];
- `evaluate` on 10,000 rows and 10 classes, without and with the ROC/PR curves (every epoch's metrics, and the
  views at the end of a run) [0.1 s and 0.15 s].
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.bounded_series import DecimatingSeries  # noqa: E402
from core.data import builtin_datasets, load_dataset  # noqa: E402
from core.metrics import evaluate  # noqa: E402


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def appends() -> None:
    s = DecimatingSeries(capacity=4096)
    for i in range(1_000_000):
        s.append(i, 1.0)


def classification_problem(n: int = 10_000, k: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.standard_normal((n, k))
    logits[np.arange(n), y] += 1.2
    p = np.exp(logits)
    return y, (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    r = args.repeats

    print(f"1,000,000 DecimatingSeries appends: {timed(appends, r):.2f} s [3 s]")
    for info in builtin_datasets():
        if info.generated:
            seconds = timed(lambda: load_dataset({"source": "builtin", "name": info.name, "samples": 50_000,
                                                  "noise": 0.2}), r)
            print(f"generate {info.name} at 50,000 points: {1000 * seconds:.0f} ms [500 ms]")
    y, p = classification_problem()
    for curves, budget in ((False, 100), (True, 150)):
        seconds = timed(lambda: evaluate("multiclass", y, p, 10, curves=curves), r)
        print(f"evaluate 10,000 rows x 10 classes, curves {'on' if curves else 'off'}: {1000 * seconds:.1f} ms "
              f"[{budget} ms]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
