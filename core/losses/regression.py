"""Regression losses: mean squared and absolute error, Huber and smooth L1 (PyTorch's definitions)."""
from __future__ import annotations

import numpy as np

from ..config import check_float
from .base import LOSSES, Loss, scale_gradient, weighted_mean


@LOSSES.register("mse", "mean_squared_error", "squared_error", "quadratic")
class MeanSquaredError(Loss):
    name = "mse"
    tasks = ("regression",)

    def per_sample(self, output, target):
        diff = output - target
        return np.mean(diff * diff, axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        if weights is None:
            value = float(np.vdot(diff, diff)) / diff.size
        else:
            value = weighted_mean(np.mean(diff * diff, axis=1), weights)
        diff *= 2.0
        return value, scale_gradient(diff, weights, diff.shape[1])


@LOSSES.register("mae", "mean_absolute_error", "absolute_error", "l1_loss")
class MeanAbsoluteError(Loss):
    name = "mae"
    tasks = ("regression",)

    def per_sample(self, output, target):
        return np.mean(np.abs(output - target), axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        value = weighted_mean(np.mean(np.abs(diff), axis=1), weights)
        return value, scale_gradient(np.sign(diff), weights, diff.shape[1])


@LOSSES.register("huber", "huber_loss")
class Huber(Loss):
    """0.5 d^2 within `delta` of the target, delta (|d| - 0.5 delta) beyond (PyTorch's HuberLoss)."""

    name = "huber"
    tasks = ("regression",)

    def __init__(self, delta: float = 1.0):
        self.delta = check_float(delta, "training.loss.delta", minimum=0.0, exclusive_minimum=True)

    def _elementwise(self, diff):
        absd = np.abs(diff)
        return np.where(absd < self.delta, 0.5 * diff * diff, self.delta * (absd - 0.5 * self.delta))

    def per_sample(self, output, target):
        return np.mean(self._elementwise(output - target), axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        value = weighted_mean(np.mean(self._elementwise(diff), axis=1), weights)
        grad = np.clip(diff, -self.delta, self.delta)
        return value, scale_gradient(grad, weights, diff.shape[1])

    def get_config(self):
        return {"name": self.name, "delta": self.delta}


@LOSSES.register("smooth_l1", "smooth_l1_loss", "smoothl1loss")
class SmoothL1(Loss):
    """PyTorch's SmoothL1Loss: 0.5 d^2 / beta within `beta` of the target, |d| - 0.5 beta beyond; huber(delta=beta)
    / beta, so its linear part has slope 1 whatever beta is (Huber's has slope delta). beta = 0 is the L1 loss."""

    name = "smooth_l1"
    tasks = ("regression",)

    def __init__(self, beta: float = 1.0):
        self.beta = check_float(beta, "training.loss.beta", minimum=0.0)

    def _elementwise(self, diff):
        absd = np.abs(diff)
        if self.beta == 0.0:
            return absd
        return np.where(absd < self.beta, (0.5 / self.beta) * diff * diff, absd - 0.5 * self.beta)

    def per_sample(self, output, target):
        return np.mean(self._elementwise(output - target), axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        value = weighted_mean(np.mean(self._elementwise(diff), axis=1), weights)
        grad = np.sign(diff) if self.beta == 0.0 else np.clip(diff * (1.0 / self.beta), -1.0, 1.0)
        return value, scale_gradient(grad, weights, diff.shape[1])

    def get_config(self):
        return {"name": self.name, "beta": self.beta}


# TensorFlow's tf.nn.l2_loss(t) is sum(t^2) / 2 of a single tensor: a weight penalty, not an output-target loss,
# and half a sum rather than a mean, so "l2_loss" cannot stand for mse without changing the numbers.
LOSSES.reject("l2_loss", "TensorFlow's l2_loss(t) is sum(t^2) / 2 of one tensor, a weight penalty rather than a "
              "loss between outputs and targets; use 'mse' for the mean squared error, or a dense layer's 'l2' to "
              "penalise its weights", "l2", "l2loss", suggest="mse")
