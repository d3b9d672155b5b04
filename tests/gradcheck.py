"""Central finite differences in float64: the reference every analytic gradient in LayerLab is checked against."""
from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences, perturbing `x` in place (it is restored afterwards)."""
    assert x.dtype == np.float64, "finite differences are only trustworthy in float64"
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    out = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        out[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / max(||a||, ||n||): scale-free, and 0 when both are exactly zero."""
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    scale = max(np.linalg.norm(a), np.linalg.norm(n))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a - n) / scale)


def assert_gradient_close(analytic: np.ndarray, numeric: np.ndarray, tol: float = 1e-6, what: str = "") -> None:
    err = relative_error(analytic, numeric)
    assert err < tol, f"{what}: relative error {err:.3e} >= {tol:g}\nanalytic={analytic}\nnumeric={numeric}"
