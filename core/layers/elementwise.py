"""Layers without a kernel: a standalone activation, PReLU, inverted dropout and Gaussian noise."""
from __future__ import annotations

import numpy as np

from ..activations import get_activation
from ..config import ConfigReader
from .base import LAYERS, Layer


@LAYERS.register("activation")
class ActivationLayer(Layer):
    """Applies an activation on its own (e.g. after batch normalization)."""

    type = "activation"

    def __init__(self, activation="relu", path: str = "activation"):
        super().__init__()
        self.activation = get_activation(activation, f"{path}.activation")
        self._x = self._a = None

    @classmethod
    def _from_reader(cls, r: ConfigReader):
        return cls(r.raw("activation"), path=r.path)

    def get_config(self):
        config = self.activation.get_config()
        return {"type": self.type, "activation": config["name"] if len(config) == 1 else config}

    def param_shapes(self):
        return dict(self.activation.param_shapes(self.out_width))

    def init_params(self, params, rng):
        self.activation.init_params(params)

    def forward(self, x, training, rng):
        a = self.activation.forward(x, training, rng)
        self._x, self._a = x, a
        return a

    def forward_logits(self, x, training, rng):
        self._x, self._a = x, None
        return x

    def backward(self, dy, need_dx=True):
        return self.activation.backward(self._x, self._a, dy)

    def backward_from_preactivation(self, dz, need_dx=True):
        return dz

    @property
    def pre_activation(self):
        return self._x

    @property
    def output(self):
        return self._a

    def describe(self):
        return f"activation {self.activation.name}"


@LAYERS.register("prelu", "parametric_relu")
class PReLULayer(ActivationLayer):
    """PReLU with one learned slope per unit (PyTorch's `nn.PReLU(num_parameters=units)`)."""

    type = "prelu"

    def __init__(self, init: float = 0.25, path: str = "prelu"):
        super().__init__({"name": "prelu", "init": init}, path)
        self.init = init

    @classmethod
    def _from_reader(cls, r: ConfigReader):
        return cls(r.float("init", 0.25), path=r.path)

    def get_config(self):
        config = {"type": self.type}
        if self.init != 0.25:
            config["init"] = self.init
        return config

    def describe(self):
        return "prelu"


@LAYERS.register("dropout")
class Dropout(Layer):
    """Inverted dropout: zero each unit with probability `rate` and scale survivors by 1/(1 - rate) in training;
    the identity at evaluation, so no rescaling is needed after training."""

    type = "dropout"

    def __init__(self, rate: float = 0.5):
        super().__init__()
        self.rate = rate
        self._mask = None

    @classmethod
    def _from_reader(cls, r: ConfigReader):
        return cls(r.float("rate", 0.5, minimum=0.0, maximum=1.0, exclusive_maximum=True))

    def get_config(self):
        return {"type": self.type, "rate": self.rate}

    def forward(self, x, training, rng):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        keep = rng.random(x.shape, dtype=x.dtype) >= self.rate
        self._mask = keep * np.asarray(1.0 / (1.0 - self.rate), dtype=x.dtype)
        return x * self._mask

    def backward(self, dy, need_dx=True):
        return dy if self._mask is None else dy * self._mask

    def describe(self):
        return f"dropout {self.rate:g}"


@LAYERS.register("gaussian_noise", "noise")
class GaussianNoise(Layer):
    """Adds N(0, stddev^2) noise in training only: the course notes' noise injection (implicit augmentation)."""

    type = "gaussian_noise"

    def __init__(self, stddev: float = 0.1):
        super().__init__()
        self.stddev = stddev

    @classmethod
    def _from_reader(cls, r: ConfigReader):
        return cls(r.float("stddev", 0.1, minimum=0.0))

    def get_config(self):
        return {"type": self.type, "stddev": self.stddev}

    def forward(self, x, training, rng):
        if not training or self.stddev == 0.0:
            return x
        noise = rng.standard_normal(x.shape, dtype=x.dtype)
        noise *= np.asarray(self.stddev, dtype=x.dtype)
        return x + noise

    def backward(self, dy, need_dx=True):
        return dy

    def describe(self):
        return f"gaussian noise {self.stddev:g}"
