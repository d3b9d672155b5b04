"""The layer interface: shapes and parameter counts are known at build time, before any data flows.

A layer declares its trainable parameters (`param_shapes`) and non-trainable state (`buffer_shapes`); the network
allocates all of them in flat arrays and hands each layer views (`bind`). Keeping every parameter in one
contiguous vector lets an optimizer update the whole network with a handful of NumPy calls.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..config import ConfigReader
from ..errors import SpecError
from ..registry import Registry

LAYERS = Registry("layer type")


class Layer:
    """Base class: subclasses implement `build`, `forward` and `backward` (and declare their parameters).

    What the network, the trainer and the diagnostics read from a layer is declared here: a layer with an
    activation (`activation` set) also implements `forward_logits` and `backward_from_preactivation` (so a loss can
    fuse with it) and reports its last `pre_activation` and `output`; a layer with a weight penalty or a
    constraint says so with `has_penalty` / `has_constraints` and implements the matching hooks.
    """

    type: str = ""
    activation = None  # an Activation for layers that apply one (dense, activation, prelu)

    def __init__(self) -> None:
        self.in_width = 0
        self.out_width = 0
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}

    # --- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: dict, path: str) -> "Layer":
        reader = ConfigReader(config, path)
        reader.str("type")
        layer = cls._from_reader(reader)
        reader.finish()
        return layer

    @classmethod
    def _from_reader(cls, reader: ConfigReader) -> "Layer":
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"type": self.type}

    def build(self, in_width: int) -> int:
        """Fix the input width; return the output width."""
        self.in_width = self.out_width = in_width
        return in_width

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def buffer_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def buffer_initial(self, name: str) -> float:
        return 0.0

    def init_params(self, params: dict[str, np.ndarray], rng: np.random.Generator) -> None:
        """Fill this layer's parameter views with fresh initial values."""

    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], buffers: dict[str, np.ndarray]) -> None:
        self.params, self.grads, self.buffers = params, grads, buffers
        if self.activation is not None:
            act_params = {k: v for k, v in params.items() if k in self.activation.param_shapes(self.out_width)}
            act_grads = {k: v for k, v in grads.items() if k in act_params}
            self.activation.bind(act_params, act_grads)

    @property
    def param_count(self) -> int:
        return int(sum(np.prod(s) for s in self.param_shapes().values()))

    # --- computation --------------------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool, rng: np.random.Generator | None) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Write parameter gradients (overwrite, not accumulate) and return dL/dx when asked."""
        raise NotImplementedError

    def forward_logits(self, x: np.ndarray, training: bool, rng: np.random.Generator | None) -> np.ndarray:
        """Forward without the activation (its pre-activation z), for a loss fused with that activation."""
        raise SpecError(f"layer {self.type!r} has no activation to fuse with the loss")

    def backward_from_preactivation(self, dz: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Backward when the loss already gave dL/dz (fused with this layer's activation)."""
        raise SpecError(f"layer {self.type!r} has no activation to fuse with the loss")

    @property
    def pre_activation(self) -> np.ndarray | None:
        """The activation's input z (n, units) of the latest forward pass; None for a layer without activation."""
        return None

    @property
    def output(self) -> np.ndarray | None:
        """The activation's output (n, units) of the latest forward pass; None for a layer without activation, or
        after `forward_logits` (which skips it)."""
        return None

    # --- regularization and constraints (dense kernels only) ----------------------------------------------------
    @property
    def has_penalty(self) -> bool:
        """Whether `penalty` and `add_penalty_gradient` do anything (the network calls only those that do)."""
        return False

    def penalty(self) -> float:
        """The weight penalty this layer adds to the loss."""
        return 0.0

    def add_penalty_gradient(self) -> None:
        """Add the penalty's gradient to this layer's parameter gradients."""

    @property
    def has_constraints(self) -> bool:
        """Whether `apply_constraints` does anything (the network calls only those that do)."""
        return False

    def apply_constraints(self) -> None:
        """Project the parameters back into their allowed set after an optimizer step."""

    def describe(self) -> str:
        """One short line for the layer table, e.g. 'dense 16, relu'."""
        return self.type


def build_layer(config: Any, path: str) -> Layer:
    if not isinstance(config, dict):
        raise SpecError(f"{path} must be an object like {{\"type\": \"dense\", \"units\": 16}}, got {config!r}")
    if "type" not in config:
        raise SpecError(f"{path}.type is required (one of: {', '.join(LAYERS.names())})")
    kind = LAYERS.canonical(config["type"], f"{path}.type")
    return LAYERS.factory(kind).from_config(config, path)
