"""Optimizers that update the network's flat parameter vector in place; build one with `get_optimizer(config)`."""
from .base import OPTIMIZERS, Optimizer, get_optimizer
from . import sgd, adaptive, adam  # noqa: F401,E401  (register the optimizers)
from .adam import Adam, Adamax, AdamW, NAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .sgd import SGD

__all__ = ["OPTIMIZERS", "Optimizer", "get_optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW",
           "Adamax", "NAdam"]
