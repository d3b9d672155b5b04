"""A sequential network whose parameters live in one flat array.

`Network(layer_configs, input_width)` builds every layer, so output shapes and parameter counts are known before
any data flows. All trainable parameters share one contiguous vector (`params`), their gradients another
(`grads`), and non-trainable state (batch-norm running statistics) a third (`buffers`); layers hold named views.
Optimizers, clipping, divergence checks and checkpoints then work on whole vectors at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .errors import SpecError, WeightsError
from .layers import Layer, build_layer

DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass(frozen=True)
class ParamEntry:
    """Where one named array lives in a flat buffer."""

    name: str          # "layers.2.weight"
    layer: int
    key: str           # "weight"
    shape: tuple[int, ...]
    offset: int
    trainable: bool

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True)
class LayerRow:
    """One line of the layer table (Keras' `summary()`)."""

    index: int
    type: str
    description: str
    output_width: int
    params: int
    non_trainable: int


def resolve_dtype(dtype: Any) -> np.dtype:
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise SpecError(f"training.dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        return np.dtype(DTYPES[dtype])
    return np.dtype(dtype)


class Network:
    def __init__(self, layer_configs: Sequence[dict | Layer], input_width: int, dtype: Any = "float32",
                 path: str = "model.layers"):
        if not isinstance(layer_configs, (list, tuple)) or not layer_configs:
            raise SpecError(f"{path} must be a non-empty list of layers")
        if not isinstance(input_width, (int, np.integer)) or input_width < 1:
            raise SpecError(f"the network's input width must be a positive integer, got {input_width!r}")
        self.dtype = resolve_dtype(dtype)
        self.layers: list[Layer] = [
            cfg if isinstance(cfg, Layer) else build_layer(cfg, f"{path}[{i}]") for i, cfg in enumerate(layer_configs)
        ]
        self.input_width = int(input_width)
        self.widths = [self.input_width]
        for layer in self.layers:
            self.widths.append(layer.build(self.widths[-1]))
        self.output_width = self.widths[-1]
        self.entries: list[ParamEntry] = []
        sizes = {True: 0, False: 0}
        for i, layer in enumerate(self.layers):
            for trainable, shapes in ((True, layer.param_shapes()), (False, layer.buffer_shapes())):
                for key, shape in shapes.items():
                    entry = ParamEntry(f"layers.{i}.{key}", i, key, tuple(shape), sizes[trainable], trainable)
                    self.entries.append(entry)
                    sizes[trainable] += entry.size
        self.params = np.zeros(sizes[True], dtype=self.dtype)
        self.grads = np.zeros(sizes[True], dtype=self.dtype)
        self.buffers = np.zeros(sizes[False], dtype=self.dtype)
        for i, layer in enumerate(self.layers):
            layer.bind(self._views(self.params, i, True), self._views(self.grads, i, True),
                       self._views(self.buffers, i, False))
        # A layer needs dL/dx only if some earlier layer has parameters to update.
        has_params = [bool(layer.param_shapes()) for layer in self.layers]
        self._need_dx = [any(has_params[:i]) for i in range(len(self.layers))]
        self._regularized = [layer for layer in self.layers if layer.has_penalty]
        self._constrained = [layer for layer in self.layers if layer.has_constraints]
        self.reset_buffers()

    # --- construction helpers -----------------------------------------------------------------------------------
    def _views(self, flat: np.ndarray, layer: int, trainable: bool) -> dict[str, np.ndarray]:
        return {e.key: flat[e.offset:e.offset + e.size].reshape(e.shape)
                for e in self.entries if e.layer == layer and e.trainable == trainable}

    def initialize(self, rng: np.random.Generator) -> None:
        """Draw fresh parameters (layer by layer, in order) and reset running statistics."""
        for i, layer in enumerate(self.layers):
            views = self._views(self.params, i, True)
            with np.errstate(over="ignore", invalid="ignore"):
                layer.init_params(views, rng)
            for key, view in views.items():
                if not np.all(np.isfinite(view)):
                    limit = np.finfo(self.dtype).max
                    raise SpecError(f"model.layers[{i}] ({layer.describe()}): its initial {key} values are beyond "
                                    f"the {self.dtype.name} range (largest {limit:.3g}); choose a smaller initializer "
                                    f"value, or train in float64")
        self.grads[...] = 0
        self.reset_buffers()

    def reset_buffers(self) -> None:
        for entry in self.entries:
            if not entry.trainable:
                self.buffers[entry.offset:entry.offset + entry.size] = self.layers[entry.layer].buffer_initial(entry.key)

    @property
    def layer_configs(self) -> list[dict]:
        return [layer.get_config() for layer in self.layers]

    @property
    def param_count(self) -> int:
        return int(self.params.size)

    def summary(self) -> list[LayerRow]:
        rows = []
        for i, layer in enumerate(self.layers):
            non_trainable = sum(e.size for e in self.entries if e.layer == i and not e.trainable)
            rows.append(LayerRow(i, layer.type, layer.describe(), self.widths[i + 1], layer.param_count, non_trainable))
        return rows

    @property
    def output_activation(self) -> str | None:
        activation = self.layers[-1].activation
        return activation.name if activation is not None else None

    def can_fuse(self, activation_name: str | None) -> bool:
        """True when the last layer applies `activation_name`, so a loss can work from its pre-activation."""
        return activation_name is not None and self.output_activation == activation_name

    # --- computation --------------------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False, rng: np.random.Generator | None = None,
                logits: bool = False) -> np.ndarray:
        """Outputs (n, output_width); with `logits=True`, the last layer's pre-activation instead."""
        layers = self.layers
        if not logits:
            for layer in layers:
                x = layer.forward(x, training, rng)
            return x
        for layer in layers[:-1]:
            x = layer.forward(x, training, rng)
        return layers[-1].forward_logits(x, training, rng)

    def backward(self, grad_output: np.ndarray, from_logits: bool = False) -> None:
        """Fill `grads` from dL/d(output), or from dL/d(logits) when the loss fused the output activation."""
        layers, need_dx = self.layers, self._need_dx
        i = len(layers) - 1
        if from_logits:
            d = layers[i].backward_from_preactivation(grad_output, need_dx[i])
        else:
            d = layers[i].backward(grad_output, need_dx[i])
        while d is not None and i > 0:
            i -= 1
            d = layers[i].backward(d, need_dx[i])

    def predict(self, x: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """Evaluation-mode outputs for any number of rows, in chunks to bound memory."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.input_width:
            raise SpecError(f"inputs must have shape (n, {self.input_width}), got {x.shape}")
        if x.shape[0] <= batch_size:
            return np.array(self.forward(x, training=False), copy=True)
        parts = [np.array(self.forward(x[s:s + batch_size], training=False), copy=True)
                 for s in range(0, x.shape[0], batch_size)]
        return np.concatenate(parts, axis=0)

    # --- regularization -----------------------------------------------------------------------------------------
    def penalty(self) -> float:
        """Keras-style L1/L2 kernel penalty added to the loss."""
        return sum(layer.penalty() for layer in self._regularized)

    @property
    def has_penalty(self) -> bool:
        return bool(self._regularized)

    def add_penalty_gradient(self) -> None:
        for layer in self._regularized:
            layer.add_penalty_gradient()

    @property
    def has_constraints(self) -> bool:
        return bool(self._constrained)

    def apply_constraints(self) -> None:
        for layer in self._constrained:
            layer.apply_constraints()

    # --- named access (weights files, export, diagnostics) ------------------------------------------------------
    def named_arrays(self, trainable: bool | None = None) -> dict[str, np.ndarray]:
        """Views of every parameter (and buffer), keyed 'layers.{i}.{param}'."""
        out = {}
        for e in self.entries:
            if trainable is None or e.trainable == trainable:
                flat = self.params if e.trainable else self.buffers
                out[e.name] = flat[e.offset:e.offset + e.size].reshape(e.shape)
        return out

    def named_gradients(self) -> dict[str, np.ndarray]:
        return {e.name: self.grads[e.offset:e.offset + e.size].reshape(e.shape) for e in self.entries if e.trainable}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters and buffers."""
        return {name: array.copy() for name, array in self.named_arrays().items()}

    def load_state_dict(self, arrays: dict[str, np.ndarray], source: str = "weights") -> None:
        """Copy arrays in after checking names, shapes, dtypes and values; nothing changes on error.

        float32 and float64 arrays are accepted whatever the network's dtype (a float64 file in a float32 project
        is rounded once), as long as every value is still finite after the cast: 1e300 would become Inf."""
        expected = {e.name: e for e in self.entries}
        missing = [name for name in expected if name not in arrays]
        extra = [name for name in arrays if name not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}")
            if extra:
                parts.append(f"unexpected {', '.join(extra[:4])}{' ...' if len(extra) > 4 else ''}")
            raise WeightsError(f"{source}: arrays do not match the network ({'; '.join(parts)})")
        cast: dict[str, np.ndarray] = {}
        for name, entry in expected.items():
            array = arrays[name]
            check_parameter_array(name, array, source)
            if tuple(array.shape) != entry.shape:
                raise WeightsError(f"{source}: {name} has shape {tuple(array.shape)}, the network expects {entry.shape}")
            with np.errstate(over="ignore"):
                cast[name] = array.astype(self.dtype)
            if not np.all(np.isfinite(cast[name])):
                biggest = float(array.flat[int(np.argmax(np.abs(array)))])
                raise WeightsError(f"{source}: {name} holds {biggest:.3g}, outside the {self.dtype.name} range of "
                                   f"this network (largest {float(np.finfo(self.dtype).max):.3g})")
        views = self.named_arrays()
        for name in expected:
            views[name][...] = cast[name]


def check_parameter_array(name: str, array, source: str) -> None:
    """What every stored parameter must be, whichever file it came from: a float32 or float64 array (the dtypes
    LayerLab trains in) of finite values, and a batch-norm running variance never negative (its square root would
    make every prediction NaN)."""
    dtype = getattr(array, "dtype", None)
    if not isinstance(array, np.ndarray) or dtype not in (np.float32, np.float64):
        got = dtype.name if isinstance(dtype, np.dtype) else type(array).__name__
        raise WeightsError(f"{source}: {name} must hold float32 or float64 values, got {got}")
    if not np.all(np.isfinite(array)):
        raise WeightsError(f"{source}: {name} contains NaN or Inf")
    if name.endswith(".running_var") and array.size and float(array.min()) < 0:
        raise WeightsError(f"{source}: {name} holds {float(array.min()):.6g}, but a variance is never negative")
