"""Linear for z > 0 with a smooth, bounded negative side: ELU, SELU, CELU (exponential) and ISRLU (inverse
square root). Negative outputs push the mean activation towards 0; the negative side saturates at -alpha (ISRLU:
-1/sqrt(alpha)), where its gradient vanishes, but the gradient is never exactly 0, so these units do not die.
"""
from __future__ import annotations

import math

import numpy as np

from .base import ACTIVATIONS, Activation, number
from .kernels import blend, square_bound

# PyTorch's SELU constants (Klambauer et al., 2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class _ExponentialUnit(Activation):
    """scale * z for z > 0 and negative_scale * (exp(input_scale * z) - 1) for z <= 0, as PyTorch's elu kernel.

    The derivative on z <= 0 is negative_scale * input_scale * exp(input_scale * z); at z = 0 PyTorch takes this
    negative-side value (ELU with alpha != 1: alpha; SELU: alpha * scale)."""

    scale = 1.0
    negative_scale = 1.0
    input_scale = 1.0

    def forward(self, z, training=False, rng=None):
        negative = np.minimum(z, 0.0)
        if self.input_scale != 1.0:
            negative *= self.input_scale
        np.expm1(negative, out=negative)
        if self.negative_scale != 1.0:
            negative *= self.negative_scale
        a = np.maximum(z, 0.0)
        if self.scale != 1.0:
            a *= self.scale
        a += negative
        return a

    def backward(self, z, a, da):
        # exp(input_scale * min(z, 0)) is 1 for z > 0, so only a positive-side slope other than the negative
        # side's value at 0 needs a mask.
        d = np.minimum(z, 0.0)
        if self.input_scale != 1.0:
            d *= self.input_scale
        np.exp(d, out=d)
        at_zero = self.negative_scale * self.input_scale
        if at_zero != 1.0:
            d *= at_zero
        if at_zero != self.scale:
            d = blend(z > 0.0, self.scale, d, d.dtype)
        d *= da
        return d


@ACTIVATIONS.register("elu", "exponential_linear_unit")
class ELU(_ExponentialUnit):
    """z for z > 0, alpha (exp(z) - 1) otherwise; derivative 1 and alpha exp(z) (= a + alpha)."""

    name = "elu"
    config_keys = ("alpha",)

    def __init__(self, alpha: float = 1.0):
        self.alpha = self.negative_scale = number(self.name, "alpha", alpha, minimum=0.0)
        # alpha = 0 is ReLU (the course notes point this out), and dies like it.
        self.can_die = self.alpha == 0.0


@ACTIVATIONS.register("selu", "scaled_exponential_linear_unit")
class SELU(_ExponentialUnit):
    """scale * elu(z, alpha) with PyTorch's fixed constants: self-normalising with LeCun-normal initialization."""

    name = "selu"
    scale = SELU_SCALE
    negative_scale = SELU_ALPHA * SELU_SCALE


@ACTIVATIONS.register("celu", "continuously_differentiable_exponential_linear_unit")
class CELU(_ExponentialUnit):
    """max(0, z) + min(0, alpha (exp(z / alpha) - 1)): ELU rescaled so its derivative is 1 at 0 for every alpha."""

    name = "celu"
    config_keys = ("alpha",)

    def __init__(self, alpha: float = 1.0):
        self.alpha = self.negative_scale = number(self.name, "alpha", alpha, minimum=0.0, exclusive_minimum=True)
        self.input_scale = 1.0 / self.alpha

    def backward(self, z, a, da):
        # negative_scale * input_scale is exactly 1 in real numbers; do not let rounding of alpha * (1 / alpha)
        # add a mask.
        d = np.minimum(z, 0.0)
        if self.input_scale != 1.0:
            d *= self.input_scale
        np.exp(d, out=d)
        d *= da
        return d


@ACTIVATIONS.register("isrlu", "inverse_square_root_linear_unit", "inverse_square_root_linear")
class ISRLU(Activation):
    """z for z >= 0, z / sqrt(1 + alpha z^2) otherwise (Carlile et al., 2017): ELU's shape without an exp.

    Derivative 1 and (1 / sqrt(1 + alpha z^2))^3; both sides meet smoothly at 0. Very negative z is clipped
    where alpha z^2 would overflow: the output there is -1/sqrt(alpha) and the derivative 0, as in the limit."""

    name = "isrlu"
    config_keys = ("alpha",)

    def __init__(self, alpha: float = 1.0):
        self.alpha = number(self.name, "alpha", alpha, minimum=0.0, exclusive_minimum=True)
        self._sqrt_alpha = math.sqrt(self.alpha)

    def _root(self, z: np.ndarray) -> np.ndarray:
        """sqrt(1 + alpha min(z, 0)^2), 1 on the linear side (so no mask), of z clipped at -square_bound."""
        bound = square_bound(z.dtype, self._sqrt_alpha)
        r = np.minimum(z, 0.0) if bound is None else np.clip(z, -bound, 0.0)
        if self.alpha != 1.0:
            r *= self._sqrt_alpha
        np.square(r, out=r)
        r += 1.0
        return np.sqrt(r, out=r)

    def forward(self, z, training=False, rng=None):
        r = self._root(z)
        bound = square_bound(z.dtype, self._sqrt_alpha)
        w = z if bound is None else np.clip(z, -bound, math.inf)  # below -bound the output is -1/sqrt(alpha)
        return np.divide(w, r, out=r)

    def backward(self, z, a, da):
        r = self._root(z)
        d = np.divide(da, r)
        d /= r
        d /= r
        return d
