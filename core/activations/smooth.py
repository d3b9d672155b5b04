"""Smooth, unbounded activations: softplus, GELU, SiLU (swish), Mish, bent identity and the exponential.

GELU and SiLU remember, from a training forward, the part of the computation their derivative shares (the
normal CDF, the sigmoid) and reuse it when `backward` is given the same `z`; otherwise backward recomputes it.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import SpecError
from .base import ACTIVATIONS, Activation, number
from .basic import sigmoid
from .kernels import clip_for_square, exp_limit
from .special import normal_cdf

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
# tanh(sqrt(2/pi) (z + 0.044715 z^3)) is exactly +-1 (and 1 - tanh^2 exactly 0) in float32 and float64 from
# |z| = 8 on; the cubic is evaluated on z clipped to +-10, which changes no value and cannot overflow.
_GELU_TANH_CLIP = 10.0
# log1p(exp(x)) == x in float32 and float64 once x > 37, so a linear region starting at 40 changes no value.
_SOFTPLUS_EXACT = 40.0


@ACTIVATIONS.register("softplus", "soft_plus", "smooth_relu")
class Softplus(Activation):
    """log(1 + exp(beta z)) / beta, and z itself where beta z > threshold (PyTorch's semantics and defaults).

    Derivative sigmoid(beta z), computed from the output as -expm1(-beta a), and 1 in the linear region."""

    name = "softplus"
    config_keys = ("beta", "threshold")

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        self.beta = number(self.name, "beta", beta, minimum=0.0, exclusive_minimum=True)
        self.threshold = number(self.name, "threshold", threshold)
        self._linear_from = min(self.threshold, _SOFTPLUS_EXACT)

    def _scaled(self, z: np.ndarray) -> np.ndarray:
        return z if self.beta == 1.0 else np.multiply(z, self.beta)

    def forward(self, z, training=False, rng=None):
        bz = self._scaled(z)
        a = np.minimum(bz, self._linear_from)  # keeps exp finite
        np.exp(a, out=a)
        np.log1p(a, out=a)
        if self.beta != 1.0:
            a /= self.beta
        linear = bz > self._linear_from
        if linear.any():
            np.putmask(a, linear, z)
        return a

    def backward(self, z, a, da):
        # sigmoid(beta z) = 1 - exp(-log1p(exp(beta z))) = -expm1(-beta a), accurate in both tails.
        s = np.multiply(a, -self.beta)
        np.expm1(s, out=s)
        np.negative(s, out=s)
        linear = self._scaled(z) > self._linear_from
        if linear.any():
            np.putmask(s, linear, 1.0)
        s *= da
        return s


@ACTIVATIONS.register("gelu", "gaussian_error_linear_unit")
class GELU(Activation):
    """z Phi(z) with Phi the standard normal CDF (approximate="none", computed with a float64-accurate erf), or
    PyTorch's tanh approximation 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))) (approximate="tanh").

    Derivative Phi(z) + z phi(z) for the exact form."""

    name = "gelu"
    config_keys = ("approximate",)

    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):
            raise SpecError(f"gelu.approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, z, training=False, rng=None):
        if self.approximate == "tanh":
            t = self._tanh_inner(z)
            self._remember(z, training, t)
            a = np.add(t, 1.0)
            a *= z
            a *= 0.5
            return a
        cdf, gauss = normal_cdf(z)
        self._remember(z, training, (cdf, gauss))
        return np.multiply(z, cdf)

    def backward(self, z, a, da):
        if self.approximate == "tanh":
            return self._tanh_backward(z, da)
        memo = self._recall(z)
        cdf, gauss = memo if memo is not None else normal_cdf(z)
        d = np.multiply(z, gauss)
        d *= _INV_SQRT_2PI
        d += cdf
        d *= da
        return d

    @staticmethod
    def _tanh_inner(z: np.ndarray) -> np.ndarray:
        """tanh(sqrt(2/pi) (z + 0.044715 z^3)), with the polynomial as z (k + k c z^2) of z clipped to +-10."""
        zc = np.clip(z, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)
        t = np.square(zc)
        t *= _SQRT_2_OVER_PI * _GELU_CUBIC
        t += _SQRT_2_OVER_PI
        t *= zc
        return np.tanh(t, out=t)

    def _tanh_backward(self, z: np.ndarray, da: np.ndarray) -> np.ndarray:
        # PyTorch: 0.5 (1 + t) + 0.5 z (1 - t^2) k (1 + 3 c z^2).
        t = self._recall(z)
        if t is None:
            t = self._tanh_inner(z)
        zc = np.clip(z, -_GELU_TANH_CLIP, _GELU_TANH_CLIP)  # where it clips, 1 - t^2 below is exactly 0
        d = np.square(zc)
        d *= 3.0 * _SQRT_2_OVER_PI * _GELU_CUBIC
        d += _SQRT_2_OVER_PI
        d *= zc
        w = np.square(t)
        np.subtract(1.0, w, out=w)
        d *= w
        d += t
        d += 1.0
        d *= 0.5
        d *= da
        return d


@ACTIVATIONS.register("silu", "swish", "sigmoid_linear_unit")
class SiLU(Activation):
    """z sigmoid(z) (Keras' swish); derivative s (1 + z (1 - s)) with s = sigmoid(z)."""

    name = "silu"

    def forward(self, z, training=False, rng=None):
        s = sigmoid(z)
        self._remember(z, training, s)
        return np.multiply(z, s)

    def backward(self, z, a, da):
        s = self._recall(z)
        if s is None:
            s = sigmoid(z)
        d = np.subtract(1.0, s)
        d *= z
        d += 1.0
        d *= s
        d *= da
        return d


@ACTIVATIONS.register("mish")
class Mish(Activation):
    """z tanh(softplus(z)) (Misra, 2019), computed without tanh or log: with e = exp(z) and n = e (e + 2),
    tanh(softplus(z)) = n / (n + 2) and the derivative is n / (n + 2) + 4 z e (e + 1) / (n + 2)^2.

    exp is taken of min(z, 40): beyond it tanh(softplus(z)) is 1 and the derivative 1 in both dtypes."""

    name = "mish"
    _CLIP = 40.0

    def forward(self, z, training=False, rng=None):
        e = np.minimum(z, self._CLIP)
        np.exp(e, out=e)
        n = np.add(e, 2.0)
        n *= e
        np.add(n, 2.0, out=e)
        n /= e  # tanh(softplus(z))
        n *= z
        return n

    def backward(self, z, a, da):
        zc = np.minimum(z, self._CLIP)
        e = np.exp(zc)
        p = np.add(e, 1.0)
        p *= e  # e (e + 1)
        n = np.add(p, e)  # e (e + 2)
        r = np.add(n, 2.0)
        np.reciprocal(r, out=r)  # 1 / (n + 2)
        # d = n r + 4 z e (e + 1) r^2 = r (n + 4 z p r)
        p *= zc
        p *= r
        p *= 4.0
        p += n
        p *= r
        p *= da
        return p


@ACTIVATIONS.register("bent_identity")
class BentIdentity(Activation):
    """(sqrt(z^2 + 1) - 1) / 2 + z, computed as z + z * c / (2 (sqrt(c^2 + 1) + 1)) with c = z clipped where z^2
    would overflow: exact near 0, and 1.5 z / 0.5 z in the far tails. Derivative 1 + c / (2 sqrt(c^2 + 1))."""

    name = "bent_identity"

    def forward(self, z, training=False, rng=None):
        c = clip_for_square(z)
        r = np.square(c)
        r += 1.0
        np.sqrt(r, out=r)
        r += 1.0
        np.divide(c, r, out=r)
        r *= z
        r *= 0.5
        r += z
        return r

    def backward(self, z, a, da):
        c = clip_for_square(z)
        r = np.square(c)
        r += 1.0
        np.sqrt(r, out=r)
        np.divide(c, r, out=r)
        r *= 0.5
        r += 1.0
        r *= da
        return r


@ACTIVATIONS.register("exponential", "exp")
class Exponential(Activation):
    """exp(z) (Keras' `exponential`), derivative exp(z) = a.

    z is capped at half the dtype's exp limit (43.5 in float32, 354 in float64) so that a, a^2 (a squared-error
    loss) and a * da stay finite; above the cap the output stays at exp(cap) and backward still passes
    da * a, so an exploding unit can be pulled back instead of going to inf."""

    name = "exponential"

    def forward(self, z, training=False, rng=None):
        a = np.minimum(z, 0.5 * exp_limit(z.dtype))
        return np.exp(a, out=a)

    def backward(self, z, a, da):
        return np.multiply(da, a)
