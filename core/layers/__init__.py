"""Layers of a sequential network, built from JSON-like configs by `build_layer`."""
from .base import LAYERS, Layer, build_layer
from .dense import Dense
from .elementwise import ActivationLayer, Dropout, GaussianNoise, PReLULayer
from .normalization import BatchNorm, LayerNorm

__all__ = ["LAYERS", "Layer", "build_layer", "Dense", "ActivationLayer", "Dropout", "GaussianNoise", "PReLULayer",
           "BatchNorm", "LayerNorm"]
