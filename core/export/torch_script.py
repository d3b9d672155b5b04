"""The PyTorch export: a standalone script defining the model as `nn.Sequential` (preprocessing first), loading
the LayerLab weights file written next to it, and predicting on a CSV or array given on the command line.

Conventions mapped here: LayerLab's dense kernel is (in, out) and torch's Linear weight (out, in), so kernels are
transposed on load; batch norm keeps PyTorch's momentum convention (LayerLab uses it too) and eps; PReLU has one
slope per unit; activations torch lacks are small modules written into the script.
"""
from __future__ import annotations

import json
from pathlib import Path

from .common import ExportError, exp_cap, layer_label, softplus_linear_from, square_cap
from .script_common import IO_FUNCTIONS, constants, cross_expressions, docstring, num, num_list, write_script

# Activations torch.nn has with LayerLab's definition: name -> constructor call for an activation `a`.
BUILTIN = {
    "linear": lambda a: "nn.Identity()",
    "sigmoid": lambda a: "nn.Sigmoid()",
    "tanh": lambda a: "nn.Tanh()",
    "relu": lambda a: "nn.ReLU()",
    "softmax": lambda a: "nn.Softmax(dim=-1)",
    "leaky_relu": lambda a: f"nn.LeakyReLU(negative_slope={num(a.negative_slope)})",
    "rrelu": lambda a: f"nn.RReLU(lower={num(a.lower)}, upper={num(a.upper)})",
    "relu6": lambda a: "nn.ReLU6()",
    "elu": lambda a: f"nn.ELU(alpha={num(a.alpha)})",
    "selu": lambda a: "nn.SELU()",
    "celu": lambda a: f"nn.CELU(alpha={num(a.alpha)})",
    # LayerLab is linear above min(threshold, 40): the same values, and exp never overflows.
    "softplus": lambda a: f"nn.Softplus(beta={num(a.beta)}, threshold={num(softplus_linear_from(a.threshold))})",
    "gelu": lambda a: f"nn.GELU(approximate={a.approximate!r})",
    "silu": lambda a: "nn.SiLU()",
    "mish": lambda a: "nn.Mish()",
    "softsign": lambda a: "nn.Softsign()",
    "hard_sigmoid": lambda a: "nn.Hardsigmoid()",
    "hard_tanh": lambda a: f"nn.Hardtanh(min_val={num(a.min_val)}, max_val={num(a.max_val)})",
}

# Activations written into the script: name -> (constructor call, class source).
CUSTOM = {
    "exponential": (lambda a: "Exponential()", f'''
class Exponential(nn.Module):
    """exp(z), with z capped at {num(exp_cap())} as LayerLab does, so float32 outputs stay finite."""

    def forward(self, z):
        return torch.exp(torch.clamp(z, max={num(exp_cap())}))
'''),
    "arctan": (lambda a: "ArcTan()", '''
class ArcTan(nn.Module):
    def forward(self, z):
        return torch.atan(z)
'''),
    "gaussian": (lambda a: "Gaussian()", '''
class Gaussian(nn.Module):
    """exp(-z^2)."""

    def forward(self, z):
        return torch.exp(-(z * z))
'''),
    "isru": (lambda a: f"ISRU(alpha={num(a.alpha)})", f'''
class ISRU(nn.Module):
    """Inverse square root unit: z / sqrt(1 + alpha z^2), with z clipped where the square would overflow float32
    (at {num(square_cap())} / sqrt(alpha)), as LayerLab does."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.scale = float(np.sqrt(alpha))
        self.cap = {num(square_cap())} / self.scale

    def forward(self, z):
        c = torch.clamp(z, -self.cap, self.cap)
        s = self.scale * c
        return c / torch.sqrt(1 + s * s)
'''),
    "isrlu": (lambda a: f"ISRLU(alpha={num(a.alpha)})", f'''
class ISRLU(nn.Module):
    """Inverse square root linear unit: z for z >= 0, z / sqrt(1 + alpha z^2) below, with z clipped where the
    square would overflow float32 (at -{num(square_cap())} / sqrt(alpha)), as LayerLab does."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.scale = float(np.sqrt(alpha))
        self.cap = {num(square_cap())} / self.scale

    def forward(self, z):
        s = self.scale * torch.clamp(z, -self.cap, 0.0)
        return torch.clamp(z, min=-self.cap) / torch.sqrt(1 + s * s)
'''),
    "sqnl": (lambda a: "SQNL()", '''
class SQNL(nn.Module):
    """Square non-linearity: c - c|c|/4 with c = clip(z, -2, 2)."""

    def forward(self, z):
        c = torch.clamp(z, -2.0, 2.0)
        return c * (1 - 0.25 * torch.abs(c))
'''),
    "bent_identity": (lambda a: "BentIdentity()", f'''
class BentIdentity(nn.Module):
    """(sqrt(z^2 + 1) - 1) / 2 + z, written as z + z c / (2 (sqrt(c^2 + 1) + 1)) with c = z clipped at
    +-{num(square_cap())} as LayerLab does: exact near 0, and no overflow of the square in the tails."""

    def forward(self, z):
        c = torch.clamp(z, -{num(square_cap())}, {num(square_cap())})
        return 0.5 * (c / (torch.sqrt(c * c + 1) + 1) * z) + z
'''),
    "bipolar_relu": (lambda a: "BipolarReLU()", '''
class BipolarReLU(nn.Module):
    """ReLU(z) on even units (0, 2, ...), -ReLU(-z) on odd units."""

    def forward(self, z):
        even = torch.arange(z.shape[-1], device=z.device) % 2 == 0
        return torch.where(even, torch.relu(z), torch.clamp(z, max=0.0))
'''),
    "binary_step": (lambda a: "BinaryStep()", '''
class BinaryStep(nn.Module):
    """1 for z >= 0, else 0."""

    def forward(self, z):
        return (z >= 0).to(z.dtype)
'''),
    "piecewise_linear": (lambda a: f"PiecewiseLinear(x_min={num(a.x_min)}, x_max={num(a.x_max)})", '''
class PiecewiseLinear(nn.Module):
    """0 below x_min, 1 above x_max, linear in between."""

    def __init__(self, x_min=-1.0, x_max=1.0):
        super().__init__()
        self.x_min, self.x_max = x_min, x_max

    def forward(self, z):
        return (torch.clamp(z, self.x_min, self.x_max) - self.x_min) / (self.x_max - self.x_min)
'''),
}

GAUSSIAN_NOISE = '''
class GaussianNoise(nn.Module):
    """Adds N(0, stddev^2) noise in training mode only (the identity after model.eval())."""

    def __init__(self, stddev):
        super().__init__()
        self.stddev = stddev

    def forward(self, x):
        if self.training and self.stddev > 0:
            return x + torch.randn_like(x) * self.stddev
        return x
'''


def activation_module(activation, units: int, custom: dict[str, str]) -> str:
    """The constructor call for `activation`; records the custom classes the script must define."""
    name = activation.name
    if name == "prelu":
        return f"nn.PReLU(num_parameters={units}, init={num(activation.init)})"
    if name in BUILTIN:
        return BUILTIN[name](activation)
    if name in CUSTOM:
        call, source = CUSTOM[name]
        custom[name] = source
        return call(activation)
    raise ExportError(f"activation {name!r} has no PyTorch form")


def render(model, weights_name: str, script_name: str = "model.py") -> str:
    network, pre = model.network, model.preprocessor
    modules: list[str] = []     # lines inside OrderedDict([...])
    puts: list[str] = []        # lines inside load_weights
    custom: dict[str, str] = {}

    def add(name: str, call: str) -> None:
        modules.append(f'        ("{name}", {call}),')

    for i, layer in enumerate(network.layers):
        modules.append(f"        # model.layers[{i}]: {layer.describe()}")
        kind, main = layer.type, f"layer{i}_{layer.type}"
        try:
            if kind == "dense":
                add(main, f"nn.Linear({layer.in_width}, {layer.units}, bias={layer.use_bias})")
                puts.append(f'        put(model.{main}.weight, "layers.{i}.weight", transpose=True)')
                if layer.use_bias:
                    puts.append(f'        put(model.{main}.bias, "layers.{i}.bias")')
                act = layer.activation
                if act.name != "linear":
                    act_name = f"layer{i}_{act.name}"
                    add(act_name, activation_module(act, layer.units, custom))
                    if act.name == "prelu":
                        puts.append(f'        put(model.{act_name}.weight, "layers.{i}.alpha")')
            elif kind in ("activation", "prelu"):
                add(main, activation_module(layer.activation, layer.out_width, custom))
                if layer.activation.name == "prelu":
                    puts.append(f'        put(model.{main}.weight, "layers.{i}.alpha")')
            elif kind == "batch_norm":
                add(main, f"nn.BatchNorm1d({layer.in_width}, eps={num(layer.eps)}, momentum={num(layer.momentum)}, "
                          f"affine={layer.affine})")
                if layer.affine:
                    puts.append(f'        put(model.{main}.weight, "layers.{i}.gamma")')
                    puts.append(f'        put(model.{main}.bias, "layers.{i}.beta")')
                puts.append(f'        put(model.{main}.running_mean, "layers.{i}.running_mean")')
                puts.append(f'        put(model.{main}.running_var, "layers.{i}.running_var")')
            elif kind == "layer_norm":
                add(main, f"nn.LayerNorm({layer.in_width}, eps={num(layer.eps)}, elementwise_affine={layer.affine})")
                if layer.affine:
                    puts.append(f'        put(model.{main}.weight, "layers.{i}.gamma")')
                    puts.append(f'        put(model.{main}.bias, "layers.{i}.beta")')
            elif kind == "dropout":
                add(main, f"nn.Dropout(p={num(layer.rate)})")
            elif kind == "gaussian_noise":
                custom["gaussian_noise"] = GAUSSIAN_NOISE
                add(main, f"GaussianNoise(stddev={num(layer.stddev)})")
            else:
                raise ExportError(f"layer type {kind!r} has no PyTorch form")
        except ExportError as exc:
            raise ExportError(f"cannot export {layer_label(network, i)} to PyTorch: {exc}") from None

    features = cross_expressions(pre, lambda j: f"x[:, {j}]", "torch.sin")
    feature_lines = "\n".join(f"            {expr},  # {name}" for expr, name in features)
    custom_source = "".join("\n" + source for source in custom.values())
    puts_source = "\n".join(puts) if puts else "        pass"
    return f'''#!/usr/bin/env python3
{docstring(model, "PyTorch nn.Sequential", weights_name, script_name, "torch and numpy")}
from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from torch import nn

{constants(model)}
WEIGHTS = Path(__file__).with_name({json.dumps(weights_name)})


class Preprocess(nn.Module):
    """LayerLab's preprocessing: feature crosses of the raw columns, then (x - offset) * scale, in float64 as in
    LayerLab; the network then runs in float32."""

    def __init__(self):
        super().__init__()
        self.register_buffer("offset", torch.tensor({num_list(pre.offset)}, dtype=torch.float64))
        self.register_buffer("scale", torch.tensor({num_list(pre.scale)}, dtype=torch.float64))

    def forward(self, x):
        x = x.to(torch.float64)
        features = torch.stack([
{feature_lines}
        ], dim=1)
        return ((features - self.offset) * self.scale).to(torch.float32)
{custom_source}

def build_model() -> nn.Sequential:
    return nn.Sequential(OrderedDict([
        ("preprocess", Preprocess()),
{chr(10).join(modules)}
    ]))


def load_weights(model: nn.Sequential, path=WEIGHTS) -> nn.Sequential:
    """Copy LayerLab's arrays into the model. LayerLab stores a dense kernel as (in, out), as Keras does; torch's
    Linear weight is (out, in), hence the transposes."""
    with np.load(path, allow_pickle=False) as arrays:
        unused = {{name for name in arrays.files if name.startswith("layers.")}}

        def put(tensor, name, transpose=False):
            value = np.asarray(arrays[name], dtype=np.float32)
            value = value.T if transpose else value
            if tuple(tensor.shape) != value.shape:
                raise ValueError(f"{{path}}: {{name}} has shape {{value.shape}}, "
                                 f"the model expects {{tuple(tensor.shape)}}")
            with torch.no_grad():
                tensor.copy_(torch.from_numpy(np.ascontiguousarray(value)))
            unused.discard(name)

{puts_source}
    if unused:
        raise ValueError(f"{{path}}: arrays this model does not use: {{sorted(unused)}}")
    return model


def predict(model: nn.Sequential, X: np.ndarray) -> np.ndarray:
    """Raw inputs (n, {pre.raw_width}) -> outputs (n, {network.output_width}), in evaluation mode: dropout and noise
    off, batch norm on its running statistics."""
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(np.asarray(X, dtype=np.float64))).numpy()

{IO_FUNCTIONS}'''


def write_torch_script(model, out: Path) -> list[Path]:
    return write_script(model, out, lambda m, weights: render(m, weights, Path(out).name))
