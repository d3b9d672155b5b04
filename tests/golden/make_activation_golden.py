"""Generate tests/golden/activations.npz: PyTorch forward values and autograd gradients for every activation.

Run with a Python that has PyTorch (the project itself never imports it):

    /path/to/torch-venv/bin/python tests/golden/make_activation_golden.py

Each case stores float64 inputs x (rows, 4) holding the kinks and large values (0, +-1e-8, +-1, +-2, +-3, +-6,
+-20, +-21, +-50, +-1e4, ...) as whole rows plus mixed and random rows, an upstream gradient da, PyTorch's
output a and dx = d(sum(a * da))/dx. Activations PyTorch lacks are written from their formula with torch ops, so
autograd still supplies an independent derivative; their kink conventions come from torch's own primitives
(relu, clamp, where).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).with_name("activations.npz")
SPECIAL = [0.0, 1e-8, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0, 6.0, 10.0, 20.0, 21.0, 30.0, 40.0, 50.0, 1e4]
MIXED = [[1e4, -1e4, 50.0, -50.0], [0.0, 1e-8, -1e-8, 3.0], [-3.0, 6.0, -6.0, 2.0], [-2.0, 1.0, -1.0, 0.5]]


def inputs(limit: float) -> np.ndarray:
    """(rows, 4): every special value (both signs) as a whole row, mixed rows, then random normal * 3 rows."""
    values = sorted({s * v for v in SPECIAL for s in (1.0, -1.0)})
    rows = [[v] * 4 for v in values] + MIXED
    rows += np.random.default_rng(7).normal(0.0, 3.0, size=(8, 4)).tolist()
    x = np.array(rows, dtype=np.float64)
    return x[np.all(np.abs(x) <= limit, axis=1)]


def bipolar(x):
    even = (torch.arange(x.shape[1]) % 2 == 0).expand_as(x)
    return torch.where(even, F.relu(x), -F.relu(-x))


def sqnl(x):
    return torch.where(x > 2, torch.ones_like(x),
                       torch.where(x >= 0, x - x * x / 4,
                                   torch.where(x >= -2, x + x * x / 4, -torch.ones_like(x))))


def isrlu(x, alpha):
    return torch.where(x >= 0, x, x / torch.sqrt(1 + alpha * x * x))


def piecewise(x, lo, hi):
    return (torch.clamp(x, lo, hi) - lo) / (hi - lo)


# (config, function of x, largest |x| to include)
CASES = [
    ({"name": "linear"}, lambda x: x * 1.0, math.inf),
    ({"name": "sigmoid"}, torch.sigmoid, math.inf),
    ({"name": "tanh"}, torch.tanh, math.inf),
    ({"name": "relu"}, F.relu, math.inf),
    ({"name": "softmax"}, lambda x: F.softmax(x, dim=1), math.inf),
    *[({"name": "leaky_relu", "negative_slope": s}, lambda x, s=s: F.leaky_relu(x, s), math.inf)
      for s in (0.01, 0.2, 0.0, 1.5)],
    *[({"name": "rrelu", "lower": lo, "upper": hi}, lambda x, lo=lo, hi=hi: F.rrelu(x, lo, hi, training=False),
       math.inf) for lo, hi in ((1 / 8, 1 / 3), (0.1, 0.3))],
    *[({"name": "elu", "alpha": al}, lambda x, al=al: F.elu(x, al), math.inf) for al in (1.0, 0.5, 2.0, 0.0)],
    ({"name": "selu"}, F.selu, math.inf),
    *[({"name": "celu", "alpha": al}, lambda x, al=al: F.celu(x, al), math.inf) for al in (1.0, 0.5, 2.0)],
    ({"name": "gelu", "approximate": "none"}, F.gelu, math.inf),
    ({"name": "gelu", "approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh"), math.inf),
    ({"name": "silu"}, F.silu, math.inf),
    ({"name": "mish"}, F.mish, math.inf),
    *[({"name": "softplus", "beta": b, "threshold": t}, lambda x, b=b, t=t: F.softplus(x, b, t), math.inf)
      for b, t in ((1.0, 20.0), (2.0, 20.0), (0.5, 10.0), (1.0, 5.0), (1.0, 60.0))],
    ({"name": "softsign"}, F.softsign, math.inf),
    # F.hardsigmoid's backward multiplies by 1/6 rounded to float32 (a 3e-8 relative error in float64), so the
    # reference is its definition relu6(x + 3) / 6, which has the same kinks (checked in main()).
    ({"name": "hard_sigmoid"}, lambda x: F.relu6(x + 3) / 6, math.inf),
    *[({"name": "hard_tanh", "min_val": lo, "max_val": hi}, lambda x, lo=lo, hi=hi: F.hardtanh(x, lo, hi),
       math.inf) for lo, hi in ((-1.0, 1.0), (-2.0, 0.5))],
    ({"name": "relu6"}, F.relu6, math.inf),
    # exp overflows beyond ~709; LayerLab caps the exponent (tested separately), so compare below the cap.
    ({"name": "exponential"}, torch.exp, 300.0),
    ({"name": "arctan"}, torch.atan, math.inf),
    ({"name": "gaussian"}, lambda x: torch.exp(-x * x), math.inf),
    *[({"name": "isru", "alpha": al}, lambda x, al=al: x / torch.sqrt(1 + al * x * x), math.inf)
      for al in (1.0, 0.25, 3.0)],
    *[({"name": "isrlu", "alpha": al}, lambda x, al=al: isrlu(x, al), math.inf) for al in (1.0, 0.25, 3.0)],
    ({"name": "sqnl"}, sqnl, math.inf),
    ({"name": "bent_identity"}, lambda x: (torch.sqrt(x * x + 1) - 1) / 2 + x, math.inf),
    ({"name": "bipolar_relu"}, bipolar, math.inf),
    ({"name": "binary_step"}, lambda x: (x >= 0).to(x.dtype), math.inf),
    *[({"name": "piecewise_linear", "x_min": lo, "x_max": hi}, lambda x, lo=lo, hi=hi: piecewise(x, lo, hi),
       math.inf) for lo, hi in ((-1.0, 1.0), (0.0, 1.0), (-3.0, 2.0))],
]
PRELU_WEIGHT = [0.25, -0.1, 0.5, 1.3]


def run(fn, x_np, da_np, weight=None):
    x = torch.tensor(x_np, dtype=torch.float64, requires_grad=True)
    args = [x]
    if weight is not None:
        args.append(torch.tensor(weight, dtype=torch.float64, requires_grad=True))
    a = fn(*args)
    grads = [torch.zeros_like(t) for t in args]
    if a.requires_grad:  # the binary step has no gradient at all
        grads = torch.autograd.grad(a, args, torch.tensor(da_np), allow_unused=False)
    return [a.detach().numpy()] + [g.detach().numpy() for g in grads]


def check_hardsigmoid_kinks() -> None:
    """relu6(x + 3) / 6 and F.hardsigmoid agree on values and on which points get a zero gradient."""
    x = inputs(math.inf)
    ones = np.ones_like(x)
    a1, d1 = run(F.hardsigmoid, x, ones)
    a2, d2 = run(lambda t: F.relu6(t + 3) / 6, x, ones)
    assert np.allclose(a1, a2, rtol=1e-12, atol=0) and np.allclose(d1, d2, rtol=1e-6, atol=0)
    assert np.array_equal(d1 == 0, d2 == 0)


def main() -> None:
    check_hardsigmoid_kinks()
    rng = np.random.default_rng(11)
    arrays: dict[str, np.ndarray] = {}
    index = []
    for i, (config, fn, limit) in enumerate(CASES):
        x = inputs(limit)
        da = rng.normal(size=x.shape)
        a, dx = run(fn, x, da)
        arrays.update({f"{i}_x": x, f"{i}_da": da, f"{i}_a": a, f"{i}_dx": dx})
        index.append({"key": str(i), "config": config})
    i = len(CASES)
    x = inputs(math.inf)
    da = rng.normal(size=x.shape)
    a, dx, dalpha = run(F.prelu, x, da, PRELU_WEIGHT)
    arrays.update({f"{i}_x": x, f"{i}_da": da, f"{i}_a": a, f"{i}_dx": dx, f"{i}_alpha": np.array(PRELU_WEIGHT),
                   f"{i}_dalpha": dalpha})
    index.append({"key": str(i), "config": {"name": "prelu"}})
    arrays["index"] = np.array(json.dumps(index))
    arrays["torch_version"] = np.array(torch.__version__)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {len(index)} cases to {OUT}")


if __name__ == "__main__":
    main()
