"""PyTorch's side of bench_training.py: the same three networks, eager mode, default Adam, CPU.

Run by bench_training.py with an interpreter that has torch (PyTorch is a benchmark tool here, never a
dependency). Prints one JSON line per network: {"name":..., "samples_per_second":..., ...}.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from bench_nets import NETS, fresh_and_steady, make_data


def build(spec):
    layers = []
    sizes = spec["sizes"]
    for i in range(len(sizes) - 2):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), {"relu": nn.ReLU, "tanh": nn.Tanh}[spec["hidden"]]()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def measure(spec, seconds):
    torch.manual_seed(0)
    X, y = make_data(spec)
    X = torch.tensor(X, dtype=torch.float32)
    if spec["loss"] == "bce":
        y = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
        criterion = nn.BCEWithLogitsLoss()
    else:
        y = torch.tensor(y, dtype=torch.int64)
        criterion = nn.CrossEntropyLoss()
    net = build(spec)
    opt = torch.optim.Adam(net.parameters())
    n, bs = X.shape[0], spec["batch"]
    g = torch.Generator().manual_seed(0)

    def epoch() -> float:
        """One shuffled epoch; returns the seconds of its batch loop (the shuffle is not timed, as in LayerLab's
        trainer, whose clock starts after the epoch's shuffle)."""
        perm = torch.randperm(n, generator=g)
        Xs, ys = X[perm], y[perm]
        t = time.perf_counter()
        for s in range(0, n, bs):
            opt.zero_grad()
            loss = criterion(net(Xs[s:s + bs]), ys[s:s + bs])
            loss.backward()
            opt.step()
        return time.perf_counter() - t

    epoch()  # warm-up
    rates = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(rates) < 6:
        rates.append(n / epoch())
    return {"name": spec["name"], **fresh_and_steady(rates), "threads": torch.get_num_threads(),
            "torch": torch.__version__}


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    for spec in NETS:
        print(json.dumps(measure(spec, seconds)), flush=True)
