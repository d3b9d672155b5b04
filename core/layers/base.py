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
    """Base class: subclasses implement `build`, `forward` and `backward` (and declare their parameters)."""

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

    def backward_from_preactivation(self, dz: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Backward when the loss already gave dL/dz (fused with this layer's activation)."""
        raise SpecError(f"layer {self.type!r} has no activation to fuse with the loss")

    # --- regularization (dense kernels only) --------------------------------------------------------------------
    def penalty(self) -> float:
        return 0.0

    def add_penalty_gradient(self) -> None:
        pass

    def apply_constraints(self) -> None:
        pass

    def describe(self) -> str:
        """One short line for the layer table, e.g. 'dense 16, relu'."""
        return self.type


def build_layer(config: Any, path: str) -> Layer:
    if not isinstance(config, dict):
        raise SpecError(f"{path} must be an object like {{\"type\": \"dense\", \"units\": 16}}, got {config!r}")
    if "type" not in config:
        raise SpecError(f"{path}.type is required (one of: {', '.join(LAYERS.names())})")
    kind = LAYERS.canonical(config["type"], f"{path}.type")
    cls = LAYERS._factories[kind]
    return cls.from_config(config, path)
