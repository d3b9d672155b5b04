"""Step-time benchmark of the optimizers on flat float32 vectors, and of the subnormal flush.

    python -m core.optimizers.bench            # all optimizers at three network sizes, then the subnormal runs
    python -m core.optimizers.bench --quick    # Adam only, shorter subnormal runs

Sizes are the parameter counts of a 2-8-8-1 (97), a 64-128-64-10 (17,226) and a 784-256-256-10 (269,322) dense
network. Times are the best of several repeats (microseconds per step), so background load inflates them less.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from .base import get_optimizer

SIZES = {"2-8-8-1": 97, "64-128-64-10": 17_226, "784-256-256-10": 269_322}
CONFIGS = ["sgd", {"name": "sgd", "momentum": 0.9}, "adagrad", "rmsprop", "adadelta", "adam",
           {"name": "adam", "amsgrad": True}, "adamw", "adamax", "nadam"]


def step_time(optimizer, params: np.ndarray, grads: list[np.ndarray], steps: int, repeats: int = 5) -> float:
    """Best-of-`repeats` mean time of one step in microseconds, cycling through `grads`."""
    best = float("inf")
    cycle = len(grads)
    for _ in range(repeats):
        start = time.perf_counter()
        for k in range(steps):
            optimizer.step(params, grads[k % cycle])
        best = min(best, (time.perf_counter() - start) / steps)
    return best * 1e6


def sizes_table(configs, rng: np.random.Generator) -> None:
    print(f"{'optimizer':<22}" + "".join(f"{f'{label} ({n:,})':>26}" for label, n in SIZES.items()))
    for config in configs:
        row = []
        for n in SIZES.values():
            opt = get_optimizer(config)
            opt.build(n, np.float32)
            params = rng.standard_normal(n).astype(np.float32)
            grads = [rng.standard_normal(n).astype(np.float32) * 1e-2 for _ in range(4)]
            steps = max(20, min(20_000, 4_000_000 // n))
            step_time(opt, params, grads, 50, repeats=1)  # warm up
            row.append(step_time(opt, params, grads, steps))
        name = config if isinstance(config, str) else ", ".join(f"{v}" for v in config.values())
        print(f"{name:<22}" + "".join(f"{t:>23.1f} us" for t in row))


def dying_units(n: int, steps: int, flush_every: int, rng: np.random.Generator):
    """Adam on `n` float32 parameters run for `steps` steps; after step 10 half of the gradient entries are exactly
    zero (dead units). Returns (optimizer, params, the four gradient vectors it cycles through)."""
    opt = get_optimizer("adam")
    opt.flush_every = flush_every
    opt.build(n, np.float32)
    params = rng.standard_normal(n).astype(np.float32)
    live = [rng.standard_normal(n).astype(np.float32) for _ in range(4)]
    dying = [g.copy() for g in live]
    for g in dying:
        g[: n // 2] = 0.0
    for g in live * 3:
        opt.step(params, g)
    while opt.step_count < steps:
        opt.step(params, dying[opt.step_count % 4])
    return opt, params, dying


def subnormal_report(n: int, steps: int, rng: np.random.Generator) -> None:
    """Median step times of a fresh Adam and of Adams after `steps` steps with and without the flush, measured in
    interleaved windows so that background load affects all three alike."""
    every = get_optimizer("adam").flush_every
    runs = {"fresh start (step 12)": dying_units(n, 12, every, rng),
            f"after {steps:,} steps, flush every {every}": dying_units(n, steps, every, rng),
            f"after {steps:,} steps, no flush": dying_units(n, steps, 0, rng)}
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(15):
        for label, (opt, params, grads) in runs.items():
            start = time.perf_counter()
            for k in range(16):
                opt.step(params, grads[k % 4])
            times[label].append((time.perf_counter() - start) / 16 * 1e6)
    tiny = np.finfo(np.float32).tiny
    fresh = float(np.median(times["fresh start (step 12)"]))
    for label, (opt, _, _) in runs.items():
        median = float(np.median(times[label]))
        count = sum(int(np.count_nonzero((np.abs(x) < tiny) & (x != 0))) for x in opt.state.values())
        print(f"  {label:<36} {median:8.1f} us/step ({median / fresh:.2f}x), subnormal state entries: {count:,}")
    opt = runs[f"after {steps:,} steps, flush every {every}"][0]
    start = time.perf_counter()
    for _ in range(20):
        opt.flush_subnormals()
    flush = (time.perf_counter() - start) / 20 * 1e6
    print(f"  one flush_subnormals() of that state: {flush:.1f} us ({flush / every:.1f} us per step amortised)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Adam only, 2,000-step subnormal runs")
    parser.add_argument("--only", choices=("sizes", "subnormal"), help="run one part only")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"NumPy {np.__version__}; microseconds per optimizer step on float32 flat vectors")
    if args.only != "subnormal":
        sizes_table(["adam"] if args.quick else CONFIGS, rng)
    if args.only == "sizes":
        return 0

    n, steps = 300_000, 2_000 if args.quick else 5_000
    print(f"\nAdam, {n:,} float32 parameters, half of the gradients exactly zero after step 10:")
    subnormal_report(n, steps, rng)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
