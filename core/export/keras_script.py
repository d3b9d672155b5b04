"""The Keras export: a standalone Keras 3 script (any backend) defining the model as `keras.Sequential` with the
preprocessing as its first layer, loading the LayerLab weights file next to it, and predicting on a CSV or array.

Conventions mapped here: LayerLab's dense kernel is (in, out) like Keras' (no transpose); batch norm momentum is
PyTorch's convention in LayerLab, so Keras gets 1 - momentum (0.1 -> 0.9), and epsilon is set explicitly (Keras'
default is 1e-3, LayerLab's 1e-5); PReLU has one slope per unit (Keras' default shape). Activations are Keras
built-ins where Keras 3.0 already has LayerLab's definition, otherwise small functions over `keras.ops`.
"""
from __future__ import annotations

import json
from pathlib import Path

from .common import ExportError, exp_cap, layer_label, softplus_linear_from, square_cap
from .script_common import IO_FUNCTIONS, constants, cross_expressions, docstring, num, num_list, write_script

# Keras built-ins with LayerLab's definition (present since Keras 3.0).
BUILTIN = {"sigmoid": '"sigmoid"', "tanh": '"tanh"', "relu": '"relu"', "softmax": '"softmax"', "selu": '"selu"',
           "softsign": '"softsign"', "silu": '"silu"', "relu6": '"relu6"'}

# name -> (expression for the activation argument, function source). Parameterized activations are factories.
CUSTOM = {
    "gelu": (lambda a: "gelu_tanh" if a.approximate == "tanh" else "gelu_erf", '''
def gelu_erf(x):
    """x * Phi(x), the exact form (Keras' default is the tanh approximation)."""
    return keras.activations.gelu(x, approximate=False)


def gelu_tanh(x):
    """PyTorch's tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return keras.activations.gelu(x, approximate=True)
'''),
    "leaky_relu": (lambda a: f"leaky_relu({num(a.negative_slope)})", '''
def leaky_relu(negative_slope):
    def activation(x):
        return ops.where(ops.greater(x, 0.0), x, x * negative_slope)
    return activation
'''),
    # RReLU draws random slopes in training only; this is its evaluation form, the mean slope.
    "rrelu": (lambda a: f"leaky_relu({num(a.mean_slope)})", None),
    "elu": (lambda a: f"elu({num(a.alpha)})", '''
def elu(alpha):
    def activation(x):
        return ops.where(ops.greater(x, 0.0), x, alpha * ops.expm1(ops.minimum(x, 0.0)))
    return activation
'''),
    "celu": (lambda a: f"celu({num(a.alpha)})", '''
def celu(alpha):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    def activation(x):
        return ops.maximum(x, 0.0) + alpha * ops.expm1(ops.minimum(x, 0.0) / alpha)
    return activation
'''),
    "softplus": (lambda a: f"softplus({num(a.beta)}, {num(softplus_linear_from(a.threshold))})", '''
def softplus(beta, threshold):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's definition)."""
    def activation(x):
        bx = x * beta
        return ops.where(ops.greater(bx, threshold), x, ops.softplus(bx) / beta)
    return activation
'''),
    "mish": (lambda a: "mish", '''
def mish(x):
    return x * ops.tanh(ops.softplus(x))
'''),
    "hard_sigmoid": (lambda a: "hard_sigmoid", '''
def hard_sigmoid(x):
    """relu6(x + 3) / 6 (PyTorch's hardsigmoid)."""
    return ops.clip(x + 3.0, 0.0, 6.0) / 6.0
'''),
    "hard_tanh": (lambda a: f"hard_tanh({num(a.min_val)}, {num(a.max_val)})", '''
def hard_tanh(min_val, max_val):
    def activation(x):
        return ops.clip(x, min_val, max_val)
    return activation
'''),
    "exponential": (lambda a: "exponential", f'''
def exponential(x):
    """exp(x), with x capped at {num(exp_cap())} as LayerLab does, so float32 outputs stay finite."""
    return ops.exp(ops.minimum(x, {num(exp_cap())}))
'''),
    "arctan": (lambda a: "arctan", '''
def arctan(x):
    return ops.arctan(x)
'''),
    "gaussian": (lambda a: "gaussian", '''
def gaussian(x):
    """exp(-x^2)."""
    return ops.exp(-ops.square(x))
'''),
    "isru": (lambda a: f"isru({num(a.alpha)})", f'''
def isru(alpha):
    """Inverse square root unit: x / sqrt(1 + alpha x^2), with x clipped where the square would overflow float32
    (at {num(square_cap())} / sqrt(alpha)), as LayerLab does."""
    scale = float(np.sqrt(alpha))
    cap = {num(square_cap())} / scale

    def activation(x):
        c = ops.clip(x, -cap, cap)
        return c / ops.sqrt(1.0 + ops.square(scale * c))
    return activation
'''),
    "isrlu": (lambda a: f"isrlu({num(a.alpha)})", f'''
def isrlu(alpha):
    """Inverse square root linear unit: x for x >= 0, x / sqrt(1 + alpha x^2) below, with x clipped where the
    square would overflow float32 (at -{num(square_cap())} / sqrt(alpha)), as LayerLab does."""
    scale = float(np.sqrt(alpha))
    cap = {num(square_cap())} / scale

    def activation(x):
        negative = ops.clip(x, -cap, 0.0)
        return ops.maximum(x, -cap) / ops.sqrt(1.0 + ops.square(scale * negative))
    return activation
'''),
    "sqnl": (lambda a: "sqnl", '''
def sqnl(x):
    """Square non-linearity: c - c|c|/4 with c = clip(x, -2, 2)."""
    c = ops.clip(x, -2.0, 2.0)
    return c * (1.0 - 0.25 * ops.abs(c))
'''),
    "bent_identity": (lambda a: "bent_identity", f'''
def bent_identity(x):
    """(sqrt(x^2 + 1) - 1) / 2 + x, written as x + x c / (2 (sqrt(c^2 + 1) + 1)) with c = x clipped at
    +-{num(square_cap())} as LayerLab does: exact near 0, and no overflow of the square in the tails."""
    c = ops.clip(x, -{num(square_cap())}, {num(square_cap())})
    return 0.5 * (c / (ops.sqrt(ops.square(c) + 1.0) + 1.0) * x) + x
'''),
    "bipolar_relu": (lambda a: "bipolar_relu", '''
def bipolar_relu(x):
    """ReLU(x) on even units (0, 2, ...), -ReLU(-x) on odd units."""
    even = np.arange(x.shape[-1]) % 2 == 0
    return ops.where(even, ops.relu(x), ops.minimum(x, 0.0))
'''),
    "binary_step": (lambda a: "binary_step", '''
def binary_step(x):
    """1 for x >= 0, else 0."""
    return ops.cast(ops.greater_equal(x, 0.0), "float32")
'''),
    "piecewise_linear": (lambda a: f"piecewise_linear({num(a.x_min)}, {num(a.x_max)})", '''
def piecewise_linear(x_min, x_max):
    """0 below x_min, 1 above x_max, linear in between."""
    def activation(x):
        return (ops.clip(x, x_min, x_max) - x_min) / (x_max - x_min)
    return activation
'''),
}
CUSTOM_SOURCE_OF = {"rrelu": "leaky_relu"}  # activations that reuse another one's function


def activation_argument(activation, functions: dict[str, str]) -> str:
    """The `activation=` argument for `activation` (None for linear); records the functions the script needs."""
    name = activation.name
    if name == "linear":
        return "None"
    if name in BUILTIN:
        return BUILTIN[name]
    if name in CUSTOM:
        expr, source = CUSTOM[name]
        owner = CUSTOM_SOURCE_OF.get(name, name)
        functions[owner] = CUSTOM[owner][1]
        return expr(activation)
    raise ExportError(f"activation {name!r} has no Keras form")


def render(model, weights_name: str, script_name: str = "model.py") -> str:
    network, pre = model.network, model.preprocessor
    layers: list[str] = []
    puts: list[str] = []
    functions: dict[str, str] = {}

    def add(line: str) -> None:
        layers.append(f"        {line},")

    def put(layer_name: str, attribute: str, key: str, i: int, note: str = "") -> None:
        puts.append(f'        put(model.get_layer("{layer_name}").{attribute}, "layers.{i}.{key}"){note}')

    for i, layer in enumerate(network.layers):
        note = " (Keras has no RReLU: its evaluation form, the mean slope)" if layer.activation is not None \
            and layer.activation.name == "rrelu" else ""
        layers.append(f"        # model.layers[{i}]: {layer.describe()}{note}")
        kind, main = layer.type, f"layer{i}_{layer.type}"
        try:
            if kind == "dense":
                act = layer.activation
                if act.name == "prelu":  # Keras applies PReLU as its own layer
                    add(f'layers.Dense({layer.units}, use_bias={layer.use_bias}, name="{main}")')
                    add(_prelu(f"layer{i}_prelu", act.init))
                else:
                    add(f"layers.Dense({layer.units}, activation={activation_argument(act, functions)}, "
                        f'use_bias={layer.use_bias}, name="{main}")')
                put(main, "kernel", "weight", i, "  # (in, out) in both")
                if layer.use_bias:
                    put(main, "bias", "bias", i)
                if act.name == "prelu":
                    put(f"layer{i}_prelu", "alpha", "alpha", i)
            elif kind in ("activation", "prelu"):
                act = layer.activation
                if act.name == "prelu":
                    add(_prelu(main, act.init))
                    put(main, "alpha", "alpha", i)
                else:
                    argument = activation_argument(act, functions)
                    argument = '"linear"' if argument == "None" else argument
                    add(f'layers.Activation({argument}, name="{main}")')
            elif kind == "batch_norm":
                add(f"layers.BatchNormalization(momentum={num(1.0 - layer.momentum)}, epsilon={num(layer.eps)}, "
                    f'center={layer.affine}, scale={layer.affine}, name="{main}")')
                if layer.affine:
                    put(main, "gamma", "gamma", i)
                    put(main, "beta", "beta", i)
                put(main, "moving_mean", "running_mean", i)
                put(main, "moving_variance", "running_var", i)
            elif kind == "layer_norm":
                add(f"layers.LayerNormalization(epsilon={num(layer.eps)}, center={layer.affine}, "
                    f'scale={layer.affine}, name="{main}")')
                if layer.affine:
                    put(main, "gamma", "gamma", i)
                    put(main, "beta", "beta", i)
            elif kind == "dropout":
                add(f'layers.Dropout({num(layer.rate)}, name="{main}")')
            elif kind == "gaussian_noise":
                add(f'layers.GaussianNoise({num(layer.stddev)}, name="{main}")')
            else:
                raise ExportError(f"layer type {kind!r} has no Keras form")
        except ExportError as exc:
            raise ExportError(f"cannot export {layer_label(network, i)} to Keras: {exc}") from None

    features = cross_expressions(pre, lambda j: f"x[:, {j}]", "ops.sin")
    feature_lines = "\n".join(f"            {expr},  # {name}" for expr, name in features)
    function_source = "".join("\n" + source for source in functions.values())
    return f'''#!/usr/bin/env python3
{docstring(model, "Keras 3 keras.Sequential", weights_name, script_name, "keras 3 (any backend) and numpy")}
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers, ops

{constants(model)}
WEIGHTS = Path(__file__).with_name({json.dumps(weights_name)})


class Preprocess(layers.Layer):
    """LayerLab's preprocessing: feature crosses of the raw columns, then (x - offset) * scale, in float64 as
    LayerLab computes it (a float32 input would round away the digits of columns such as latitudes), then cast to
    the network's float32."""

    def __init__(self, **kwargs):
        super().__init__(dtype="float64", **kwargs)
        self.offset = np.array({num_list(pre.offset)}, dtype="float64")
        self.scale = np.array({num_list(pre.scale)}, dtype="float64")

    def call(self, x):
        x = ops.cast(x, "float64")
        features = ops.stack([
{feature_lines}
        ], axis=1)
        return ops.cast(ops.multiply(ops.subtract(features, self.offset), self.scale), "float32")

    def compute_output_spec(self, x):
        return keras.KerasTensor((x.shape[0], {pre.width}), dtype="float32")
{function_source}

def build_model() -> keras.Sequential:
    return keras.Sequential([
        keras.Input(shape=({pre.raw_width},), dtype="float64", name="input"),
        Preprocess(name="preprocess"),
{chr(10).join(layers)}
    ], name="layerlab_model")


def load_weights(model: keras.Sequential, path=WEIGHTS) -> keras.Sequential:
    """Copy LayerLab's arrays into the model's variables (LayerLab's kernel is (in, out), as Keras')."""
    with np.load(path, allow_pickle=False) as arrays:
        unused = {{name for name in arrays.files if name.startswith("layers.")}}

        def put(variable, name):
            value = np.asarray(arrays[name], dtype="float32")
            if tuple(variable.shape) != value.shape:
                raise ValueError(f"{{path}}: {{name}} has shape {{value.shape}}, "
                                 f"the model expects {{tuple(variable.shape)}}")
            variable.assign(value)
            unused.discard(name)

{chr(10).join(puts) if puts else "        pass"}
    if unused:
        raise ValueError(f"{{path}}: arrays this model does not use: {{sorted(unused)}}")
    return model


def predict(model: keras.Sequential, X: np.ndarray) -> np.ndarray:
    """Raw inputs (n, {pre.raw_width}) -> outputs (n, {network.output_width}), in inference mode: dropout and noise off,
    batch norm on its moving statistics. The model is called directly, because `model.predict` would convert
    float64 inputs to float32 before the preprocessing layer sees them."""
    X = np.asarray(X, dtype="float64")
    parts = [ops.convert_to_numpy(model(ops.convert_to_tensor(X[start:start + 1024], dtype="float64"),
                                        training=False)) for start in range(0, X.shape[0], 1024)]
    return np.concatenate(parts).astype("float32") if parts else np.zeros((0, {network.output_width}), "float32")

{IO_FUNCTIONS}'''


def _prelu(name: str, init: float) -> str:
    return f'layers.PReLU(alpha_initializer=keras.initializers.Constant({num(init)}), name="{name}")'


def write_keras_script(model, out: Path) -> list[Path]:
    return write_script(model, out, lambda m, weights: render(m, weights, Path(out).name))
