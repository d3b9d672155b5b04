"""Bounded activations: smooth squashers (softsign, arctan, ISRU, SQNL, Gaussian), piecewise-linear ones (hard
sigmoid, hard tanh, the course notes' piecewise linear unit) and the binary step.

Kinks follow PyTorch: hardtanh and hardsigmoid have derivative 0 at their corners; the piecewise linear unit,
which PyTorch lacks, follows the course notes' table (and torch.clamp) and keeps its slope at both ends.
"""
from __future__ import annotations

import math

import numpy as np

from .base import ACTIVATIONS, Activation, number, ordered
from .kernels import clamp, clip_for_square, window_backward


@ACTIVATIONS.register("softsign", "soft_sign")
class Softsign(Activation):
    """z / (1 + |z|); derivative 1 / (1 + |z|)^2 (two divisions: no overflow for huge z)."""

    name = "softsign"
    saturation_bounds = (-1.0, 1.0)

    def forward(self, z, training=False, rng=None):
        t = np.abs(z)
        t += 1.0
        return np.divide(z, t, out=t)

    def backward(self, z, a, da):
        t = np.abs(z)
        t += 1.0
        d = np.divide(da, t)
        d /= t
        return d


@ACTIVATIONS.register("hard_sigmoid", "hardsigmoid")
class HardSigmoid(Activation):
    """relu6(z + 3) / 6 (PyTorch's hardsigmoid and Keras 3's hard_sigmoid); slope 1/6 on (-3, 3), 0 elsewhere."""

    name = "hard_sigmoid"
    saturation_bounds = (0.0, 1.0)

    def forward(self, z, training=False, rng=None):
        a = np.add(z, 3.0)
        np.maximum(a, 0.0, out=a)
        np.minimum(a, 6.0, out=a)
        a /= 6.0
        return a

    def backward(self, z, a, da):
        return window_backward(z, da, -3.0, 3.0, scale=1.0 / 6.0)


@ACTIVATIONS.register("hard_tanh", "hardtanh")
class HardTanh(Activation):
    """z clipped to [min_val, max_val] (PyTorch's hardtanh); slope 1 strictly inside, 0 at and beyond the ends."""

    name = "hard_tanh"
    config_keys = ("min_val", "max_val")

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        self.min_val = number(self.name, "min_val", min_val)
        self.max_val = number(self.name, "max_val", max_val)
        ordered(self.name, "min_val", self.min_val, "max_val", self.max_val)
        self.saturation_bounds = (self.min_val, self.max_val)

    def forward(self, z, training=False, rng=None):
        return clamp(z, self.min_val, self.max_val)

    def backward(self, z, a, da):
        return window_backward(z, da, self.min_val, self.max_val)


@ACTIVATIONS.register("piecewise_linear", "piecewise_linear_unit", "linear_threshold")
class PiecewiseLinear(Activation):
    """0 below x_min, 1 above x_max, linear in between: (clip(z, x_min, x_max) - x_min) / (x_max - x_min).

    The slope is 1 / (x_max - x_min) on the closed interval [x_min, x_max] (the course notes' table writes 1,
    which holds only for a width of 1), 0 outside."""

    name = "piecewise_linear"
    config_keys = ("x_min", "x_max")
    saturation_bounds = (0.0, 1.0)

    def __init__(self, x_min: float = -1.0, x_max: float = 1.0):
        self.x_min = number(self.name, "x_min", x_min)
        self.x_max = number(self.name, "x_max", x_max)
        ordered(self.name, "x_min", self.x_min, "x_max", self.x_max)
        self._width = self.x_max - self.x_min

    def forward(self, z, training=False, rng=None):
        a = clamp(z, self.x_min, self.x_max)
        a -= self.x_min
        a /= self._width
        return a

    def backward(self, z, a, da):
        return window_backward(z, da, self.x_min, self.x_max, scale=1.0 / self._width, closed=True)


@ACTIVATIONS.register("binary_step", "binary", "step", "heaviside", "threshold")
class BinaryStep(Activation):
    """1 for z >= 0, else 0: the perceptron's unit. Its derivative is 0 wherever it exists, so nothing before it
    can learn by gradient descent (`learns = False`; the app warns).

    At exactly z = 0 it is 1 (Heaviside's H(0) = 1, torch.heaviside(z, 1), as the exports compute it); the course
    notes' perceptron gives 1 only for z > 0, so the two differ there only (docs/activations.md)."""

    name = "binary_step"
    learns = False
    saturation_bounds = (0.0, 1.0)

    def forward(self, z, training=False, rng=None):
        return np.greater_equal(z, 0.0).astype(z.dtype)

    def backward(self, z, a, da):
        return np.zeros_like(da)


@ACTIVATIONS.register("arctan", "atan", "arc_tan", "inverse_tangent")
class ArcTan(Activation):
    """arctan(z), bounded by +-pi/2; derivative 1 / (1 + z^2)."""

    name = "arctan"
    saturation_bounds = (-math.pi / 2, math.pi / 2)

    def forward(self, z, training=False, rng=None):
        return np.arctan(z)

    def backward(self, z, a, da):
        t = np.square(clip_for_square(z))  # no overflow; 1 / (1 + z^2) is below float's tiny there anyway
        t += 1.0
        return np.divide(da, t, out=t)


@ACTIVATIONS.register("isru", "inverse_square_root_unit")
class ISRU(Activation):
    """z / sqrt(1 + alpha z^2), bounded by +-1/sqrt(alpha); derivative (1 / sqrt(1 + alpha z^2))^3.

    z is clipped where alpha z^2 would overflow (|z| ~ 1e19 in float32): the output there is the bound and the
    derivative 0 to the dtype's precision, instead of 0 / inf."""

    name = "isru"
    config_keys = ("alpha",)

    def __init__(self, alpha: float = 1.0):
        self.alpha = number(self.name, "alpha", alpha, minimum=0.0, exclusive_minimum=True)
        self._sqrt_alpha = math.sqrt(self.alpha)
        bound = 1.0 / self._sqrt_alpha
        self.saturation_bounds = (-bound, bound)

    def _root(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """z clipped and sqrt(1 + alpha z^2) of it, as (sqrt(alpha) z)^2 so alpha < 1 cannot overflow the square."""
        zc = clip_for_square(z, self._sqrt_alpha)
        if self.alpha != 1.0:
            r = np.multiply(zc, self._sqrt_alpha)
            np.square(r, out=r)
        else:
            r = np.square(zc)
        r += 1.0
        return zc, np.sqrt(r, out=r)

    def forward(self, z, training=False, rng=None):
        zc, r = self._root(z)
        return np.divide(zc, r, out=r)

    def backward(self, z, a, da):
        _, r = self._root(z)
        d = np.divide(da, r)
        d /= r
        d /= r
        return d


@ACTIVATIONS.register("sqnl", "square_nonlinearity", "square_non_linearity")
class SQNL(Activation):
    """Square non-linearity (Wuraola & Patel, 2018): c - c|c|/4 with c = clip(z, -2, 2), bounded by +-1;
    derivative 1 - |c|/2, continuous (0 at +-2)."""

    name = "sqnl"
    saturation_bounds = (-1.0, 1.0)

    def forward(self, z, training=False, rng=None):
        c = clamp(z, -2.0, 2.0)
        t = np.abs(c)
        t *= -0.25
        t += 1.0
        t *= c
        return t

    def backward(self, z, a, da):
        d = np.abs(z)
        np.minimum(d, 2.0, out=d)
        d *= -0.5
        d += 1.0
        d *= da
        return d


@ACTIVATIONS.register("gaussian", "gaussian_activation")
class Gaussian(Activation):
    """exp(-z^2), in (0, 1]; derivative -2 z a. The course notes' table shows the normal density: this is it with
    mu = 0 and sigma = 1/sqrt(2), times sqrt(pi), a bump of height 1 (the layer's bias and weights give mu and
    sigma). Not flagged as saturating: outputs near 1 mean z near 0."""

    name = "gaussian"

    def forward(self, z, training=False, rng=None):
        a = np.square(clip_for_square(z))  # exp(-z^2) is exactly 0 long before the clip
        np.negative(a, out=a)
        return np.exp(a, out=a)

    def backward(self, z, a, da):
        d = np.multiply(z, a)
        d *= -2.0
        d *= da
        return d
