"""Fully connected layer y = act(x @ W + b), kernel shape (in_features, out_features), with Keras-style L1/L2
on the kernel (biases are never penalised) and an optional max-norm constraint on each unit's incoming weights."""
from __future__ import annotations

import numpy as np

from ..activations import get_activation
from ..config import ConfigReader
from ..initializers import default_kernel_initializer, get_initializer
from .base import LAYERS, Layer

# Keras' MaxNorm divides by (norm + epsilon).
MAX_NORM_EPSILON = 1e-7


@LAYERS.register("dense", "linear", "fully_connected", "fc")
class Dense(Layer):
    type = "dense"

    def __init__(self, units: int, activation="linear", use_bias: bool = True, kernel_initializer=None,
                 bias_initializer="zeros", l1: float = 0.0, l2: float = 0.0, max_norm: float | None = None,
                 path: str = "dense"):
        super().__init__()
        self.units = units
        self.activation = get_activation(activation, f"{path}.activation")
        self.use_bias = use_bias
        kernel_initializer = kernel_initializer or default_kernel_initializer(self.activation.name)
        self.kernel_initializer = get_initializer(kernel_initializer, f"{path}.kernel_initializer")
        self.bias_initializer = get_initializer(bias_initializer, f"{path}.bias_initializer")
        self.l1, self.l2, self.max_norm = l1, l2, max_norm
        self._x = self._z = self._a = None
        self._ones = np.ones(0)

    @classmethod
    def _from_reader(cls, r: ConfigReader) -> "Dense":
        return cls(
            units=r.int("units", minimum=1, maximum=1_000_000),
            activation=r.raw("activation", "linear"),
            use_bias=r.bool("use_bias", True),
            kernel_initializer=r.raw("kernel_initializer", None),
            bias_initializer=r.raw("bias_initializer", "zeros"),
            l1=r.float("l1", 0.0, minimum=0.0),
            l2=r.float("l2", 0.0, minimum=0.0),
            max_norm=r.float("max_norm", None, minimum=0.0, exclusive_minimum=True),
            path=r.path,
        )

    def get_config(self):
        config = {"type": self.type, "units": self.units, "activation": _compact(self.activation.get_config())}
        if not self.use_bias:
            config["use_bias"] = False
        kernel = self.kernel_initializer.get_config()
        if kernel["name"] != default_kernel_initializer(self.activation.name) or len(kernel) > 1:
            config["kernel_initializer"] = _compact(kernel)
        bias = self.bias_initializer.get_config()
        if bias != {"name": "zeros"}:
            config["bias_initializer"] = _compact(bias)
        for key in ("l1", "l2"):
            if getattr(self, key):
                config[key] = getattr(self, key)
        if self.max_norm is not None:
            config["max_norm"] = self.max_norm
        return config

    def build(self, in_width):
        self.in_width, self.out_width = in_width, self.units
        return self.units

    def param_shapes(self):
        # Kernel then bias, adjacent in the flat buffer: together they form one (in + 1, units) block.
        shapes = {"weight": (self.in_width, self.units)}
        if self.use_bias:
            shapes["bias"] = (self.units,)
        shapes.update(self.activation.param_shapes(self.units))
        return shapes

    def init_params(self, params, rng):
        params["weight"][...] = self.kernel_initializer((self.in_width, self.units), rng, params["weight"].dtype)
        if self.use_bias:
            params["bias"][...] = self.bias_initializer((self.units,), rng, params["bias"].dtype)
        self.activation.init_params({k: v for k, v in params.items() if k not in ("weight", "bias")})

    def forward(self, x, training, rng):
        z = x @ self.params["weight"]
        if self.use_bias:
            z += self.params["bias"]
        a = self.activation.forward(z, training, rng)
        self._x, self._z, self._a = x, z, a
        return a

    def forward_logits(self, x, training, rng):
        """Forward without the activation: a loss fused with it works from the pre-activation."""
        z = x @ self.params["weight"]
        if self.use_bias:
            z += self.params["bias"]
        self._x, self._z, self._a = x, z, None
        return z

    def backward(self, dy, need_dx=True):
        return self.backward_from_preactivation(self.activation.backward(self._z, self._a, dy), need_dx)

    def backward_from_preactivation(self, dz, need_dx=True):
        np.matmul(self._x.T, dz, out=self.grads["weight"])
        if self.use_bias:
            # Column sums as a matrix-vector product: a third of np.sum's cost at training batch sizes.
            n = dz.shape[0]
            if self._ones.shape[0] < n or self._ones.dtype != dz.dtype:
                self._ones = np.ones(max(n, 1), dtype=dz.dtype)
            np.matmul(self._ones[:n], dz, out=self.grads["bias"])
        if need_dx:
            return dz @ self.params["weight"].T
        return None

    @property
    def pre_activation(self) -> np.ndarray | None:
        return self._z

    @property
    def output(self) -> np.ndarray | None:
        return self._a

    @property
    def has_penalty(self) -> bool:
        return bool(self.l1 or self.l2)

    def penalty(self):
        w = self.params["weight"].ravel()
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.sum(np.abs(w)))
        if self.l2:
            total += self.l2 * float(np.dot(w, w))
        return total

    def add_penalty_gradient(self):
        w, g = self.params["weight"], self.grads["weight"]
        if self.l2:
            g += (2.0 * self.l2) * w
        if self.l1:
            g += self.l1 * np.sign(w)

    @property
    def has_constraints(self) -> bool:
        return self.max_norm is not None

    def apply_constraints(self):
        if self.max_norm is None:
            return
        w = self.params["weight"]
        norms = np.sqrt(np.sum(w * w, axis=0))
        w *= (np.clip(norms, 0, self.max_norm) / (MAX_NORM_EPSILON + norms)).astype(w.dtype)

    def describe(self):
        return f"dense {self.units}, {self.activation.name}"


def _compact(config: dict):
    """{"name": "relu"} -> "relu"; configs with arguments stay objects."""
    return config["name"] if len(config) == 1 else config
