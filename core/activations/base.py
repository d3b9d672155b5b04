"""The activation interface: forward and its exact derivative side by side.

An activation maps pre-activations `z` (batch, units) to outputs `a` of the same shape and dtype. `backward`
receives the forward's `z` and `a` and the upstream gradient `da`, and returns `dz`. Forward never writes into
`z`; backward never writes into `z`, `a` or `da`, so callers can reuse buffers safely.

`backward` must be given the arrays of the latest `forward` call: a few activations keep what that call drew
(RReLU's random slopes) or computed (GELU's normal CDF) instead of paying for it twice.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..config import check_float
from ..errors import SpecError
from ..registry import Registry


ACTIVATIONS = Registry("activation")


class Activation:
    """Base class. Subclasses set `name` (and `config_keys`, their constructor arguments) and implement the math."""

    name: str = ""
    # Constructor arguments, in order; `get_config` reports them and the registry rebuilds from them.
    config_keys: tuple[str, ...] = ()
    # True when the gradient is exactly zero for every z <= 0 (ReLU, ReLU6, leaky variants with slope 0): a unit
    # whose pre-activation stays <= 0 for every sample no longer learns ("dies").
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
        return {"name": self.name, **{key: getattr(self, key) for key in self.config_keys}}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self), json.dumps(self.get_config(), sort_keys=True)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    # Work shared between a forward and its backward (e.g. GELU's CDF), remembered only for training forwards and
    # only used while backward is given the very same `z` object.
    _memo: tuple[np.ndarray, Any] | None = None

    def _remember(self, z: np.ndarray, training: bool, value: Any) -> None:
        self._memo = (z, value) if training else None

    def _recall(self, z: np.ndarray) -> Any:
        memo = self._memo
        return memo[1] if memo is not None and memo[0] is z else None


def get_activation(identifier: Any, where: str = "activation") -> Activation:
    """Build an activation from `"relu"`, `{"name": "leaky_relu", "negative_slope": 0.2}` or an instance."""
    if identifier is None:
        identifier = "linear"
    activation = ACTIVATIONS.get(identifier, where)
    if not isinstance(activation, Activation):
        raise SpecError(f"{ACTIVATIONS.place(where)}{identifier!r} is not an activation")
    return activation


def number(activation: str, key: str, value: Any, minimum: float | None = None, maximum: float | None = None,
           exclusive_minimum: bool = False) -> float:
    """A checked float argument; the message names the activation and the argument, e.g. `elu.alpha`."""
    return check_float(value, f"{activation}.{key}", minimum, maximum, exclusive_minimum)


def ordered(activation: str, low_key: str, low: float, high_key: str, high: float, strict: bool = True) -> None:
    """Reject an interval whose ends are the wrong way round (hard_tanh's min_val/max_val, rrelu's lower/upper)."""
    if low > high or (strict and low == high):
        relation = "below" if strict else "at most"
        raise SpecError(
            f"{activation}: {low_key} must be {relation} {high_key}, got {low_key}={low:g}, {high_key}={high:g}")
