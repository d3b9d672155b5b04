"""What can go wrong with a run store, as one error class the CLI prints and the app shows in one line."""
from __future__ import annotations

from ..errors import LayerLabError

# Why a store was refused; `RunStoreError.reason` is one of these, so callers can word advice (or tests can check).
REASONS = ("corrupt", "locked", "newer", "foreign", "unreadable")


class RunStoreError(LayerLabError):
    """The run store cannot be used: damaged, locked past the timeout, from a newer LayerLab, not a LayerLab store,
    or not readable. The file is left exactly as it was."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class UnknownRunError(LayerLabError):
    """A run or group id that is not in the store (a mistyped `layerlab runs show 42`)."""


class RunStoreWarning(UserWarning):
    """Recording a run failed; training went on without it."""
