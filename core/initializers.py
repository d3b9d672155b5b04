"""Weight initializers with Keras names; every draw comes from an explicit `numpy.random.Generator`.

Kernels have shape (in_features, out_features): fan_in = shape[0], fan_out = shape[1]. Variance-scaling
initializers (Glorot/He/LeCun) draw from a plain normal or a uniform with the variance their papers prescribe
(as PyTorch's `nn.init` does); `truncated_normal` is Keras' (cut at two standard deviations).
"""
from __future__ import annotations

import math

import numpy as np

from .config import check_float
from .errors import SpecError
from .registry import Registry

INITIALIZERS = Registry("initializer")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a kernel (in, out); a vector counts as (n, n)."""
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


class Initializer:
    name = ""

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
        return self.sample(tuple(shape), rng).astype(dtype, copy=False)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def variance(self, shape: tuple[int, ...]) -> float | None:
        """The variance of each entry this initializer aims for (None if not random); the tests check it."""
        return None

    def get_config(self) -> dict:
        return {"name": self.name}


@INITIALIZERS.register("zeros", "zero")
class Zeros(Initializer):
    name = "zeros"

    def sample(self, shape, rng):
        return np.zeros(shape)


@INITIALIZERS.register("ones", "one")
class Ones(Initializer):
    name = "ones"

    def sample(self, shape, rng):
        return np.ones(shape)


@INITIALIZERS.register("constant")
class Constant(Initializer):
    name = "constant"

    def __init__(self, value: float = 0.0):
        self.value = check_float(value, "initializer constant.value")

    def sample(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"name": self.name, "value": self.value}


@INITIALIZERS.register("normal", "random_normal")
class RandomNormal(Initializer):
    name = "normal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = check_float(mean, "initializer normal.mean")
        self.stddev = check_float(stddev, "initializer normal.stddev", minimum=0.0)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def variance(self, shape):
        return self.stddev**2

    def get_config(self):
        return {"name": self.name, "mean": self.mean, "stddev": self.stddev}


@INITIALIZERS.register("uniform", "random_uniform")
class RandomUniform(Initializer):
    name = "uniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        self.minval = check_float(minval, "initializer uniform.minval")
        self.maxval = check_float(maxval, "initializer uniform.maxval")
        if self.maxval < self.minval:
            raise SpecError(f"initializer uniform: maxval must be >= minval, got minval={minval}, maxval={maxval}")

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def variance(self, shape):
        return (self.maxval - self.minval) ** 2 / 12

    def get_config(self):
        return {"name": self.name, "minval": self.minval, "maxval": self.maxval}


def truncated_normal(rng: np.random.Generator, shape, stddev: float, mean: float = 0.0) -> np.ndarray:
    """Normal draws redrawn until they fall within two standard deviations of the mean."""
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2.0
    return mean + stddev * out


# Variance of a standard normal truncated at +-2: used to make truncated draws hit a target variance.
TRUNCATED_VARIANCE = 0.7737413220115013


@INITIALIZERS.register("truncated_normal")
class TruncatedNormal(Initializer):
    name = "truncated_normal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = check_float(mean, "initializer truncated_normal.mean")
        self.stddev = check_float(stddev, "initializer truncated_normal.stddev", minimum=0.0)

    def sample(self, shape, rng):
        return truncated_normal(rng, shape, self.stddev, self.mean)

    def variance(self, shape):
        return self.stddev**2 * TRUNCATED_VARIANCE

    def get_config(self):
        return {"name": self.name, "mean": self.mean, "stddev": self.stddev}


class VarianceScaling(Initializer):
    """Entries with variance scale / fan, where fan is fan_in, fan_out or their average."""

    scale = 1.0
    mode = "fan_in"
    distribution = "normal"

    def target_variance(self, shape) -> float:
        fan_in, fan_out = fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, fan)

    def sample(self, shape, rng):
        var = self.target_variance(shape)
        if self.distribution == "normal":
            return rng.normal(0.0, math.sqrt(var), size=shape)
        limit = math.sqrt(3.0 * var)
        return rng.uniform(-limit, limit, size=shape)

    def variance(self, shape):
        return self.target_variance(shape)


def _variance_scaling(name: str, scale: float, mode: str, distribution: str, *aliases: str) -> None:
    cls = type(name, (VarianceScaling,), {"name": name, "scale": scale, "mode": mode, "distribution": distribution})
    INITIALIZERS.add(name, cls, *aliases)


_variance_scaling("glorot_normal", 1.0, "fan_avg", "normal", "xavier_normal")
_variance_scaling("glorot_uniform", 1.0, "fan_avg", "uniform", "xavier_uniform")
_variance_scaling("he_normal", 2.0, "fan_in", "normal", "kaiming_normal")
_variance_scaling("he_uniform", 2.0, "fan_in", "uniform", "kaiming_uniform")
_variance_scaling("lecun_normal", 1.0, "fan_in", "normal")
_variance_scaling("lecun_uniform", 1.0, "fan_in", "uniform")


@INITIALIZERS.register("orthogonal")
class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, signs fixed as in Keras/PyTorch."""

    name = "orthogonal"

    def __init__(self, gain: float = 1.0):
        self.gain = check_float(gain, "initializer orthogonal.gain")

    def sample(self, shape, rng):
        if len(shape) != 2:
            raise SpecError(f"initializer orthogonal needs a 2-D kernel, got shape {shape}")
        rows, cols = shape
        flat = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q[:rows, :cols]

    def get_config(self):
        return {"name": self.name, "gain": self.gain}


@INITIALIZERS.register("identity", "eye")
class Identity(Initializer):
    """gain * I (rectangular kernels get ones on the main diagonal), as Keras' Identity."""

    name = "identity"

    def __init__(self, gain: float = 1.0):
        self.gain = check_float(gain, "initializer identity.gain")

    def sample(self, shape, rng):
        if len(shape) != 2:
            raise SpecError(f"initializer identity needs a 2-D kernel, got shape {shape}")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"name": self.name, "gain": self.gain}


# The default kernel initializer for each hidden activation: He for the ReLU family (keeps the variance of
# ReLU outputs constant across layers), LeCun normal for SELU (its self-normalising fixed point needs it), and
# Glorot for symmetric saturating functions and everything else.
_HE = {"relu", "leaky_relu", "prelu", "rrelu", "elu", "celu", "gelu", "silu", "mish", "relu6", "bipolar_relu",
       "isrlu", "softplus"}


def default_kernel_initializer(activation_name: str) -> str:
    if activation_name in _HE:
        return "he_uniform"
    if activation_name == "selu":
        return "lecun_normal"
    return "glorot_uniform"


def get_initializer(identifier, where: str = "initializer") -> Initializer:
    init = INITIALIZERS.get(identifier, where)
    if not isinstance(init, Initializer):
        raise SpecError(f"{INITIALIZERS.place(where)}{identifier!r} is not an initializer")
    return init
