"""Activation functions, each with its exact derivative; look them up with `get_activation(name_or_config)`."""
from .base import ACTIVATIONS, Activation, get_activation
from . import basic  # noqa: F401  (registers the basic activations)
from .basic import log_softmax, sigmoid, softmax

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "sigmoid", "softmax", "log_softmax"]
