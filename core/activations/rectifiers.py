"""ReLU's relatives: leaky, parametric (learned slope per unit), randomized, capped at 6, and bipolar.

Kinks follow PyTorch: at z = 0 the derivative is the negative-side one (leaky: `negative_slope`, PReLU: alpha,
RReLU: the slope drawn for that element), and ReLU6 has derivative 0 at both 0 and 6.
"""
from __future__ import annotations

import numpy as np

from .base import ACTIVATIONS, Activation, number, ordered
from .kernels import blend, clamp, leaky, leaky_backward, window_backward


@ACTIVATIONS.register("leaky_relu", "leaky_rectified_linear_unit", "lrelu")
class LeakyReLU(Activation):
    """z for z > 0, negative_slope * z otherwise (PyTorch's default slope 0.01; the course notes use 0.1, and
    also write z / a with a = 5.5 or 100, i.e. negative_slope = 1 / a)."""

    name = "leaky_relu"
    config_keys = ("negative_slope",)

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = number(self.name, "negative_slope", negative_slope)
        # With slope 0 this is ReLU and can die like it.
        self.can_die = self.negative_slope == 0.0

    def forward(self, z, training=False, rng=None):
        return leaky(z, self.negative_slope)

    def backward(self, z, a, da):
        return leaky_backward(z, da, self.negative_slope)


@ACTIVATIONS.register("prelu", "parametric_relu", "parameteric_relu")
class PReLU(Activation):
    """Leaky ReLU whose negative slope alpha is learned, one per unit (PyTorch's `nn.PReLU(units)`, init 0.25).

    The layer allocates `alpha` (units,) in the network's flat parameter buffer (`param_shapes`), fills it
    (`init_params`) and hands over views (`bind`). `backward` writes d alpha = sum over the batch of
    da * z * (z < 0) into the bound gradient view (overwriting it) and returns dz. Unbound (e.g. for plotting
    the curve), the slope is the fixed `init` value and no gradient is written."""

    name = "prelu"
    config_keys = ("init",)

    def __init__(self, init: float = 0.25):
        self.init = number(self.name, "init", init)
        self._alpha: np.ndarray | float = self.init
        self._grad: np.ndarray | None = None

    def param_shapes(self, units):
        return {"alpha": (units,)}

    def init_params(self, params):
        params["alpha"][...] = self.init

    def bind(self, params, grads):
        self._alpha = params["alpha"]
        self._grad = grads.get("alpha")

    def forward(self, z, training=False, rng=None):
        alpha = self._alpha
        if isinstance(alpha, float):
            return leaky(z, alpha)
        a = np.minimum(z, 0.0)
        a *= alpha
        a += np.maximum(z, 0.0)
        return a

    def backward(self, z, a, da):
        if self._grad is not None:
            negative = np.minimum(z, 0.0)
            negative *= da
            np.sum(negative, axis=0, out=self._grad)
        return leaky_backward(z, da, self._alpha)


@ACTIVATIONS.register("rrelu", "randomized_relu", "randomized_leaky_relu", "random_relu")
class RReLU(Activation):
    """Randomized leaky ReLU (PyTorch's `rrelu`): in training each element with z <= 0 gets its own slope drawn
    from U(lower, upper) with the forward's `rng`; at evaluation the slope is the mean (lower + upper) / 2.

    `backward` uses the slopes drawn by the latest forward, so it must follow that forward."""

    name = "rrelu"
    config_keys = ("lower", "upper")

    def __init__(self, lower: float = 1.0 / 8.0, upper: float = 1.0 / 3.0):
        self.lower = number(self.name, "lower", lower)
        self.upper = number(self.name, "upper", upper)
        ordered(self.name, "lower", self.lower, "upper", self.upper, strict=False)
        self.can_die = self.lower == self.upper == 0.0
        self._slopes: np.ndarray | None = None  # per-element slope of the latest training forward (1 where z > 0)

    @property
    def mean_slope(self) -> float:
        return 0.5 * (self.lower + self.upper)

    def forward(self, z, training=False, rng=None):
        if not training:
            self._slopes = None
            return leaky(z, self.mean_slope)
        if rng is None:
            raise ValueError("rrelu: a training forward needs the random generator `rng` to draw its slopes")
        dtype = z.dtype if z.dtype in (np.float32, np.float64) else np.float64
        drawn = rng.random(z.shape, dtype=dtype)
        drawn *= self.upper - self.lower
        drawn += self.lower
        slopes = self._slopes = blend(z > 0.0, 1.0, drawn, dtype)
        return np.multiply(z, slopes)

    def backward(self, z, a, da):
        slopes = self._slopes
        if slopes is None:
            return leaky_backward(z, da, self.mean_slope)
        if slopes.shape != np.shape(z):
            raise ValueError(f"rrelu: backward got shape {np.shape(z)} but the latest forward had {slopes.shape}")
        return np.multiply(da, slopes)


@ACTIVATIONS.register("relu6", "relu_6")
class ReLU6(Activation):
    """min(max(0, z), 6); derivative 1 on the open interval (0, 6), 0 elsewhere (PyTorch: hardtanh(z, 0, 6))."""

    name = "relu6"
    can_die = True
    saturation_bounds = (0.0, 6.0)

    def forward(self, z, training=False, rng=None):
        return clamp(z, 0.0, 6.0)

    def backward(self, z, a, da):
        return window_backward(z, da, 0.0, 6.0)


@ACTIVATIONS.register("bipolar_relu", "brelu")
class BipolarReLU(Activation):
    """ReLU(z) on even units (0, 2, ...) and -ReLU(-z) on odd units, so a layer's outputs are not all >= 0
    (Eidnes & Nøkland, 2018). Derivative 0 at z = 0 on both, as ReLU'(0) = 0.

    Not flagged `can_die`: its odd units stop learning for z >= 0, which a z <= 0 dead-unit check cannot see."""

    name = "bipolar_relu"

    def forward(self, z, training=False, rng=None):
        a = np.maximum(z, 0.0)
        np.minimum(z[..., 1::2], 0.0, out=a[..., 1::2])
        return a

    def backward(self, z, a, da):
        active = np.greater(z, 0.0)
        np.less(z[..., 1::2], 0.0, out=active[..., 1::2])
        d = active.astype(da.dtype)
        d *= da
        return d
