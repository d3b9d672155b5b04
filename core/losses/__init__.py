"""Losses, averaged over the batch as PyTorch does, with their gradients; look them up with `get_loss(name)`.

Modules: `base` (the Loss interface, the weighting and reduction every loss shares, the LOSSES registry),
`regression` (mse, mae, huber, smooth L1), `crossentropy` (binary and categorical, fused with their output
activation), `hinge` (binary and categorical hinge).
"""
from . import crossentropy, hinge, regression  # noqa: F401  (register the losses)
from .base import EPSILON, LOSSES, Loss, get_loss, sample_weights_from_classes

__all__ = ["EPSILON", "LOSSES", "Loss", "get_loss", "sample_weights_from_classes"]
