"""ONNX export: every layer type and every activation, run in onnxruntime on raw inputs and compared with
LayerLab's own predictions (|d| <= 1e-5 * max(1, |y|), float32 rounding at the output's magnitude); heads,
metadata and refusals."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from core.activations import ACTIVATIONS
from core.errors import LayerLabError
from core.export import export_model
from core.export import onnx_activations
from core.export.onnx_export import build_onnx
from test_export_support import (CROSSES, as_probabilities, assert_agrees, city_inputs, disagreement, make_large_regression,
                                 make_model, raw_inputs)

# Every activation, several with non-default arguments; the first layer's kernel is scaled up so pre-activations
# reach the interesting regions (saturation, softplus' linear region, clipping ends).
ACTIVATION_CASES = [
    "linear", "sigmoid", "tanh", "relu", "softmax", "leaky_relu", {"name": "leaky_relu", "negative_slope": 0.2},
    "prelu", "rrelu", {"name": "rrelu", "lower": 0.05, "upper": 0.5}, "relu6", "bipolar_relu", "elu",
    {"name": "elu", "alpha": 0.5}, "selu", "celu", {"name": "celu", "alpha": 2.0}, "isrlu",
    {"name": "isrlu", "alpha": 3.0}, "softplus", {"name": "softplus", "beta": 2.0, "threshold": 5.0},
    {"name": "softplus", "beta": 0.5, "threshold": 100.0}, "gelu", {"name": "gelu", "approximate": "tanh"},
    "silu", "mish", "bent_identity", "exponential", "softsign", "hard_sigmoid", "hard_tanh",
    {"name": "hard_tanh", "min_val": -2.0, "max_val": 0.5}, "piecewise_linear",
    {"name": "piecewise_linear", "x_min": -0.5, "x_max": 2.0}, "binary_step", "arctan", "isru",
    {"name": "isru", "alpha": 0.25}, "sqnl", "gaussian",
]


def case_id(case) -> str:
    return case if isinstance(case, str) else "-".join(f"{v}" for v in case.values())


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run_onnx(model, tmp_path, X: np.ndarray, name: str = "model.onnx") -> dict[str, np.ndarray]:
    path = tmp_path / name
    export_model(model, "onnx", path)
    sess = session(path)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {"input": np.asarray(X, dtype=np.float64)})))


def scale_first_kernel(model, factor: float) -> None:
    model.network.named_arrays()["layers.0.weight"][...] *= factor


def test_every_registered_activation_has_a_case_and_an_onnx_form():
    names = {ACTIVATIONS.canonical(c if isinstance(c, str) else c["name"]) for c in ACTIVATION_CASES}
    assert names == set(ACTIVATIONS.names())
    assert set(onnx_activations.ONNX_ACTIVATIONS) == set(ACTIVATIONS.names())


@pytest.mark.parametrize("activation", ACTIVATION_CASES, ids=case_id)
def test_activation_matches_layerlab(tmp_path, activation):
    """In a dense layer and as a standalone activation layer, before a sigmoid output."""
    layers = [{"type": "dense", "units": 8, "activation": activation},
              {"type": "dense", "units": 6},
              {"type": "activation", "activation": activation},
              {"type": "dense", "units": 1, "activation": "sigmoid"}]
    model = make_model(tmp_path, layers)
    scale_first_kernel(model, 3.0)
    X = raw_inputs(128)
    out = run_onnx(model, tmp_path, X)
    expected = as_probabilities(model.predict_raw(X))
    assert out["probabilities"].dtype == np.float32
    assert_agrees(out["probabilities"], expected)
    np.testing.assert_array_equal(out["label"], np.argmax(expected, axis=1))


def test_activation_inputs_cover_their_interesting_regions(tmp_path):
    """The scaled first layer really drives units past the ends (otherwise the cases above prove little)."""
    model = make_model(tmp_path, [{"type": "dense", "units": 8, "activation": "linear"},
                                  {"type": "dense", "units": 1, "activation": "sigmoid"}])
    scale_first_kernel(model, 3.0)
    z = model.network.layers[0].forward(model.preprocessor.transform(raw_inputs(128)).astype(np.float32), False,
                                        None)
    assert z.min() < -6 and z.max() > 6          # beyond relu6, hard_sigmoid, sqnl, hard_tanh, softplus(beta=2)
    assert np.mean(np.abs(z) < 1) > 0.1          # and plenty near the kinks


# Activations that square their input: LayerLab clips z where the square would overflow float32 (|z| ~ 1.4e19).
SQUARING_CASES = ["isru", {"name": "isru", "alpha": 0.25}, {"name": "isru", "alpha": 4.0}, "isrlu",
                  {"name": "isrlu", "alpha": 0.25}, {"name": "isrlu", "alpha": 3.0}, "bent_identity"]


def make_huge_model(folder, activation, name: str = "model.npz"):
    """A regression model whose pre-activations reach ~1e21, both signs, past the float32 square. One input
    feature, so no sum of huge terms cancels (a near-zero sum would carry their rounding, in any framework)."""
    model = make_model(folder, [{"type": "dense", "units": 4}, {"type": "activation", "activation": activation}],
                       task="regression", crosses=CROSSES[:1], name=name)
    scale_first_kernel(model, 3e20)
    return model


@pytest.mark.parametrize("activation", SQUARING_CASES, ids=case_id)
def test_inputs_past_the_float32_square_give_layerlab_values(tmp_path, activation):
    """Not inf / inf = nan or z / inf = 0: the export clips before squaring where LayerLab does."""
    model = make_huge_model(tmp_path, activation)
    X = raw_inputs(128)
    z = model.network.layers[0].forward(model.preprocessor.transform(X).astype(np.float32), False, None)
    assert np.abs(z).max() > 1e20 and z.min() < -2e19 and z.max() > 2e19
    expected = model.predict_raw(X)
    out = run_onnx(model, tmp_path, X)["prediction"]
    assert np.isfinite(out).all()
    assert_agrees(out, expected)


LAYER_STACK = [
    {"type": "dense", "units": 8, "activation": "relu"},
    {"type": "batch_norm"},
    {"type": "dropout", "rate": 0.3},
    {"type": "dense", "units": 7, "activation": "prelu"},
    {"type": "layer_norm"},
    {"type": "gaussian_noise", "stddev": 0.5},
    {"type": "prelu", "init": 0.1},
    {"type": "dense", "units": 6, "activation": "tanh", "use_bias": False},
    {"type": "batch_norm", "affine": False, "eps": 1e-3, "momentum": 0.2},
    {"type": "layer_norm", "affine": False, "eps": 1e-4},
    {"type": "activation", "activation": "elu"},
]
HEADS = {
    "binary": {"type": "dense", "units": 1, "activation": "sigmoid"},
    "multiclass": {"type": "dense", "units": 3, "activation": "softmax"},
    "multilabel": {"type": "dense", "units": 3, "activation": "sigmoid"},
    "regression": {"type": "dense", "units": 2, "activation": "linear"},
}


@pytest.mark.parametrize("task", list(HEADS))
def test_every_layer_type_and_each_head(tmp_path, task):
    model = make_model(tmp_path, LAYER_STACK + [HEADS[task]], task=task)
    X = raw_inputs(200)
    out = run_onnx(model, tmp_path, X)
    expected = model.predict_raw(X)
    if task in ("binary", "multiclass"):
        assert set(out) == {"probabilities", "label"}
        probabilities = as_probabilities(expected)
        assert out["probabilities"].shape == (200, 2 if task == "binary" else 3)
        assert_agrees(out["probabilities"], probabilities)
        assert out["label"].dtype == np.int64
        np.testing.assert_array_equal(out["label"], np.argmax(probabilities, axis=1))
    elif task == "multilabel":
        assert set(out) == {"probabilities"}
        assert_agrees(out["probabilities"], expected)
    else:
        assert set(out) == {"prediction"}
        assert out["prediction"].shape == (200, 2)
        assert_agrees(out["prediction"], expected)


def test_large_regression_outputs_agree_relative_to_their_magnitude(tmp_path):
    model = make_large_regression(tmp_path)
    X = raw_inputs(500)
    expected = model.predict_raw(X)
    assert np.abs(expected).max() > 500          # large enough that float32 ulps are far above 1e-5
    out = run_onnx(model, tmp_path, X)["prediction"]
    assert_agrees(out, expected)


def test_the_trained_diabetes_example_agrees(tmp_path):
    """The review's case: the example trained to the end (outputs up to ~350), on its own raw inputs."""
    from core import cli
    from core.model_files import load_model
    from core.model_io import load_data

    example = Path(__file__).resolve().parents[1] / "resources" / "examples" / "diabetes.json"
    assert cli.main(["train", str(example), "--quiet", "--out", str(tmp_path / "d.npz")], stdout=io.StringIO(),
                    stderr=io.StringIO()) == 0
    model = load_model(tmp_path / "d.npz")
    X = load_data(model.project).dataset.X
    expected = model.predict_raw(X)
    assert np.abs(expected).max() > 200
    out = run_onnx(model, tmp_path, X)["prediction"]
    assert disagreement(out, expected) <= 1e-5


def test_batch_norm_uses_running_statistics_not_the_batch(tmp_path):
    """One row at a time gives the same answers as the whole batch (batch statistics would not)."""
    model = make_model(tmp_path, [{"type": "dense", "units": 5, "activation": "linear"}, {"type": "batch_norm"},
                                  HEADS["regression"]], task="regression")
    X = raw_inputs(6)
    whole = run_onnx(model, tmp_path, X)["prediction"]
    sess = session(tmp_path / "model.onnx")
    rows = np.vstack([sess.run(None, {"input": X[i:i + 1]})[0] for i in range(6)])
    np.testing.assert_allclose(rows, whole, atol=1e-6)
    # and by hand: ((x W + b) - mean) / sqrt(var + eps) * gamma + beta, then the output layer
    a = model.network.named_arrays()
    h = model.preprocessor.transform(X) @ a["layers.0.weight"] + a["layers.0.bias"]
    h = (h - a["layers.1.running_mean"]) / np.sqrt(a["layers.1.running_var"] + 1e-5) * a["layers.1.gamma"] \
        + a["layers.1.beta"]
    assert_agrees(whole, h @ a["layers.2.weight"] + a["layers.2.bias"])


def test_preprocessing_is_in_the_graph(tmp_path):
    """Feature crosses by hand: the graph takes raw columns and computes x1, x2, x1^2, x1*x2, sin(x2) itself."""
    model = make_model(tmp_path, [HEADS["regression"]], task="regression", scaling="minmax")
    X = raw_inputs(50)
    x1, x2 = X[:, 0], X[:, 1]
    crossed = np.column_stack([x1, x2, x1 * x1, x1 * x2, np.sin(x2)])
    scaled = (crossed - model.preprocessor.offset) * model.preprocessor.scale
    a = model.network.named_arrays()
    expected = scaled @ a["layers.0.weight"] + a["layers.0.bias"]
    out = run_onnx(model, tmp_path, X)["prediction"]
    assert_agrees(out, expected)
    graph = onnx.load(str(tmp_path / "model.onnx")).graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("Gather") == 2 and ops.count("Sin") == 1 and "Concat" in ops
    assert graph.input[0].name == "input" and graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    dims = graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and dims[1].dim_value == 2


def test_no_preprocessing_graph_starts_at_the_network(tmp_path):
    identity = [c for c in CROSSES if c["op"] == "identity"]
    model = make_model(tmp_path, [HEADS["binary"]], crosses=identity, scaling="none")
    graph = build_onnx(model).graph
    assert [n.op_type for n in graph.node[:2]] == ["Cast", "Gemm"] and graph.node[0].input[0] == "input"
    assert graph.node[1].input[0] == graph.node[0].output[0]
    X = raw_inputs(20)
    out = run_onnx(model, tmp_path, X)
    assert_agrees(out["probabilities"], as_probabilities(model.predict_raw(X)))


def test_float64_model_exports_to_float32_graph(tmp_path):
    model = make_model(tmp_path, [{"type": "dense", "units": 8, "activation": "gelu"}, HEADS["multiclass"]],
                       task="multiclass", dtype="float64")
    X = raw_inputs(100)
    out = run_onnx(model, tmp_path, X)
    assert out["probabilities"].dtype == np.float32
    assert_agrees(out["probabilities"], model.predict_raw(X))


def test_symbolic_batch_dimension(tmp_path):
    model = make_model(tmp_path, [HEADS["multiclass"]], task="multiclass")
    export_model(model, "onnx", tmp_path / "m.onnx")
    sess = session(tmp_path / "m.onnx")
    for n in (1, 7, 1000):
        probabilities, label = sess.run(None, {"input": raw_inputs(n)})
        assert probabilities.shape == (n, 3) and label.shape == (n,)


def test_model_is_valid_opset_17_with_names_and_metadata(tmp_path):
    model = make_model(tmp_path, LAYER_STACK + [HEADS["multiclass"]], task="multiclass")
    export_model(model, "onnx", tmp_path / "m.onnx")
    proto = onnx.load(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(proto, full_check=True)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", 17)]
    assert proto.producer_name == "LayerLab"
    props = {p.key: p.value for p in proto.metadata_props}
    assert props["task"] == "multiclass"
    assert json.loads(props["class_names"]) == ["red", "green", "blue"]
    assert json.loads(props["feature_names"]) == ["x1", "x2"]
    assert json.loads(props["input_features"]) == ["x1", "x2", "x1^2", "x1*x2", "sin(x2)"]
    assert json.loads(props["preprocessing"]) == model.preprocessor.to_dict()
    assert "red, green, blue" in proto.doc_string
    initializers = {t.name for t in proto.graph.initializer}
    assert {"layers.0.weight", "layers.1.running_mean", "layers.1.running_var", "layers.3.alpha",
            "layers.6.alpha"} <= initializers
    assert not {node.op_type for node in proto.graph.node} & {"Dropout", "RandomNormalLike"}
    assert {"BatchNormalization", "LayerNormalization", "PRelu"} <= {n.op_type for n in proto.graph.node}


def test_inexpressible_activation_names_the_layer(tmp_path, monkeypatch):
    model = make_model(tmp_path, [{"type": "dense", "units": 4, "activation": "mish"}, HEADS["binary"]])
    monkeypatch.delitem(onnx_activations.ONNX_ACTIVATIONS, "mish")
    with pytest.raises(LayerLabError, match=r"model\.layers\[0\] \(dense 4, mish\).*'mish' has no ONNX form"):
        export_model(model, "onnx", tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_city_scale_coordinates_agree_because_the_input_is_float64(tmp_path, task):
    """Latitude/longitude around San Francisco: a float32 input rounded them by up to 1.5e-4 of their spread
    before scaling (4.9e-4 off LayerLab's outputs on a trained model); the float64 input keeps every digit."""
    identity = [c for c in CROSSES if c["op"] == "identity"]
    layers = [{"type": "dense", "units": 16, "activation": "tanh"}, HEADS[task]]
    model = make_model(tmp_path, layers, task=task, crosses=identity, fit_inputs=city_inputs(500, 7))
    scale_first_kernel(model, 8.0)          # a sharp model, as a trained one is: small input moves matter
    X = city_inputs(256)
    expected = model.predict_raw(X)
    out = run_onnx(model, tmp_path, X)
    got = out["prediction"] if task == "regression" else out["probabilities"][:, 1:]
    assert_agrees(got, expected)
    rounded = model.predict_raw(X.astype(np.float32).astype(np.float64))
    assert disagreement(rounded, expected) > 1e-5       # what a float32 input would have cost
