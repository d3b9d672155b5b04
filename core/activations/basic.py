"""The activations every course starts with: linear, sigmoid, tanh, ReLU and softmax."""
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
    """1 / (1 + exp(-z)), computed without overflow for large |z| (exp of a non-positive number only)."""

    name = "sigmoid"
    saturation_bounds = (0.0, 1.0)

    def forward(self, z, training=False, rng=None):
        return sigmoid(z)

    def backward(self, z, a, da):
        return da * (a * (1 - a))


@ACTIVATIONS.register("tanh", "tangent_sigmoid", "hyperbolic_tangent")
class Tanh(Activation):
    name = "tanh"
    saturation_bounds = (-1.0, 1.0)

    def forward(self, z, training=False, rng=None):
        return np.tanh(z)

    def backward(self, z, a, da):
        return da * (1 - a * a)


@ACTIVATIONS.register("relu", "rectified_linear_unit")
class ReLU(Activation):
    """max(0, z); the derivative at z <= 0 is 0, as in PyTorch (so a unit with z <= 0 everywhere is dead)."""

    name = "relu"
    can_die = True

    def forward(self, z, training=False, rng=None):
        return np.maximum(z, 0)

    def backward(self, z, a, da):
        return da * (z > 0)


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
        return a * (da - np.sum(da * a, axis=1, keepdims=True))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable logistic: exp(-|z|) never overflows, and both branches share it."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    e /= np.sum(e, axis=1, keepdims=True)
    return e


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
