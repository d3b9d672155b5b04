"""Models for the export tests: a Network with random (not trained) parameters, non-trivial batch-norm running
statistics and PReLU slopes, behind a fitted Preprocessor with feature crosses and scaling, saved as a real
weights file and loaded back with `load_model`, exactly as the CLI and the app get it."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from core.data import Preprocessor
from core.model_files import load_model
from core.model_io import save_model
from core.network import Network
from core.project import parse_project

# The playground's feature toggles as the Preprocessor describes them: every op (identity, square, product, sin).
CROSSES = ({"name": "x1", "op": "identity", "inputs": [0]}, {"name": "x2", "op": "identity", "inputs": [1]},
           {"name": "x1^2", "op": "square", "inputs": [0]}, {"name": "x1*x2", "op": "product", "inputs": [0, 1]},
           {"name": "sin(x2)", "op": "sin", "inputs": [1]})
DATA = {  # what the project says about its data (never loaded here)
    "binary": {"source": "builtin", "name": "spiral"},
    "multiclass": {"source": "builtin", "name": "blobs", "classes": 3},
    "multilabel": {"source": "csv", "path": "labels.csv", "target": ["a", "b", "c"]},
    "regression": {"source": "builtin", "name": "reg-plane"},
}
LOSS = {"binary": "binary_crossentropy", "multiclass": "categorical_crossentropy",
        "multilabel": "binary_crossentropy", "regression": "mse"}
CLASS_NAMES = {"binary": ["orange", "blue"], "multiclass": ["red", "green", "blue"], "multilabel": ["a", "b", "c"],
               "regression": None}
TARGET_NAMES = {"binary": ["label"], "multiclass": ["label"], "multilabel": ["a", "b", "c"], "regression": ["y"]}


def raw_inputs(n: int = 64, seed: int = 1) -> np.ndarray:
    """Raw 2-D inputs that are exact in float32, so a float32 ONNX input sees the very values LayerLab sees."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 2.0, (n, 2)).astype(np.float32).astype(np.float64)


def fit_preprocessor(X: np.ndarray, crosses, scaling: str) -> Preprocessor:
    """Standard (z-score) or min-max scaling of the crossed features of X, fitted here with NumPy."""
    C = Preprocessor(tuple(crosses), "none", np.zeros(len(crosses)), np.ones(len(crosses)), X.shape[1]).transform(X)
    if scaling == "standard":
        offset, spread = C.mean(axis=0), C.std(axis=0)
    elif scaling == "minmax":
        offset, spread = C.min(axis=0), C.max(axis=0) - C.min(axis=0)
    else:
        offset, spread = np.zeros(C.shape[1]), np.ones(C.shape[1])
    return Preprocessor(tuple(crosses), scaling, offset, 1.0 / spread, X.shape[1])


def randomize(network: Network, rng: np.random.Generator) -> None:
    """Fresh weights plus non-zero biases, PReLU slopes and batch/layer-norm statistics, so that every parameter
    influences the outputs (a zero bias or unit running variance would hide a mix-up)."""
    network.initialize(rng)
    arrays = network.named_arrays()
    for entry in network.entries:
        view = arrays[entry.name]
        if entry.key == "bias":
            view[...] = rng.normal(0.0, 0.3, view.shape)
        elif entry.key == "alpha":
            view[...] = rng.uniform(0.05, 0.6, view.shape)
        elif entry.key == "gamma":
            view[...] = rng.uniform(0.5, 1.5, view.shape)
        elif entry.key == "beta":
            view[...] = rng.normal(0.0, 0.3, view.shape)
        elif entry.key == "running_mean":
            view[...] = rng.normal(0.0, 0.5, view.shape)
        elif entry.key == "running_var":
            view[...] = rng.uniform(0.3, 2.5, view.shape)


def city_inputs(n: int = 64, seed: int = 2) -> np.ndarray:
    """City-scale latitude/longitude (San Francisco, +-0.05 degrees): a large value with a small spread, whose
    digits a float32 input rounds away before scaling (one float32 ulp of 122.4 is 7.6e-6, 1.5e-4 of the spread)."""
    rng = np.random.default_rng(seed)
    return np.column_stack([37.77 + rng.uniform(-0.05, 0.05, n), -122.42 + rng.uniform(-0.05, 0.05, n)])


def make_model(folder: Path, layers: list[dict], task: str = "binary", crosses=CROSSES, scaling: str = "standard",
               dtype: str = "float32", seed: int = 0, name: str = "model.npz", fit_inputs: np.ndarray | None = None):
    """Save a randomly initialised model as a weights file in `folder` and return `load_model` of it; its scaling
    is fitted on `fit_inputs` (default: `raw_inputs`)."""
    rng = np.random.default_rng(seed)
    preprocessor = fit_preprocessor(raw_inputs(200, seed + 100) if fit_inputs is None else fit_inputs, crosses,
                                    scaling)
    names = [c["name"] for c in crosses]
    toggles = {"x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"}
    data = dict(DATA[task], scaling=scaling, **({"features": names} if set(names) <= toggles else {}))
    project = parse_project({"format": "layerlab/1", "name": f"{task} test", "data": data,
                             "model": {"layers": layers},
                             "training": {"loss": LOSS[task], "dtype": dtype, "epochs": 1}}, folder)
    network = Network(list(project.layers), preprocessor.width, dtype)
    randomize(network, rng)
    n_outputs = network.output_width
    dataset = SimpleNamespace(encoder=None, feature_names=("x1", "x2"), target_names=tuple(TARGET_NAMES[task]),
                              input_width=2)
    prepared = SimpleNamespace(
        dataset=dataset, preprocessor=preprocessor, task=task, input_width=preprocessor.width,
        n_classes={"binary": 2, "multiclass": 3, "multilabel": 3, "regression": 0}[task],
        class_names=CLASS_NAMES[task], n_outputs=n_outputs)
    path = Path(folder) / name
    save_model(path, project, prepared, network)
    return load_model(path)


# How close an export's outputs must be to LayerLab's: relative to the output's magnitude, because the network runs
# in float32 everywhere and float32 rounding grows with the value (one ulp of 350 is 3e-5): |d| <= 1e-5 * max(1, |y|).
AGREEMENT = 1e-5


def disagreement(got: np.ndarray, expected: np.ndarray) -> float:
    """max |got - expected| / max(1, |expected|): at most AGREEMENT for an export that agrees."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    return float(np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))))


def assert_agrees(got: np.ndarray, expected: np.ndarray) -> None:
    worst = disagreement(got, expected)
    assert worst <= AGREEMENT, f"outputs differ by {worst:.3g} relative to max(1, |y|), more than {AGREEMENT:g}"


LARGE_REGRESSION = [{"type": "dense", "units": 16, "activation": "relu"}, {"type": "batch_norm"},
                    {"type": "dense", "units": 8, "activation": "tanh"}, {"type": "dense", "units": 2}]


def make_large_regression(folder: Path, name: str = "large.npz"):
    """A regression model whose outputs reach the hundreds and beyond (like the diabetes example's ~350), where
    float32 rounding alone exceeds 1e-5 in absolute terms."""
    model = make_model(folder, LARGE_REGRESSION, task="regression", name=name)
    arrays = model.network.named_arrays()
    arrays["layers.3.weight"][...] *= 20.0            # spread of ~100 around the biases, never near 0
    arrays["layers.3.bias"][...] = [300.0, -800.0]
    return model


def as_probabilities(outputs: np.ndarray) -> np.ndarray:
    """LayerLab's outputs as the two-column probabilities exports give for one sigmoid unit."""
    return np.hstack([1 - outputs, outputs]) if outputs.shape[1] == 1 else outputs


def test_the_agreement_bound_is_relative_to_large_outputs_and_absolute_near_zero():
    assert disagreement(np.array([350.0 + 3e-3]), np.array([350.0])) < AGREEMENT          # 8.6e-6 relative
    assert disagreement(np.array([350.0 + 5e-3]), np.array([350.0])) > AGREEMENT
    assert disagreement(np.array([1e-3 + 9e-6]), np.array([1e-3])) < AGREEMENT            # absolute below |y| = 1
    assert disagreement(np.array([1e-3 + 2e-5]), np.array([1e-3])) > AGREEMENT


def test_model_factory_round_trips_through_a_weights_file(tmp_path):
    layers = [{"type": "dense", "units": 6, "activation": "relu"}, {"type": "batch_norm"},
              {"type": "dense", "units": 1, "activation": "sigmoid"}]
    model = make_model(tmp_path, layers)
    assert model.preprocessor.feature_names == ("x1", "x2", "x1^2", "x1*x2", "sin(x2)")
    stats = model.network.named_arrays()
    assert not np.allclose(stats["layers.1.running_var"], 1.0)   # non-trivial running statistics
    X = raw_inputs(8)
    expected = model.network.predict(model.preprocessor.transform(X))
    np.testing.assert_array_equal(model.predict_raw(X), expected)
    assert model.meta["class_names"] == ["orange", "blue"]
