"""PyTorch and Keras scripts: they compile, name every layer and load every array, import nothing of LayerLab,
survive hostile names, and (when torch or Keras can be run) reproduce LayerLab's predictions to
|d| <= 1e-5 * max(1, |y|) (float32 rounding at the output's magnitude).

PyTorch and Keras are not project dependencies. The run tests use the current interpreter if it can import them,
else the interpreter named by LAYERLAB_TORCH_PYTHON / LAYERLAB_KERAS_PYTHON (Keras also reads KERAS_BACKEND from
the environment); without either they are skipped.
"""
from __future__ import annotations

import ast
import csv
import dataclasses
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import cli
from core.activations import ACTIVATIONS
from core.errors import LayerLabError
from core.export import export_model, keras_script, torch_script
from core.model_files import load_model
from test_export_onnx import ACTIVATION_CASES, HEADS, LAYER_STACK, SQUARING_CASES, case_id, make_huge_model
from test_export_support import (AGREEMENT, CROSSES, as_probabilities, city_inputs, disagreement,
                                 make_large_regression, make_model, raw_inputs)

RENDER = {"pytorch": torch_script.render, "keras": keras_script.render}
FRAMEWORK_MODULES = {"pytorch": {"torch"}, "keras": {"keras"}}


def zoo(folder: Path) -> list:
    """Every activation (in a dense layer and as an activation layer), the squaring ones past float32's square,
    every layer type with each head, and a float64 model: the models every script test runs on."""
    models = []
    for k, case in enumerate(ACTIVATION_CASES):
        layers = [{"type": "dense", "units": 6, "activation": case}, {"type": "dense", "units": 5},
                  {"type": "activation", "activation": case}, HEADS["binary"]]
        model = make_model(folder, layers, seed=k, name=f"act{k}.npz")
        model.network.named_arrays()["layers.0.weight"][...] *= 3.0   # reach saturation and clipping ends
        models.append((case_id(case), model))
    for k, case in enumerate(SQUARING_CASES):     # pre-activations past the float32 square
        models.append((f"huge-{case_id(case)}", make_huge_model(folder, case, name=f"huge{k}.npz")))
    for task, head in HEADS.items():
        models.append((f"stack-{task}", make_model(folder, LAYER_STACK + [head], task=task, name=f"{task}.npz")))
    models.append(("float64", make_model(folder, LAYER_STACK + [HEADS["multiclass"]], task="multiclass",
                                         dtype="float64", name="f64.npz")))
    models.append(("large-regression", make_large_regression(folder)))
    return models


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return zoo(tmp_path_factory.mktemp("zoo"))


def test_every_activation_has_a_pytorch_and_a_keras_form():
    names = set(ACTIVATIONS.names())
    assert set(torch_script.BUILTIN) | set(torch_script.CUSTOM) | {"prelu"} == names
    assert set(keras_script.BUILTIN) | set(keras_script.CUSTOM) | {"linear", "prelu"} == names


@pytest.mark.parametrize("fmt", list(RENDER))
def test_scripts_compile_and_name_every_layer(models, fmt):
    for label, model in models:
        source = RENDER[fmt](model, "m.weights.npz", "m.py")
        compile(source, f"{label}.py", "exec")
        assert max(len(line) for line in source.splitlines()) <= 120, label    # readable, no endless lines
        for i, layer in enumerate(model.network.layers):
            assert f"# model.layers[{i}]: {layer.describe()}" in source, (label, i)
            assert f"layer{i}_{layer.type}" in source, (label, i)
        for name in model.network.named_arrays():   # every parameter and running statistic is loaded
            assert f'"{name}"' in source, (label, name)
        imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse(source))
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert imported <= {"__future__", "argparse", "csv", "io", "sys", "collections", "pathlib", "numpy"} \
            | FRAMEWORK_MODULES[fmt], imported


@pytest.mark.parametrize("fmt", list(RENDER))
def test_conventions_written_into_the_scripts(models, fmt):
    model = dict(models)["stack-multiclass"]
    source = RENDER[fmt](model, "m.weights.npz", "m.py")
    if fmt == "pytorch":
        assert '"layers.0.weight", transpose=True' in source          # (in, out) -> torch's (out, in)
        assert "nn.BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True)" in source
        assert "nn.BatchNorm1d(6, eps=0.001, momentum=0.2, affine=False)" in source
        assert "nn.PReLU(num_parameters=7, init=0.25)" in source and "nn.PReLU(num_parameters=7, init=0.1)" in source
        assert "nn.LayerNorm(6, eps=0.0001, elementwise_affine=False)" in source
    else:
        assert "transpose" not in source
        assert "layers.BatchNormalization(momentum=0.9, epsilon=1e-05, center=True, scale=True" in source
        assert "layers.BatchNormalization(momentum=0.8, epsilon=0.001, center=False, scale=False" in source
        assert 'put(model.get_layer("layer1_batch_norm").moving_variance, "layers.1.running_var")' in source
        assert "layers.LayerNormalization(epsilon=0.0001, center=False, scale=False" in source


def test_export_writes_the_script_and_a_weights_file_layerlab_reads(tmp_path):
    model = make_model(tmp_path, LAYER_STACK + [HEADS["regression"]], task="regression")
    written = export_model(model, "pytorch", tmp_path / "net.py")
    assert written == [tmp_path / "net.py", tmp_path / "net.weights.npz"]
    assert 'WEIGHTS = Path(__file__).with_name("net.weights.npz")' in (tmp_path / "net.py").read_text()
    again = load_model(tmp_path / "net.weights.npz")
    X = raw_inputs(10)
    np.testing.assert_array_equal(again.predict_raw(X), model.predict_raw(X))


def test_a_script_next_to_its_own_weights_file_keeps_that_file(tmp_path):
    """`train` writes spiral.weights.npz; exporting it as spiral.py must not rewrite (and so strip) that file."""
    model = make_model(tmp_path, LAYER_STACK + [HEADS["binary"]], name="spiral.weights.npz")
    before = (tmp_path / "spiral.weights.npz").read_bytes()
    written = export_model(load_model(tmp_path / "spiral.weights.npz"), "pytorch", tmp_path / "spiral.py")
    assert written == [tmp_path / "spiral.py", tmp_path / "spiral.weights.npz"]
    assert (tmp_path / "spiral.weights.npz").read_bytes() == before
    assert "spiral.weights.npz" in (tmp_path / "spiral.py").read_text()


def test_hostile_names_stay_inside_comments_and_strings(tmp_path):
    evil = 'x"""\nimport os\nos.system("echo pwned")\n"""\\'
    crosses = [dict(CROSSES[0], name=evil), *CROSSES[1:]]
    model = make_model(tmp_path, [HEADS["multiclass"]], task="multiclass", crosses=crosses)
    model.meta["feature_names"] = [evil, "b\r\nimport sys " + "long name " * 12]
    model.meta["class_names"] = [evil, "'", '"']
    model = dataclasses.replace(model, project=dataclasses.replace(model.project, name=evil))
    for fmt, render in RENDER.items():
        source = render(model, "m.weights.npz", "m.py")
        tree = ast.parse(source)
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "system"]
        assert not calls, fmt
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert "os" not in imported, fmt
        namespace = {}
        start = source.index("FEATURE_NAMES = ")
        exec(source[start:source.index("WEIGHTS = ", start)], namespace)
        assert namespace["FEATURE_NAMES"] == model.meta["feature_names"]    # the names themselves survive intact
        assert namespace["OUTPUT_NAMES"] == [evil, "'", '"']


@pytest.mark.parametrize("fmt,table", [("pytorch", torch_script.BUILTIN), ("keras", keras_script.CUSTOM)])
def test_an_activation_without_a_form_is_refused_naming_the_layer(tmp_path, monkeypatch, fmt, table):
    model = make_model(tmp_path, [{"type": "dense", "units": 4, "activation": "mish"}, HEADS["binary"]])
    monkeypatch.delitem(table, "mish")
    with pytest.raises(LayerLabError, match=r"cannot export model\.layers\[0\] \(dense 4, mish\) to (PyTorch|Keras): "
                                            r"activation 'mish' has no"):
        export_model(model, fmt, tmp_path / "net.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


# --- running the scripts -------------------------------------------------------------------------------------------
def interpreter(module: str, variable: str) -> str | None:
    if importlib.util.find_spec(module) is not None:
        return sys.executable
    return os.environ.get(variable) or None


DRIVER = """
import importlib.util, sys
import numpy as np
X = np.load(sys.argv[1])
results = {}
for k, path in enumerate(sys.argv[3:]):
    spec = importlib.util.spec_from_file_location(f"exported_{k}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results[str(k)] = module.predict(module.load_weights(module.build_model()), module.read_inputs(sys.argv[1]))
np.savez(sys.argv[2], **results)
"""


def run_scripts(python: str, fmt: str, models, folder: Path, X: np.ndarray | None = None):
    X = raw_inputs(256, seed=7) if X is None else X
    np.save(folder / "x.npy", X)
    scripts = []
    for k, (label, model) in enumerate(models):
        export_model(model, fmt, folder / f"m{k}.py")
        scripts.append(str(folder / f"m{k}.py"))
    done = subprocess.run([python, "-c", DRIVER, str(folder / "x.npy"), str(folder / "out.npz"), *scripts],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(folder / "out.npz") as out:
        return X, [out[str(k)] for k in range(len(models))]


@pytest.mark.parametrize("fmt,module,variable", [("pytorch", "torch", "LAYERLAB_TORCH_PYTHON"),
                                                 ("keras", "keras", "LAYERLAB_KERAS_PYTHON")])
def test_scripts_reproduce_layerlab(models, tmp_path, fmt, module, variable):
    python = interpreter(module, variable)
    if python is None:
        pytest.skip(f"{module} is not importable here and {variable} is not set")
    X, outputs = run_scripts(python, fmt, models, tmp_path)
    worst = {}
    for (label, model), output in zip(models, outputs):
        expected = model.predict_raw(X)
        assert output.shape == expected.shape, label
        worst[label] = disagreement(output, expected)
    print(f"\n{fmt}: max relative difference {max(worst.values()):.3g} (worst: {max(worst, key=worst.get)})")
    assert max(worst.values()) <= AGREEMENT, worst


@pytest.mark.parametrize("fmt,module,variable", [("pytorch", "torch", "LAYERLAB_TORCH_PYTHON"),
                                                 ("keras", "keras", "LAYERLAB_KERAS_PYTHON")])
def test_scripts_keep_the_digits_of_city_scale_inputs(tmp_path, fmt, module, variable):
    """Latitude/longitude of one city: the scripts take float64 and scale in float64, as LayerLab does (a float32
    Keras preprocessing layer was 7.3e-4 off on such data)."""
    python = interpreter(module, variable)
    if python is None:
        pytest.skip(f"{module} is not importable here and {variable} is not set")
    identity = [c for c in CROSSES if c["op"] == "identity"]
    models = []
    for task in ("binary", "regression"):
        model = make_model(tmp_path, [{"type": "dense", "units": 16, "activation": "tanh"}, HEADS[task]], task=task,
                           crosses=identity, fit_inputs=city_inputs(500, 7), name=f"city-{task}.npz")
        model.network.named_arrays()["layers.0.weight"][...] *= 8.0
        models.append((task, model))
    X, outputs = run_scripts(python, fmt, models, tmp_path, city_inputs(256))
    for (label, model), output in zip(models, outputs):
        assert disagreement(output, model.predict_raw(X)) <= AGREEMENT, label


@pytest.mark.parametrize("fmt,module,variable", [("pytorch", "torch", "LAYERLAB_TORCH_PYTHON"),
                                                 ("keras", "keras", "LAYERLAB_KERAS_PYTHON")])
def test_script_command_line_matches_layerlab_predict(tmp_path, fmt, module, variable):
    python = interpreter(module, variable)
    if python is None:
        pytest.skip(f"{module} is not importable here and {variable} is not set")
    model = make_model(tmp_path, LAYER_STACK + [HEADS["binary"]])
    export_model(model, fmt, tmp_path / "net.py")
    X = raw_inputs(30)
    with open(tmp_path / "x.csv", "w", newline="") as handle:   # a header and an extra column, out of order
        writer = csv.writer(handle)
        writer.writerow(["label", "x2", "x1"])
        writer.writerows([["?", repr(float(b)), repr(float(a))] for a, b in X])
    done = subprocess.run([python, str(tmp_path / "net.py"), str(tmp_path / "x.csv")], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["class", "p_orange", "p_blue"]
    expected = as_probabilities(model.predict_raw(X))
    got = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    assert disagreement(got, expected) <= AGREEMENT
    assert [row[0] for row in rows[1:]] == [["orange", "blue"][k] for k in np.argmax(expected, axis=1)]
    np.savez(tmp_path / "x.npz", X=X)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "x.npz")], stdout=out, stderr=err) == 0
    assert [r[0] for r in csv.reader(io.StringIO(out.getvalue()))] == [row[0] for row in rows]
