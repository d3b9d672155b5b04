"""Batch normalization (PyTorch's BatchNorm1d semantics) and layer normalization."""
from __future__ import annotations

import numpy as np

from ..config import ConfigReader
from .base import LAYERS, Layer


@LAYERS.register("batch_norm", "batchnorm", "batch_normalization", "batchnorm1d")
class BatchNorm(Layer):
    """Normalises each feature with the batch's mean and (biased) variance in training, then scales by gamma and
    shifts by beta. Running statistics follow PyTorch: running = (1 - momentum) * running + momentum * batch, with
    the *unbiased* batch variance; evaluation uses them. Note that PyTorch's momentum 0.1 is Keras' 0.9.

    A training batch of one sample (the last batch of 33 samples in batches of 32) has no batch statistics:
    normalised by its own mean it would become beta, whatever the input, with a zero input gradient (Keras'
    result), and PyTorch refuses it. It is normalised with the running statistics, as at evaluation, and leaves
    them unchanged."""

    type = "batch_norm"

    def __init__(self, momentum: float = 0.1, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.momentum, self.eps, self.affine = momentum, eps, affine
        self._cache = None

    @classmethod
    def _from_reader(cls, r: ConfigReader):
        return cls(
            momentum=r.float("momentum", 0.1, minimum=0.0, maximum=1.0),
            eps=r.float("eps", 1e-5, minimum=0.0, exclusive_minimum=True),
            affine=r.bool("affine", True),
        )

    def get_config(self):
        config = {"type": self.type}
        if self.momentum != 0.1:
            config["momentum"] = self.momentum
        if self.eps != 1e-5:
            config["eps"] = self.eps
        if not self.affine:
            config["affine"] = False
        return config

    def param_shapes(self):
        return {"gamma": (self.in_width,), "beta": (self.in_width,)} if self.affine else {}

    def buffer_shapes(self):
        return {"running_mean": (self.in_width,), "running_var": (self.in_width,)}

    def buffer_initial(self, name):
        return 1.0 if name == "running_var" else 0.0

    def init_params(self, params, rng):
        if self.affine:
            params["gamma"][...] = 1
            params["beta"][...] = 0

    def forward(self, x, training, rng):
        dtype = x.dtype
        n = x.shape[0]
        training = training and n > 1  # one sample: running statistics (see the class docstring)
        if training:
            mean = np.mean(x, axis=0)
            centered = x - mean
            var = np.mean(centered * centered, axis=0)
            m = np.asarray(self.momentum, dtype=dtype)
            self.buffers["running_mean"] *= 1 - m
            self.buffers["running_mean"] += m * mean
            self.buffers["running_var"] *= 1 - m
            self.buffers["running_var"] += m * (var * np.asarray(n / (n - 1), dtype=dtype))
            inv_std = 1.0 / np.sqrt(var + np.asarray(self.eps, dtype=dtype))
            xhat = centered * inv_std
        else:
            inv_std = 1.0 / np.sqrt(self.buffers["running_var"] + np.asarray(self.eps, dtype=dtype))
            xhat = (x - self.buffers["running_mean"]) * inv_std
        self._cache = (xhat, inv_std, training)
        if not self.affine:
            return xhat
        return xhat * self.params["gamma"] + self.params["beta"]

    def backward(self, dy, need_dx=True):
        xhat, inv_std, training = self._cache
        if self.affine:
            np.sum(dy, axis=0, out=self.grads["beta"])
            np.sum(dy * xhat, axis=0, out=self.grads["gamma"])
            dxhat = dy * self.params["gamma"]
        else:
            dxhat = dy
        if not need_dx:
            return None
        if not training:
            return dxhat * inv_std  # running statistics are constants
        n = dy.shape[0]
        # d/dx of (x - mean) / sqrt(var + eps) with batch statistics, for all samples at once.
        return (inv_std / n) * (n * dxhat - np.sum(dxhat, axis=0) - xhat * np.sum(dxhat * xhat, axis=0))

    def describe(self):
        return "batch norm"


@LAYERS.register("layer_norm", "layernorm", "layer_normalization")
class LayerNorm(Layer):
    """Normalises each sample across its features (PyTorch's LayerNorm over the last dimension), then gamma/beta;
    the same computation in training and evaluation."""

    type = "layer_norm"

    def __init__(self, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.eps, self.affine = eps, affine
        self._cache = None

    @classmethod
    def _from_reader(cls, r: ConfigReader):
        return cls(eps=r.float("eps", 1e-5, minimum=0.0, exclusive_minimum=True), affine=r.bool("affine", True))

    def get_config(self):
        config = {"type": self.type}
        if self.eps != 1e-5:
            config["eps"] = self.eps
        if not self.affine:
            config["affine"] = False
        return config

    def param_shapes(self):
        return {"gamma": (self.in_width,), "beta": (self.in_width,)} if self.affine else {}

    def init_params(self, params, rng):
        if self.affine:
            params["gamma"][...] = 1
            params["beta"][...] = 0

    def forward(self, x, training, rng):
        mean = np.mean(x, axis=1, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + np.asarray(self.eps, dtype=x.dtype))
        xhat = centered * inv_std
        self._cache = (xhat, inv_std)
        if not self.affine:
            return xhat
        return xhat * self.params["gamma"] + self.params["beta"]

    def backward(self, dy, need_dx=True):
        xhat, inv_std = self._cache
        if self.affine:
            np.sum(dy, axis=0, out=self.grads["beta"])
            np.sum(dy * xhat, axis=0, out=self.grads["gamma"])
            dxhat = dy * self.params["gamma"]
        else:
            dxhat = dy
        if not need_dx:
            return None
        d = dy.shape[1]
        return (inv_std / d) * (d * dxhat - np.sum(dxhat, axis=1, keepdims=True)
                                - xhat * np.sum(dxhat * xhat, axis=1, keepdims=True))

    def describe(self):
        return "layer norm"
