"""The activation interface: forward and its exact derivative side by side.

An activation maps pre-activations `z` (batch, units) to outputs `a` of the same shape. `backward` receives the
forward's `z` and `a` and the upstream gradient `da`, and returns `dz`. Forward never writes into `z`; backward may
write into `da` only when it owns it (it does not here), so callers can reuse buffers safely.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import Registry

ACTIVATIONS = Registry("activation")


class Activation:
    """Base class. Subclasses set `name` and implement `forward` and `backward`."""

    name: str = ""
    # True for units whose gradient is exactly zero for z <= 0 (ReLU family): they can "die".
    can_die: bool = False
    # Output bounds of a saturating activation (sigmoid: (0, 1), tanh: (-1, 1)); None if it does not saturate.
    saturation_bounds: tuple[float, float] | None = None
    # False for activations whose derivative is zero almost everywhere (binary step): the network cannot learn.
    learns: bool = True
    # True when outputs of one sample depend on each other (softmax); such activations act on whole rows.
    rowwise: bool = False

    def forward(self, z: np.ndarray, training: bool = False, rng: np.random.Generator | None = None) -> np.ndarray:
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # Parametric activations (PReLU) own parameters per unit; the layer allocates them in the network's flat buffer.
    def param_shapes(self, units: int) -> dict[str, tuple[int, ...]]:
        return {}

    def init_params(self, params: dict[str, np.ndarray]) -> None:
        """Fill freshly allocated parameter views with their initial values."""

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Receive views into the network's flat parameter and gradient buffers."""

    def get_config(self) -> dict[str, Any]:
        """`{"name": ..., **arguments}`; `ACTIVATIONS.get(config)` rebuilds an equal activation."""
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def get_activation(identifier: Any, where: str = "activation") -> Activation:
    """Build an activation from `"relu"`, `{"name": "leaky_relu", "negative_slope": 0.2}` or an instance."""
    if identifier is None:
        identifier = "linear"
    activation = ACTIVATIONS.get(identifier, where)
    if not isinstance(activation, Activation):
        raise TypeError(f"{where}: {identifier!r} is not an activation")
    return activation
