"""Every LayerLab activation as ONNX opset-17 nodes, in its evaluation form.

Each converter takes the builder, the input tensor name (float32, shape (n, units)), the activation, the node
scope and the unit count, plus the name of the learned slopes for PReLU, and returns the output tensor name.
Where ONNX has the operator with the same definition it is used (Elu, Selu, Celu, Softplus, HardSigmoid, PRelu,
LeakyRelu, Softsign, Atan); the others are composed from elementwise ops following LayerLab's formulas, including
its overflow guards (exponential's cap, softplus' linear region, the clip before a square), so the values agree to
float32 rounding.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..activations.linear_units import SELU_ALPHA, SELU_SCALE
from .common import ExportError, exp_cap, softplus_linear_from, square_cap
from .onnx_builder import FLOAT, GraphBuilder

Converter = Callable[[GraphBuilder, str, object, str, int, "str | None"], str]
ONNX_ACTIVATIONS: dict[str, Converter] = {}


def converter(*names: str):
    def register(fn: Converter) -> Converter:
        for name in names:
            ONNX_ACTIVATIONS[name] = fn
        return fn

    return register


def activation_nodes(g: GraphBuilder, x: str, activation, scope: str, units: int, alpha: str | None = None) -> str:
    """Append the nodes of `activation` applied to `x`; raises ExportError for one ONNX cannot express."""
    fn = ONNX_ACTIVATIONS.get(activation.name)
    if fn is None:
        raise ExportError(f"activation {activation.name!r} has no ONNX form")
    return fn(g, x, activation, scope, units, alpha)


def _unary(op: str, **attrs):
    def fn(g, x, act, scope, units, alpha):
        return g.op(op, [x], scope, **attrs)

    return fn


@converter("linear")
def _linear(g, x, act, scope, units, alpha):
    return x


for _name, _op in (("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("relu", "Relu"), ("softsign", "Softsign"),
                   ("arctan", "Atan")):
    converter(_name)(_unary(_op))


@converter("softmax")
def _softmax(g, x, act, scope, units, alpha):
    return g.op("Softmax", [x], scope, axis=-1)


@converter("leaky_relu")
def _leaky(g, x, act, scope, units, alpha):
    return g.op("LeakyRelu", [x], scope, alpha=float(act.negative_slope))


@converter("rrelu")
def _rrelu(g, x, act, scope, units, alpha):
    # Evaluation form: the mean of the slopes training draws from U(lower, upper).
    return g.op("LeakyRelu", [x], scope, alpha=float(act.mean_slope))


@converter("prelu")
def _prelu(g, x, act, scope, units, alpha):
    if alpha is None:
        raise ExportError("prelu needs its learned slopes")
    return g.op("PRelu", [x, alpha], scope)  # slope (units,) broadcasts over the batch


@converter("relu6")
def _relu6(g, x, act, scope, units, alpha):
    return g.op("Clip", [x, g.const(0.0), g.const(6.0)], scope)


@converter("hard_tanh")
def _hard_tanh(g, x, act, scope, units, alpha):
    return g.op("Clip", [x, g.const(act.min_val), g.const(act.max_val)], scope)


@converter("hard_sigmoid")
def _hard_sigmoid(g, x, act, scope, units, alpha):
    # PyTorch's relu6(x + 3) / 6 is max(0, min(1, x / 6 + 1 / 2)).
    return g.op("HardSigmoid", [x], scope, alpha=1.0 / 6.0, beta=0.5)


@converter("bipolar_relu")
def _bipolar(g, x, act, scope, units, alpha):
    even = g.const(np.arange(units) % 2 == 0, np.bool_, "bipolar_even_units")
    pos = g.op("Relu", [x], scope)
    neg = g.op("Min", [x, g.const(0.0)], scope)
    return g.op("Where", [even, pos, neg], scope)


@converter("elu")
def _elu(g, x, act, scope, units, alpha):
    return g.op("Elu", [x], scope, alpha=float(act.alpha))


@converter("selu")
def _selu(g, x, act, scope, units, alpha):
    return g.op("Selu", [x], scope, alpha=SELU_ALPHA, gamma=SELU_SCALE)


@converter("celu")
def _celu(g, x, act, scope, units, alpha):
    return g.op("Celu", [x], scope, alpha=float(act.alpha))


@converter("isru")
def _isru(g, x, act, scope, units, alpha):
    c = _clip_for_square(g, x, act.alpha, scope, upper=True)
    return g.op("Div", [c, _root(g, c, act.alpha, scope)], scope)


@converter("isrlu")
def _isrlu(g, x, act, scope, units, alpha):
    negative = _clip_for_square(g, x, act.alpha, scope, upper=False)
    linear = g.op("Max", [x, g.const(-square_cap(math.sqrt(act.alpha)))], scope)
    return g.op("Div", [linear, _root(g, negative, act.alpha, scope)], scope)


def _clip_for_square(g: GraphBuilder, x: str, a: float, scope: str, upper: bool) -> str:
    """x clipped to [-cap, cap] (or [-cap, 0]) with cap = square_cap(sqrt(a)): LayerLab's overflow guard."""
    cap = square_cap(math.sqrt(a))
    return g.op("Clip", [x, g.const(-cap), g.const(cap if upper else 0.0)], scope)


def _root(g: GraphBuilder, v: str, a: float, scope: str) -> str:
    """sqrt(1 + (sqrt(a) v)^2), squared after scaling as LayerLab does, so a < 1 cannot overflow the square."""
    if a != 1.0:
        v = g.op("Mul", [v, g.const(math.sqrt(a))], scope)
    sq = g.op("Mul", [v, v], scope)
    return g.op("Sqrt", [g.op("Add", [sq, g.const(1.0)], scope)], scope)


@converter("softplus")
def _softplus(g, x, act, scope, units, alpha):
    beta = float(act.beta)
    bx = x if beta == 1.0 else g.op("Mul", [x, g.const(beta)], scope)
    smooth = g.op("Softplus", [bx], scope)
    if beta != 1.0:
        smooth = g.op("Div", [smooth, g.const(beta)], scope)
    linear = g.op("Greater", [bx, g.const(softplus_linear_from(act.threshold))], scope)
    return g.op("Where", [linear, x, smooth], scope)


@converter("gelu")
def _gelu(g, x, act, scope, units, alpha):
    # Gelu is an operator only from opset 20; compose it (erf form, or PyTorch's tanh approximation).
    if act.approximate == "tanh":
        cube = g.op("Mul", [g.op("Mul", [x, x], scope), x], scope)
        inner = g.op("Add", [x, g.op("Mul", [cube, g.const(0.044715)], scope)], scope)
        t = g.op("Tanh", [g.op("Mul", [inner, g.const(math.sqrt(2.0 / math.pi))], scope)], scope)
    else:
        t = g.op("Erf", [g.op("Mul", [x, g.const(1.0 / math.sqrt(2.0))], scope)], scope)
    half = g.op("Mul", [g.op("Add", [t, g.const(1.0)], scope), g.const(0.5)], scope)
    return g.op("Mul", [x, half], scope)


@converter("silu")
def _silu(g, x, act, scope, units, alpha):
    return g.op("Mul", [x, g.op("Sigmoid", [x], scope)], scope)


@converter("mish")
def _mish(g, x, act, scope, units, alpha):
    return g.op("Mul", [x, g.op("Tanh", [g.op("Softplus", [x], scope)], scope)], scope)


@converter("bent_identity")
def _bent(g, x, act, scope, units, alpha):
    # x + x c / (2 (sqrt(c^2 + 1) + 1)) with c = x clipped where c^2 would overflow, in LayerLab's order:
    # (sqrt(x^2 + 1) - 1) / 2 + x without cancellation near 0, and 1.5 x / 0.5 x in the far tails.
    c = _clip_for_square(g, x, 1.0, scope, upper=True)
    root = g.op("Sqrt", [g.op("Add", [g.op("Mul", [c, c], scope), g.const(1.0)], scope)], scope)
    ratio = g.op("Div", [c, g.op("Add", [root, g.const(1.0)], scope)], scope)
    half = g.op("Mul", [g.op("Mul", [ratio, x], scope), g.const(0.5)], scope)
    return g.op("Add", [half, x], scope)


@converter("exponential")
def _exponential(g, x, act, scope, units, alpha):
    return g.op("Exp", [g.op("Min", [x, g.const(exp_cap(np.float32))], scope)], scope)


@converter("piecewise_linear")
def _piecewise(g, x, act, scope, units, alpha):
    clipped = g.op("Clip", [x, g.const(act.x_min), g.const(act.x_max)], scope)
    shifted = g.op("Sub", [clipped, g.const(act.x_min)], scope)
    return g.op("Div", [shifted, g.const(act.x_max - act.x_min)], scope)


@converter("binary_step")
def _step(g, x, act, scope, units, alpha):
    return g.op("Cast", [g.op("GreaterOrEqual", [x, g.const(0.0)], scope)], scope, to=FLOAT)


@converter("sqnl")
def _sqnl(g, x, act, scope, units, alpha):
    c = g.op("Clip", [x, g.const(-2.0), g.const(2.0)], scope)
    factor = g.op("Add", [g.op("Mul", [g.op("Abs", [c], scope), g.const(-0.25)], scope), g.const(1.0)], scope)
    return g.op("Mul", [c, factor], scope)


@converter("gaussian")
def _gaussian(g, x, act, scope, units, alpha):
    return g.op("Exp", [g.op("Neg", [g.op("Mul", [x, x], scope)], scope)], scope)
