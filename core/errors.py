"""Errors a user can read: each says where, what was received and what would be accepted.

Every problem caused by user input (a project file, a data file, a weights file, a CLI argument) raises a subclass
of `LayerLabError`, so the CLI and the GUI can show one clear line instead of a traceback.
"""
from __future__ import annotations


class LayerLabError(ValueError):
    """Base class for every error caused by what the user gave us."""


class SpecError(LayerLabError):
    """A project, model or training specification is invalid; the message starts with the path of the bad value."""


class DataError(LayerLabError):
    """A dataset could not be loaded or prepared; the message names the file, row or column and the problem."""


class WeightsError(LayerLabError):
    """A weights or checkpoint file is unreadable, unsafe, or does not match the network."""


class TrainingError(LayerLabError):
    """Training cannot start or continue with these settings (e.g. targets that do not fit the output layer)."""
