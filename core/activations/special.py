"""The error function and the standard normal CDF, vectorised (NumPy has no erf; SciPy is not a core dependency).

W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for the error function",
Math. Comp. 23, 1969, pp. 631-638; the coefficients of his SPECFUN routine CALERF): erf(y) = y N1(y^2) / D1(y^2)
for y <= 0.46875 and erfc(y) = exp(-y^2) N2(y) / D2(y) above, both accurate to about 1e-16 in float64 (erfc keeps
its relative accuracy far into the tail, which GELU needs for large negative inputs).

Speed: the four polynomials are evaluated together as one small matrix product with the powers y^0 .. y^8, instead
of four Horner loops (a few dozen NumPy calls each), because in the training hot path the number of NumPy calls,
not the arithmetic, is what costs.
"""
from __future__ import annotations

import numpy as np

from .kernels import blend

# Cody's first interval: erf(y) = y * A(y^2) / B(y^2) for |y| <= 0.46875.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
# Cody's second interval: erfc(y) = exp(-y^2) * C(y) / D(y), made for 0.46875 <= y <= 4 and still accurate to
# 1e-12 (relative) at y = 6 and to 1e-7 out to where erfc underflows; erf is 1 to double precision beyond y = 6.
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_SMALL = 0.46875
_SMALL_CDF = _SMALL * 2.0 ** 0.5
# |x| is clipped here: exp(-x^2 / 2) is exactly 0 beyond it in every dtype (so are the tails), and x^8 stays
# finite in float32.
_X_MAX = 40.0


def _coefficients(scale: float, half: bool) -> np.ndarray:
    """(4, 9) matrix M with rows N1, D1, N2, D2 over the powers x^0..x^8 of x = y / scale.

    Folding `scale` (1/sqrt(2) for the normal CDF) into the coefficients saves a multiply per call; `half`
    folds the 0.5 of Phi = 0.5 erfc(.) into the numerators."""
    m = np.zeros((4, 9))
    k = 0.5 if half else 1.0
    m[0, [0, 2, 4, 6, 8]] = [k * _A[3], k * _A[2], k * _A[1], k * _A[0], k * _A[4]]
    m[1, [0, 2, 4, 6, 8]] = [_B[3], _B[2], _B[1], _B[0], 1.0]
    m[2] = [k * c for c in (_C[7], _C[6], _C[5], _C[4], _C[3], _C[2], _C[1], _C[0], _C[8])]
    m[3] = [_D[7], _D[6], _D[5], _D[4], _D[3], _D[2], _D[1], _D[0], 1.0]
    m *= scale ** np.arange(9)
    m[0] *= scale  # the small-|x| branch is y * N1 / D1 with y = scale * x
    return m


_ERF = {np.dtype(np.float64): _coefficients(1.0, False)}
_CDF = {np.dtype(np.float64): _coefficients(np.sqrt(0.5), True)}
for _table in (_ERF, _CDF):
    _table[np.dtype(np.float32)] = _table[np.dtype(np.float64)].astype(np.float32)


def _rational_rows(x: np.ndarray, table: dict) -> tuple[np.ndarray, np.ndarray]:
    """Powers |x|^0..|x|^8 of |x| clipped, shape (9, x.size), and the four polynomials there, shape (4, x.size).

    Flat rows keep NumPy's inner loops long; the result has x's dtype (float64 for other dtypes)."""
    dtype = x.dtype if x.dtype in table else np.dtype(np.float64)
    powers = np.empty((9, x.size), dtype)
    powers[0] = 1.0
    y = powers[1]
    np.abs(x.reshape(-1), out=y)
    np.minimum(y, _X_MAX, out=y)
    np.multiply(y, y, out=powers[2])
    np.multiply(powers[1:3], powers[2], out=powers[3:5])
    np.multiply(powers[1:5], powers[4], out=powers[5:9])
    return powers, np.matmul(table[dtype], powers)


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) elementwise, |error| < 1e-15 in float64 (about 2e-7 in float32). Shape and dtype of x."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    powers, rows = _rational_rows(x, _ERF)
    y, y2 = powers[1], powers[2]
    tail = np.negative(y2)
    np.exp(tail, out=tail)
    tail *= rows[2]
    tail /= rows[3]
    np.subtract(1.0, tail, out=tail)
    small = np.divide(rows[0], rows[1])
    small *= y
    out = blend(y <= _SMALL, small, tail, y.dtype).reshape(x.shape)
    return np.copysign(out, x, out=out)


def normal_cdf(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) = 0.5 erfc(-x / sqrt(2)) and exp(-x^2 / 2), both shaped like x (float32 or float64).

    Phi keeps its relative accuracy in the left tail (no 1 + erf cancellation); the Gaussian factor is a free
    by-product that GELU's derivative needs. In float32 the erfc form alone is accurate to 5e-12 near 0, far
    below float32's resolution, so the small-|x| branch is only evaluated in float64."""
    powers, rows = _rational_rows(x, _CDF)
    u, u2 = powers[1], powers[2]  # u = |x| (clipped)
    gauss = np.multiply(u2, -0.5)
    np.exp(gauss, out=gauss)
    q = np.divide(rows[2], rows[3])  # q = 0.5 erfc(|x| / sqrt(2)) = Phi(-|x|)
    q *= gauss
    if q.dtype != np.float32:
        small = np.divide(rows[0], rows[1])
        small *= u
        np.subtract(0.5, small, out=small)
        q = blend(u <= _SMALL_CDF, small, q, q.dtype)
    # Phi = q for x < 0 and 1 - q otherwise: m + (1 - 2m) q with m = [x >= 0] is exactly that, branch-free.
    m = np.greater_equal(x.reshape(-1), 0.0).astype(q.dtype)
    cdf = np.multiply(m, -2.0)
    cdf += 1.0
    cdf *= q
    cdf += m
    return cdf.reshape(x.shape), gauss.reshape(x.shape)
