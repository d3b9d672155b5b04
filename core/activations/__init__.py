"""Activation functions, each with its exact derivative; look them up with `get_activation(name_or_config)`.

Modules: `basic` (linear, sigmoid, tanh, relu, softmax), `rectifiers` (leaky, parametric, randomized, relu6,
bipolar), `linear_units` (elu, selu, celu, isrlu), `smooth` (softplus, gelu, silu, mish, bent identity,
exponential), `squashing` (bounded ones and the binary step), `rejected` (course-note names not offered, with the
reason). `special` holds the vectorised error function and normal CDF that GELU needs.
"""
from . import basic, linear_units, rectifiers, rejected, smooth, squashing  # noqa: F401  (register activations)
from .base import ACTIVATIONS, Activation, get_activation
from .basic import log_softmax, sigmoid, softmax
from .special import erf, normal_cdf

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "sigmoid", "softmax", "log_softmax", "erf", "normal_cdf"]
