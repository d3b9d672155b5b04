"""Regression metrics for targets (n,) or (n, k), as scikit-learn defines them.

Multi-output scores are computed per output column and then averaged uniformly (scikit-learn's default
`multioutput="uniform_average"`); in particular RMSE is the mean of the per-output RMSEs, not the root of the mean
MSE. R2 follows scikit-learn's `force_finite=True`: a constant target column scores 1.0 if predicted exactly and
0.0 otherwise, and R2 is nan with fewer than two samples or with non-finite residuals (a diverged network).
Every metric is nan with no samples. Sums run in float64.
"""
from __future__ import annotations

import numpy as np

from ..errors import TrainingError


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    t = t[:, None] if t.ndim == 1 else t
    p = p[:, None] if p.ndim == 1 else p
    if t.ndim != 2 or t.shape != p.shape:
        raise TrainingError(
            f"regression targets have shape {np.shape(y_true)} and predictions {np.shape(y_pred)}; "
            "expected equal shapes (n,) or (n, k)"
        )
    return t, p


def _reduce(per_output: np.ndarray, multioutput: str) -> float | np.ndarray:
    if multioutput == "raw_values":
        return per_output
    if multioutput == "uniform_average":
        return float(np.mean(per_output)) if per_output.size else float("nan")
    raise TrainingError(f'multioutput={multioutput!r} is not known; expected "uniform_average" or "raw_values"')


def _column_mean(values: np.ndarray) -> np.ndarray:
    if values.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    return values.mean(axis=0)


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray, multioutput: str = "uniform_average"):
    t, p = _pair(y_true, y_pred)
    with np.errstate(all="ignore"):
        return _reduce(_column_mean(np.abs(t - p)), multioutput)


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray, multioutput: str = "uniform_average"):
    t, p = _pair(y_true, y_pred)
    with np.errstate(all="ignore"):
        return _reduce(_column_mean((t - p) ** 2), multioutput)


def root_mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray, multioutput: str = "uniform_average"):
    t, p = _pair(y_true, y_pred)
    with np.errstate(all="ignore"):
        return _reduce(np.sqrt(_column_mean((t - p) ** 2)), multioutput)


def r2_score(y_true: np.ndarray, y_pred: np.ndarray, multioutput: str = "uniform_average"):
    """1 - SS_res / SS_tot per output (see the module docstring for the constant-target and n < 2 rules)."""
    t, p = _pair(y_true, y_pred)
    if t.shape[0] < 2:
        return _reduce(np.full(t.shape[1], np.nan), multioutput)
    with np.errstate(all="ignore"):
        num = ((t - p) ** 2).sum(axis=0)
        den = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
        scores = np.ones(t.shape[1])
        valid = (num != 0) & (den != 0)
        scores[valid] = 1.0 - num[valid] / den[valid]
        scores[(num != 0) & (den == 0)] = 0.0
        scores[~np.isfinite(num) | ~np.isfinite(den)] = np.nan  # non-finite predictions: undefined
    return _reduce(scores, multioutput)


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """{"mae", "mse", "rmse", "r2"}, each uniformly averaged over outputs; one pass over the residuals."""
    t, p = _pair(y_true, y_pred)
    n = t.shape[0]
    with np.errstate(all="ignore"):
        resid = t - p
        mae = _column_mean(np.abs(resid))
        sq = resid * resid
        mse = _column_mean(sq)
    return {
        "mae": _reduce(mae, "uniform_average"),
        "mse": _reduce(mse, "uniform_average"),
        "rmse": _reduce(np.sqrt(mse), "uniform_average"),
        "r2": r2_score(t, p) if n >= 2 else float("nan"),
    }
