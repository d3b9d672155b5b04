"""Regenerate the PyTorch reference values the optimizer and schedule tests replay.

Run with a Python that has PyTorch (CPU) installed, from the repository root:

    python tests/golden/make_optimizer_golden.py

It writes
- tests/golden/optimizers_trajectories.npz: for every optimizer case below, 25 steps of a 6-entry parameter
  vector, in float64 and float32, (a) on the objective f(p) = sum(0.5 a p^2 + b sin(c p)) with gradients from
  autograd at every step, and (b) with a fixed gradient sequence (stored too) that contains exact zeros;
- tests/golden/optimizers_schedules.json: learning rates per epoch from torch.optim.lr_scheduler.

Only torch's single-tensor code path (foreach=False) is used. The float64 run sets torch's default dtype to
float64 so that scalar optimizer state (NAdam's mu_product, step counters) is float64 too.
This file is not a test module: pytest never imports it.
"""
from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
STEPS = 25
INIT = [0.8, -1.3, 0.0, 2.1, -0.4, 0.05]
QUAD = [1.0, 0.5, 2.0, 0.1, 1.5, 3.0]     # a
AMPL = [0.3, -0.7, 0.5, 1.0, 0.2, -0.4]   # b
FREQ = [2.0, 1.0, 3.0, 0.5, 4.0, 1.5]     # c

# (optimizer name, keyword arguments): names and values are valid for both torch.optim and LayerLab.
CASES: list[tuple[str, dict]] = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("adagrad", {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("adagrad", {"lr": 0.1, "eps": 1e-3, "maximize": True}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("rmsprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-4, "maximize": True}),
    ("adadelta", {}),
    ("adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3}),
    ("adadelta", {"lr": 1.0, "weight_decay": 0.1, "maximize": True}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "amsgrad": True}),
    ("adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adam", {"lr": 0.05, "amsgrad": True, "maximize": True, "weight_decay": 0.05}),
    ("adamw", {"lr": 0.05}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw", {"lr": 0.05, "maximize": True}),
    ("adamax", {"lr": 0.05}),
    ("adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("adamax", {"lr": 0.05, "betas": (0.8, 0.99), "maximize": True}),
    ("nadam", {"lr": 0.05}),
    ("nadam", {"lr": 0.05, "momentum_decay": 0.01}),
    ("nadam", {"lr": 0.05, "weight_decay": 0.1}),
    ("nadam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("nadam", {"lr": 0.05, "betas": (0.8, 0.99), "maximize": True}),
]

TORCH_CLASSES = {
    "sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
    "adadelta": torch.optim.Adadelta, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam,
}


def fixed_gradients() -> np.ndarray:
    """(STEPS, 6) float64: normal draws with exact zeros (a whole column from step 5 on, a few single entries)."""
    rng = np.random.default_rng(20240611)
    grads = rng.standard_normal((STEPS, len(INIT)))
    grads[5:, 2] = 0.0
    grads[[0, 3, 7, 12], [4, 1, 0, 5]] = 0.0
    grads[10:14, 3] *= 1e-6
    return grads


def run(name: str, kwargs: dict, dtype: torch.dtype, grads: np.ndarray | None) -> np.ndarray:
    """Parameters after each of STEPS steps, shape (STEPS, 6); gradients from autograd when `grads` is None."""
    torch.set_default_dtype(dtype)
    p = torch.tensor(INIT, dtype=dtype, requires_grad=True)
    a, b, c = (torch.tensor(v, dtype=dtype) for v in (QUAD, AMPL, FREQ))
    opt = TORCH_CLASSES[name]([p], foreach=False, **kwargs)
    out = np.empty((STEPS, len(INIT)))
    for k in range(STEPS):
        opt.zero_grad()
        if grads is None:
            (0.5 * a * p * p + b * torch.sin(c * p)).sum().backward()
        else:
            p.grad = torch.tensor(grads[k], dtype=dtype)
        opt.step()
        out[k] = p.detach().numpy()
    torch.set_default_dtype(torch.float32)
    return out


def torch_defaults() -> dict[str, dict]:
    """Each optimizer's hyperparameter defaults, read from the torch.optim signatures."""
    skip = {"self", "params", "foreach", "fused", "capturable", "differentiable"}
    out = {}
    for name, cls in TORCH_CLASSES.items():
        out[name] = {
            key: list(p.default) if isinstance(p.default, tuple) else p.default
            for key, p in inspect.signature(cls.__init__).parameters.items() if key not in skip
        }
    return out


def trajectories() -> dict[str, np.ndarray]:
    grads = fixed_gradients()
    arrays: dict[str, np.ndarray] = {"fixed_grads": grads}
    cases = []
    for i, (name, kwargs) in enumerate(CASES):
        config = {"name": name, **{k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}}
        cases.append(config)
        for label, dtype in (("float64", torch.float64), ("float32", torch.float32)):
            arrays[f"case{i}_objective_{label}"] = run(name, kwargs, dtype, None)
            arrays[f"case{i}_fixed_{label}"] = run(name, kwargs, dtype, grads)
    index = {"torch": torch.__version__, "steps": STEPS, "init": INIT, "quad": QUAD, "ampl": AMPL, "freq": FREQ,
             "cases": cases, "defaults": torch_defaults()}
    arrays["index"] = np.array(json.dumps(index))
    return arrays


# --- schedules ------------------------------------------------------------------------------------------------
def schedule_lrs(make, base_lr: float, epochs: int) -> list[float]:
    """The lr used during each epoch 0..epochs-1: the optimizer's lr after `epoch` calls of scheduler.step()."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    scheduler = make(opt)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


def schedules() -> list[dict]:
    S = torch.optim.lr_scheduler
    specs = [
        ({"name": "step", "step_size": 3, "gamma": 0.5}, None, lambda o: S.StepLR(o, step_size=3, gamma=0.5)),
        ({"name": "step", "step_size": 1}, None, lambda o: S.StepLR(o, step_size=1)),
        ({"name": "exponential", "gamma": 0.9}, None, lambda o: S.ExponentialLR(o, gamma=0.9)),
        ({"name": "cosine", "t_max": 10, "eta_min": 0.001}, None,
         lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
        ({"name": "cosine"}, 20, lambda o: S.CosineAnnealingLR(o, T_max=20)),
        ({"name": "cosine", "warmup_epochs": 3, "warmup_start_factor": 0.1, "eta_min": 0.0005}, 15,
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=3),
                                      S.CosineAnnealingLR(o, T_max=15 - 3, eta_min=0.0005)], milestones=[3])),
        ({"name": "linear", "start_factor": 0.25, "end_factor": 1.0, "total_iters": 4}, None,
         lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4)),
        ({"name": "linear", "start_factor": 1.0, "end_factor": 0.1, "total_iters": 6}, None,
         lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6)),
        ({"name": "linear"}, None, lambda o: S.LinearLR(o)),
    ]
    out = []
    for config, total_epochs, make in specs:
        epochs = total_epochs or 25
        out.append({"config": config, "total_epochs": total_epochs, "base_lr": 0.1,
                    "lrs": schedule_lrs(make, 0.1, epochs)})
    return out


def main() -> int:
    torch.manual_seed(0)
    np.savez_compressed(HERE / "optimizers_trajectories.npz", **trajectories())
    with open(HERE / "optimizers_schedules.json", "w") as f:
        json.dump({"torch": torch.__version__, "schedules": schedules()}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(CASES)} optimizer cases and the schedules with torch {torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
