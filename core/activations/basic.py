"""The activations every course starts with: linear, sigmoid, tanh, ReLU and softmax.

These sit in the training hot path, so each is a handful of NumPy calls on arrays it allocates itself (in-place
operations on its own temporaries, Python-float constants so float32 stays float32).
"""
from __future__ import annotations

import numpy as np

from .base import ACTIVATIONS, Activation


@ACTIVATIONS.register("linear", "identity", "none")
class Linear(Activation):
    name = "linear"

    def forward(self, z, training=False, rng=None):
        return z

    def backward(self, z, a, da):
        return da


@ACTIVATIONS.register("sigmoid", "logistic", "logistic_sigmoid")
class Sigmoid(Activation):
    """1 / (1 + exp(-z)); sigmoid' = a (1 - a)."""

    name = "sigmoid"
    saturation_bounds = (0.0, 1.0)

    def forward(self, z, training=False, rng=None):
        return sigmoid(z)

    def backward(self, z, a, da):
        d = np.subtract(1.0, a)
        d *= a
        d *= da
        return d


@ACTIVATIONS.register("tanh", "tangent_sigmoid", "hyperbolic_tangent")
class Tanh(Activation):
    """tanh' = 1 - a^2."""

    name = "tanh"
    saturation_bounds = (-1.0, 1.0)

    def forward(self, z, training=False, rng=None):
        return np.tanh(z)

    def backward(self, z, a, da):
        d = np.square(a)
        np.subtract(1.0, d, out=d)
        d *= da
        return d


@ACTIVATIONS.register("relu", "rectified_linear_unit")
class ReLU(Activation):
    """max(0, z); the derivative at z <= 0 is 0, as in PyTorch (so a unit with z <= 0 everywhere is dead)."""

    name = "relu"
    can_die = True

    def forward(self, z, training=False, rng=None):
        return np.maximum(z, 0.0)

    def backward(self, z, a, da):
        d = np.greater(z, 0.0).astype(da.dtype)
        d *= da
        return d


@ACTIVATIONS.register("softmax")
class Softmax(Activation):
    """exp(z_j) / sum_k exp(z_k) over each row, shifted by the row max so no exp overflows."""

    name = "softmax"
    saturation_bounds = (0.0, 1.0)
    rowwise = True

    def forward(self, z, training=False, rng=None):
        return softmax(z)

    def backward(self, z, a, da):
        # Jacobian-vector product: a * (da - sum(da * a)) per row.
        d = np.multiply(da, a)
        s = np.add.reduce(d, axis=-1, keepdims=True)
        np.subtract(da, s, out=d)
        d *= a
        return d


def sigmoid(z: np.ndarray) -> np.ndarray:
    """exp(min(z, 0)) / (1 + exp(-|z|)): that is 1 / (1 + exp(-z)) for z >= 0 and exp(z) / (1 + exp(z)) below,
    so no exp overflows and both tails keep full relative accuracy down to exact 0 and 1. Shape and dtype of z."""
    s = np.minimum(z, 0.0)
    np.exp(s, out=s)
    d = np.abs(z)
    np.negative(d, out=d)
    np.exp(d, out=d)
    d += 1.0
    s /= d
    return s


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of z (batch, classes), shifted by the row max so no exp overflows. (The ufunc reduce
    methods skip np.max/np.sum's Python wrappers, a third of the cost at training batch sizes.)"""
    e = np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=True))
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=-1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log(softmax(z)) without forming the (possibly underflowing) probabilities."""
    shifted = np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=True))
    shifted -= np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))
    return shifted
