"""Per-epoch bookkeeping of the trainer on the three benchmark networks: the time between an epoch's last step and
its EpochEnd (training metrics, validation loss and metrics, the ranking metric when due, the per-layer history,
the history itself), as a share of the whole training time; the target is at most 5%.

    python benchmarks/bench_bookkeeping.py [--seconds 8] [--val 0.2] [--only N]

Each network trains for `--seconds` on its benchmark data (benchmarks/bench_nets.py) split into training and
validation rows (`--val`, 0 for none), with the app's default diagnostics, as `layerlab train` does. The gap is
timed from outside (a listener's clock at the epoch's last BatchEnd and at its EpochEnd), so the same script
measures any version of the trainer. Also printed: what copying each step's outputs for the training metrics
costs, as a share of a step (it happens inside the batch loop, so the gap does not include it).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_nets import NETS, make_data  # noqa: E402
from bench_training import timed  # noqa: E402
from core.events import BatchEnd, EpochEnd  # noqa: E402
from core.network import Network  # noqa: E402
from core.trainer import Trainer  # noqa: E402
from core.training_config import parse_training  # noqa: E402
from core.training_data import TrainingData  # noqa: E402


def make_trainer(spec, val: float) -> Trainer:
    X, y = make_data(spec)
    order = np.random.default_rng(1).permutation(len(y))
    cut = len(y) - int(round(val * len(y)))
    train, held = order[:cut], order[cut:]
    task = "binary" if spec["loss"] == "bce" else "multiclass"
    k = spec["sizes"][-1] if task == "multiclass" else 2
    data = TrainingData.from_arrays(X[train], y[train], *((X[held], y[held]) if val > 0 else (None, None)),
                                    task=task, n_classes=k)
    sizes = spec["sizes"]
    layers = [{"type": "dense", "units": u, "activation": spec["hidden"]} for u in sizes[1:-1]]
    layers.append({"type": "dense", "units": sizes[-1], "activation": "sigmoid" if task == "binary" else "softmax"})
    config = parse_training({"loss": "binary_crossentropy" if task == "binary" else "categorical_crossentropy",
                             "optimizer": {"name": "adam"}, "batch_size": spec["batch"], "epochs": 10_000_000,
                             "seed": 0})
    return Trainer(Network(layers, sizes[0]), data, config)


def measure(spec, seconds: float, val: float) -> dict:
    trainer = make_trainer(spec, val)
    last_batch = trainer.batches_per_epoch - 1
    state = {"gap": 0.0, "mark": None, "epochs": 0}
    start = time.perf_counter()

    def listener(event) -> None:
        now = time.perf_counter()
        if isinstance(event, BatchEnd) and event.batch == last_batch:
            state["mark"] = now
        elif isinstance(event, EpochEnd):
            if state["mark"] is not None and event.epoch > 0:        # the first epoch pays for warm-up
                state["gap"] += now - state["mark"]
                state["epochs"] += 1
            state["mark"] = None
            if now - start > seconds and state["epochs"] >= 3:
                trainer.stop()

    trainer.fit(listener=listener)
    wall = time.perf_counter() - start
    epochs = max(state["epochs"], 1)
    # The per-step copy of the outputs into the epoch's buffer, against a step.
    X, T = trainer._X[:trainer.batch_size], trainer._T[:trainer.batch_size]
    step = timed(lambda: trainer.train_step(X, T), 200 if spec["sizes"][0] < 100 else 20)
    out = trainer.network.forward(X, True, np.random.default_rng(0))
    buffer = np.empty_like(out)
    copy = timed(lambda: np.copyto(buffer, out), 2000)
    return {"epochs": state["epochs"], "epoch_ms": 1000 * wall / (trainer.epoch or 1),
            "gap_ms": 1000 * state["gap"] / epochs, "share": state["gap"] / wall, "copy_share": copy / step}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of training per network")
    parser.add_argument("--val", type=float, default=0.2, help="validation fraction (0: none)")
    parser.add_argument("--only", type=int, help="run only network number N (1-3)")
    args = parser.parse_args()
    nets = NETS if args.only is None else [NETS[args.only - 1]]
    print(f"validation split {args.val:.0%}; bookkeeping = time from an epoch's last step to its EpochEnd")
    for spec in nets:
        r = measure(spec, args.seconds, args.val)
        print(f"{spec['name']:44s} {r['epochs']:6d} epochs of {r['epoch_ms']:8.2f} ms: bookkeeping "
              f"{r['gap_ms']:7.3f} ms an epoch = {100 * r['share']:5.1f}% of the time (target <= 5%); output copy "
              f"{100 * r['copy_share']:.2f}% of a step", flush=True)


if __name__ == "__main__":
    main()
