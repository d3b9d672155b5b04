"""Training throughput of LayerLab's core (forward + backward + Adam step) on the three benchmark networks,
against PyTorch on the CPU when an interpreter with torch is available.

    python benchmarks/bench_training.py [--seconds 10] [--torch-python /path/to/python-with-torch]

For each network it reports samples/s of the batch loop (median over epochs; each epoch's shuffle is left out on
both sides), separately for the first fifth of the epochs (fresh start, at least three) and the last fifth (steady
state, after ReLU units have died and optimizer state has decayed: where float32 subnormals would slow arithmetic
down), with live diagnostics off and on (the app's default budget), so their overhead is visible, and each part of
that overhead measured on its own: snapshots, dead-unit tracking, the per-layer history (`layers.{i}.*` keys), the
trace. The ratios compare like with like: LayerLab's fresh start with PyTorch's, and steady state with steady state.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_nets import NETS, fresh_and_steady, make_data  # noqa: E402
from core.diagnostics import DiagnosticsSnapshot  # noqa: E402
from core.events import BatchEnd, EpochEnd  # noqa: E402
from core.layer_history import SAMPLE_EVERY  # noqa: E402
from core.network import Network  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from core.training_config import DIAGNOSTICS_BUDGET, DIAGNOSTICS_RATE  # noqa: E402
from core.training_config import parse_training  # noqa: E402
from core.training_data import TrainingData  # noqa: E402


def layerlab_run(spec, seconds: float, diagnostics: bool) -> dict:
    X, y = make_data(spec)
    task = "binary" if spec["loss"] == "bce" else "multiclass"
    data = TrainingData.from_arrays(X, y, task=task, n_classes=spec["sizes"][-1] if task == "multiclass" else 2)
    sizes = spec["sizes"]
    layers = [{"type": "dense", "units": u, "activation": spec["hidden"]} for u in sizes[1:-1]]
    layers.append({"type": "dense", "units": sizes[-1], "activation": "sigmoid" if task == "binary" else "softmax"})
    config = parse_training({
        "loss": "binary_crossentropy" if task == "binary" else "categorical_crossentropy",
        "optimizer": {"name": "adam"}, "batch_size": spec["batch"], "epochs": 10_000_000, "seed": 0,
        "diagnostics": {"budget": DIAGNOSTICS_BUDGET if diagnostics else 0.0, "max_rate": DIAGNOSTICS_RATE},
    })
    trainer = Trainer(Network(layers, sizes[0]), data, config)
    rates: list[float] = []
    state = {"last_elapsed": 0.0, "last_step": 0, "start": time.perf_counter(), "snap_cost": 0.0, "snaps": 0,
             "elapsed": 0.0, "events": 0}
    batches = trainer.batches_per_epoch

    def listener(event):
        if isinstance(event, DiagnosticsSnapshot):
            state["snap_cost"] += event.cost_seconds
            state["snaps"] += 1
        if isinstance(event, BatchEnd):
            state["elapsed"] = event.elapsed
            state["events"] += 1
        if isinstance(event, BatchEnd) and event.batch == batches - 1:
            steps = event.step - state["last_step"]
            dt = event.elapsed - state["last_elapsed"]
            if state["last_step"] > 0 and dt > 0:  # skip the first (warm-up) epoch
                rates.append(steps * X.shape[0] / batches / dt)
            state["last_step"], state["last_elapsed"] = event.step, event.elapsed
        elif isinstance(event, EpochEnd) and time.perf_counter() - state["start"] > seconds and len(rates) >= 6:
            trainer.stop()

    trainer.fit(listener=listener)
    # Diagnostics cost, measured directly (robust to a noisy machine): snapshot time as a share of training time;
    # the every-step dead-unit tracking, the per-epoch layer history (a sample every SAMPLE_EVERY steps and at each
    # epoch's end) and the divergence checks (one each time something looks at the weights) against a step.
    diag = trainer.diagnostics
    tracker = diag.dead
    Xb = np.asarray(trainer._X[: spec["batch"]])
    trainer.train_step(Xb, trainer._T[: spec["batch"]])
    n = 2000 if sizes[0] < 100 else 200
    step = spec["batch"] / np.median(rates)             # seconds per step
    dead_cost = timed(tracker.update, n)
    sample_cost = timed(diag.sample_history, max(n // 10, 20))
    check_cost = timed(lambda: (trainer.guard.weights_norm_if_bad(trainer.network.params),
                                trainer._keep_good_weights()), n)
    samples_per_step = (batches // SAMPLE_EVERY + (batches % SAMPLE_EVERY != 0)) / batches
    events_per_step = state["events"] / max(trainer.step, 1)
    return {**fresh_and_steady(rates), "steps": trainer.step,
            "snapshot_share": state["snap_cost"] / state["elapsed"] if state["elapsed"] else 0.0,
            "snapshots_per_second": state["snaps"] / state["elapsed"] if state["elapsed"] else 0.0,
            "dead_tracking_share": dead_cost / step if diag.dead.layers else 0.0,
            "history_share": sample_cost * samples_per_step / step if diagnostics else 0.0,
            "check_share": check_cost * (samples_per_step + events_per_step) / step}


def timed(call, repeats: int) -> float:
    """Seconds per call: the best of five rounds."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeats):
            call()
        best = min(best, (time.perf_counter() - t0) / repeats)
    return best


def torch_results(python: str | None, seconds: float) -> dict[str, dict]:
    if python is None:
        try:
            import torch  # noqa: F401
            python = sys.executable
        except ImportError:
            return {}
    proc = subprocess.run([python, str(HERE / "torch_reference.py"), str(seconds)], capture_output=True, text=True,
                          cwd=HERE, env={**os.environ, "PYTHONPATH": str(HERE)})
    if proc.returncode != 0:
        print("PyTorch reference failed:", proc.stderr.strip().splitlines()[-1:], file=sys.stderr)
        return {}
    return {r["name"]: r for r in map(json.loads, proc.stdout.strip().splitlines())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--torch-python", default=os.environ.get("LAYERLAB_TORCH_PYTHON"),
                        help="a Python interpreter with torch installed")
    parser.add_argument("--only", type=int, help="run only network number N (1-3)")
    args = parser.parse_args()
    nets = NETS if args.only is None else [NETS[args.only - 1]]
    torch = torch_results(args.torch_python, args.seconds)
    print(f"{'network':44s} {'':10s} {'fresh':>10s} {'steady':>10s} {'median':>10s}")
    for spec in nets:
        off = layerlab_run(spec, args.seconds, diagnostics=False)
        on = layerlab_run(spec, args.seconds, diagnostics=True)
        t = torch.get(spec["name"])
        rows = [("LayerLab", off), ("+ diagnostics", on)] + ([("PyTorch", t)] if t else [])
        for i, (who, r) in enumerate(rows):
            print(f"{spec['name'] if i == 0 else '':44s} {who:10s} {r['first_epochs']:>10,.0f} {r['last_epochs']:>10,.0f} "
                  f"{r['samples_per_second']:>10,.0f}  samples/s ({r['epochs']} epochs)")
        if t:
            print(f"{'':44s} {'x PyTorch':10s} {off['first_epochs'] / t['first_epochs']:>9.1f}x "
                  f"{off['last_epochs'] / t['last_epochs']:>9.1f}x {off['samples_per_second'] / t['samples_per_second']:>9.1f}x"
                  f"  (with diagnostics: {on['last_epochs'] / t['last_epochs']:.1f}x steady)")
        total = on["snapshot_share"] + on["dead_tracking_share"] + on["history_share"] + 0.005     # + the trace
        print(f"{'':44s} diagnostics: snapshots {100 * on['snapshot_share']:.1f}% of the time "
              f"({on['snapshots_per_second']:.1f}/s), dead-unit tracking {100 * on['dead_tracking_share']:.1f}% of a "
              f"step, layer history {100 * on['history_share']:.1f}%, trace <= 0.5%: {100 * total:.1f}% in all "
              f"(target <= 5%); divergence checks {100 * on['check_share']:.2f}%; throughput with them "
              f"{on['samples_per_second'] / off['samples_per_second'] - 1:+.1%}", flush=True)

if __name__ == "__main__":
    main()
