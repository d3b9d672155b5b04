"""ONNX export: preprocessing, every layer in inference form, and named outputs, in one opset-17 graph.

The graph takes RAW inputs, `input` float64 (n, raw_width) with a symbolic batch dimension: a float32 input would
round raw columns with a large value and a small spread (latitudes, timestamps) before scaling and lose digits
that matter. The feature crosses (identity, square, product, sin over raw columns) and the scaling
(x - offset) * scale run in float64, as LayerLab's Preprocessor does, then the network runs in float32: dropout and Gaussian noise are dropped (they are
the identity at evaluation), batch norm uses its running statistics (BatchNormalization, inference mode), layer
norm is LayerNormalization over the last axis. Outputs: `probabilities` (n, K) and `label` (n,) int64 for
single-label classification (one sigmoid unit gives both columns [1 - p, p]), `probabilities` (n, k) for
multilabel, `prediction` (n, k) for regression. Class and feature names travel in the model's metadata.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .common import ExportError, Heads, heads, layer_label, export_meta, producer_version, raw_feature_names
from .onnx_activations import activation_nodes
from .onnx_builder import DOUBLE, FLOAT, GraphBuilder

OPSET = 17
IR_VERSION = 8        # the IR version of opset 17: readable by every runtime that implements the opset
INPUT = "input"
_PROTOBUF_LIMIT = 2 ** 31 - 1


def build_onnx(model):
    """The checked `onnx.ModelProto` for a LoadedModel; ExportError names a layer that cannot be expressed."""
    import onnx
    from onnx import helper

    network, pre = model.network, model.preprocessor
    out_heads = heads(model.meta, network.output_width)
    g = GraphBuilder()
    g.unique(INPUT)
    x = _preprocessing(g, INPUT, pre)
    arrays = _layer_arrays(network)
    for i, layer in enumerate(network.layers):
        try:
            x = _layer(g, x, layer, i, arrays.get(i, {}))
        except ExportError as exc:
            raise ExportError(f"cannot export {layer_label(network, i)} to ONNX: {exc}") from None
    outputs = _heads(g, x, out_heads)
    graph = helper.make_graph(
        g.nodes, _graph_name(model), [helper.make_tensor_value_info(INPUT, DOUBLE, ["batch", pre.raw_width])],
        outputs, g.initializers)
    graph.input[0].doc_string = "raw input columns: " + ", ".join(raw_feature_names(model))
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                                   producer_name="LayerLab", producer_version=producer_version(),
                                   doc_string=describe(model, out_heads))
    helper.set_model_props(onnx_model, metadata_props(model, out_heads))
    if onnx_model.ByteSize() > _PROTOBUF_LIMIT:
        raise ExportError(f"the network has {network.param_count:,} parameters: more than one ONNX file can hold "
                          "(2 GB); export it as safetensors instead")
    try:
        onnx.checker.check_model(onnx_model, full_check=True)
    except onnx.checker.ValidationError as exc:  # a bug in this exporter, never the user's input
        raise ExportError(f"the exported ONNX graph failed onnx.checker: {str(exc).splitlines()[0]}") from None
    return onnx_model


def onnx_bytes(model) -> bytes:
    return build_onnx(model).SerializeToString()


# --- preprocessing -------------------------------------------------------------------------------------------------
def _preprocessing(g: GraphBuilder, x: str, pre) -> str:
    """Raw (n, raw_width) float64 -> network inputs (n, d') float32, computed in float64 until the last Cast."""
    in_order = len(pre.crosses) == pre.raw_width and all(
        c["op"] == "identity" and c["inputs"] == [k] for k, c in enumerate(pre.crosses))
    scaled = bool(np.any(pre.offset != 0.0) or np.any(pre.scale != 1.0))
    scope = "preprocess"
    if in_order and not scaled:
        return g.op("Cast", [x], scope, to=FLOAT)
    h = x
    if not in_order:
        columns: dict[int, str] = {}

        def column(j: int) -> str:  # (n, 1) raw column j
            if j not in columns:
                columns[j] = g.op("Gather", [h, g.const([j], np.int64, f"column_{j}")], f"{scope}/column_{j}", axis=1)
            return columns[j]

        features = []
        for cross in pre.crosses:
            op, inputs, where = cross["op"], cross["inputs"], f"{scope}/{cross['name']}"
            a = column(inputs[0])
            if op == "identity":
                features.append(a)
            elif op == "square":
                features.append(g.op("Mul", [a, a], where))
            elif op == "product":
                features.append(g.op("Mul", [a, column(inputs[1])], where))
            elif op == "sin":
                features.append(g.op("Sin", [a], where))
            else:
                raise ExportError(f"preprocessing: feature cross op {op!r} has no ONNX form")
        h = g.op("Concat", features, scope, axis=1) if len(features) > 1 else features[0]
    if scaled:
        h = g.op("Sub", [h, g.initializer("preprocess.offset", pre.offset.astype(np.float64))], f"{scope}/scaling")
        h = g.op("Mul", [h, g.initializer("preprocess.scale", pre.scale.astype(np.float64))], f"{scope}/scaling")
    return g.op("Cast", [h], scope, to=FLOAT)


# --- layers --------------------------------------------------------------------------------------------------------
def _layer_arrays(network) -> dict[int, dict[str, np.ndarray]]:
    """Parameters and running statistics per layer, as float32 (a float64-trained network is rounded once)."""
    named = network.named_arrays()
    out: dict[int, dict[str, np.ndarray]] = {}
    for entry in network.entries:
        out.setdefault(entry.layer, {})[entry.key] = np.asarray(named[entry.name], dtype=np.float32)
    return out


def _layer(g: GraphBuilder, x: str, layer, i: int, arrays: dict[str, np.ndarray]) -> str:
    scope = f"layers.{i}.{layer.type}"

    def param(key: str) -> str:
        return g.initializer(f"layers.{i}.{key}", arrays[key])

    kind = layer.type
    if kind == "dense":
        if layer.use_bias:
            z = g.op("Gemm", [x, param("weight"), param("bias")], scope)   # x @ W + b, W (in, out)
        else:
            z = g.op("MatMul", [x, param("weight")], scope)
        alpha = param("alpha") if "alpha" in arrays else None
        return activation_nodes(g, z, layer.activation, scope, layer.units, alpha)
    if kind in ("activation", "prelu"):
        alpha = param("alpha") if "alpha" in arrays else None
        return activation_nodes(g, x, layer.activation, scope, layer.out_width, alpha)
    if kind == "batch_norm":
        width = layer.in_width
        scale = param("gamma") if layer.affine else g.const(np.ones(width), np.float32, f"layers.{i}.ones")
        bias = param("beta") if layer.affine else g.const(np.zeros(width), np.float32, f"layers.{i}.zeros")
        return g.op("BatchNormalization", [x, scale, bias, param("running_mean"), param("running_var")], scope,
                    epsilon=float(layer.eps))
    if kind == "layer_norm":
        width = layer.in_width
        scale = param("gamma") if layer.affine else g.const(np.ones(width), np.float32, f"layers.{i}.ones")
        bias = param("beta") if layer.affine else g.const(np.zeros(width), np.float32, f"layers.{i}.zeros")
        return g.op("LayerNormalization", [x, scale, bias], scope, axis=-1, epsilon=float(layer.eps))
    if kind in ("dropout", "gaussian_noise"):
        return x  # the identity at evaluation
    raise ExportError(f"layer type {kind!r} has no ONNX form")


# --- outputs and metadata ------------------------------------------------------------------------------------------
def _heads(g: GraphBuilder, x: str, out: Heads) -> list:
    from onnx import TensorProto, helper

    if out.kind == "regression":
        g.op("Identity", [x], "output", output="prediction")
        return [helper.make_tensor_value_info("prediction", FLOAT, ["batch", out.width], "one column per target")]
    if out.sigmoid_pair:
        negative = g.op("Sub", [g.const(1.0), x], "output")
        g.op("Concat", [negative, x], "output", output="probabilities", axis=1)
    else:
        g.op("Identity", [x], "output", output="probabilities")
    infos = [helper.make_tensor_value_info("probabilities", FLOAT, ["batch", out.width],
                                           "one column per " + ("class" if out.kind == "classification" else "label"))]
    if out.kind == "classification":
        g.op("ArgMax", ["probabilities"], "output", output="label", axis=1, keepdims=0)
        infos.append(helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"],
                                                   "index of the most probable class"))
    return infos


def _graph_name(model) -> str:
    name = getattr(model.project, "name", "") or "model"
    return f"LayerLab {name}"


def metadata_props(model, out: Heads) -> dict[str, str]:
    """String metadata: what a consumer needs to read the outputs (names) and to trace the model back."""
    meta = export_meta(model)
    props = {
        "layerlab.format": "layerlab-onnx/1",
        "task": str(meta.get("task")),
        "feature_names": json.dumps(list(raw_feature_names(model))),
        "input_features": json.dumps(list(model.preprocessor.feature_names)),
        "outputs": json.dumps(["prediction"] if out.kind == "regression" else
                              ["probabilities", "label"] if out.kind == "classification" else ["probabilities"]),
        "preprocessing": json.dumps(model.preprocessor.to_dict()),
        "project": json.dumps(meta.get("project")),
    }
    if out.kind == "regression":
        props["target_names"] = json.dumps(list(out.names))
    else:
        props["class_names"] = json.dumps(list(out.names))
    return props


def describe(model, out: Heads) -> str:
    """The model's doc string: one paragraph a person can read in a model viewer."""
    pre, network = model.preprocessor, model.network
    name = getattr(model.project, "name", "") or "model"
    lines = [f"LayerLab model {name!r} ({model.meta.get('task')}), exported by LayerLab {producer_version()}.",
             f"Input 'input': float64 [batch, {pre.raw_width}], raw columns {', '.join(raw_feature_names(model))}."]
    steps = ", ".join(c["name"] for c in pre.crosses)
    lines.append(f"Preprocessing (in the graph): features {steps}; {pre.method} scaling (x - offset) * scale.")
    layers = "; ".join(f"{i}: {layer.describe()}" for i, layer in enumerate(network.layers))
    lines.append(f"Layers: {layers} (dropout and Gaussian noise are the identity here).")
    if out.kind == "classification":
        lines.append(f"Outputs: 'probabilities' float32 [batch, {out.width}] for classes "
                     f"{', '.join(out.names)}; 'label' int64 [batch], the index of the most probable class.")
    elif out.kind == "multilabel":
        lines.append(f"Output: 'probabilities' float32 [batch, {out.width}] for labels {', '.join(out.names)}.")
    else:
        lines.append(f"Output: 'prediction' float32 [batch, {out.width}] for targets {', '.join(out.names)}.")
    return "\n".join(lines)


def write_onnx(model, out: Path) -> list[Path]:
    from ..fileio import write_files

    data = onnx_bytes(model)   # build (and fail) before touching the disk
    return write_files({Path(out): lambda tmp: tmp.write_bytes(data)}, "ONNX file")
