"""Small NumPy kernels shared by several activations.

Each allocates its result and works in place on it; constants are Python floats, so float32 inputs stay float32
(NumPy 2 would promote them against a float64 scalar). Selections are arithmetic on a 0/1 float mask rather than
np.where or np.putmask, whose branches are 2-3x slower on the random sign patterns of pre-activations.
"""
from __future__ import annotations

import numpy as np

_EXP_LIMITS: dict[np.dtype, float] = {}
_SQUARE_LIMITS: dict[np.dtype, tuple[float, float]] = {}


def exp_limit(dtype: np.dtype) -> float:
    """The largest whole x with exp(x) finite in `dtype` (87 for float32, 708 for float64)."""
    limit = _EXP_LIMITS.get(dtype)
    if limit is None:
        finfo = np.finfo(dtype if np.issubdtype(dtype, np.floating) else np.float64)
        limit = _EXP_LIMITS[dtype] = float(np.floor(np.log(finfo.max))) - 1.0
    return limit


def square_bound(dtype: np.dtype, scale: float = 1.0) -> float | None:
    """The |z| up to which (scale z)^2 stays finite with room to spare: 0.75 sqrt(max) / scale (1.4e19 in float32,
    1e154 in float64, for scale 1); None when no value of `dtype` reaches it.

    1 / (scale z)^2 at the bound is below the smallest normal number, so clipping z to it before squaring changes
    1 + (scale z)^2, and what is computed from it, only where the 1 is already lost to rounding."""
    bounds = _SQUARE_LIMITS.get(dtype)
    if bounds is None:
        finfo = np.finfo(dtype if np.issubdtype(dtype, np.floating) else np.float64)
        bounds = _SQUARE_LIMITS[dtype] = (0.75 * float(np.sqrt(finfo.max)), float(finfo.max))
    bound = bounds[0] / scale
    return None if bound >= bounds[1] else bound


def clip_for_square(z: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """z clipped to +-square_bound, so (scale z)^2 is finite; z itself (not a copy) when no value reaches the
    bound. Callers never write into the result. (np.clip: for a bound that is almost never hit it is 3x faster
    than `clamp`'s maximum and minimum at training batch sizes.)"""
    bound = square_bound(z.dtype, scale)
    return z if bound is None else np.clip(z, -bound, bound)


def leaky(z: np.ndarray, slope: float) -> np.ndarray:
    """z where z > 0, slope * z elsewhere: max(z, slope z) for slope <= 1, min for steeper slopes (no mask)."""
    a = np.multiply(z, slope)
    return np.maximum(a, z, out=a) if slope <= 1.0 else np.minimum(a, z, out=a)


def blend(mask: np.ndarray, on, off, dtype: np.dtype) -> np.ndarray:
    """`on` where mask else `off` (arrays or scalars, finite): on * m + off * (1 - m) with m = mask as 0/1, which
    is exact because every product is by exactly 0 or 1."""
    m = mask.astype(dtype)
    out = np.subtract(1.0, m)
    out *= off
    if not (isinstance(on, float) and on == 1.0):
        m *= on
    out += m
    return out


def leaky_backward(z: np.ndarray, da: np.ndarray, slope) -> np.ndarray:
    """da where z > 0, slope * da elsewhere (z = 0 included, as PyTorch); `slope` is a float or one per unit."""
    positive = np.greater(z, 0.0)
    if isinstance(slope, float) and 0.0 <= slope <= 1.0:
        d = positive.astype(da.dtype)
        np.maximum(d, slope, out=d)  # 1 or slope, exactly
    else:
        d = blend(positive, 1.0, slope, da.dtype)
    d *= da
    return d


def clamp(z: np.ndarray, low: float, high: float) -> np.ndarray:
    """min(max(z, low), high) into a new array (two ufunc calls beat np.clip's overhead)."""
    a = np.maximum(z, low)
    return np.minimum(a, high, out=a)


def window_backward(z: np.ndarray, da: np.ndarray, low: float, high: float, scale: float = 1.0,
                    closed: bool = False) -> np.ndarray:
    """scale * da for z inside (low, high), 0 outside.

    Open by default: PyTorch's hardtanh, hardsigmoid and relu6 give 0 at their kinks. `closed=True` includes the
    ends, as torch.clamp does (and the course notes' piecewise-linear table)."""
    if closed:
        inside = np.greater_equal(z, low)
        inside &= np.less_equal(z, high)
    else:
        inside = np.greater(z, low)
        inside &= np.less(z, high)
    d = inside.astype(da.dtype)
    if scale != 1.0:
        d *= scale
    d *= da
    return d
