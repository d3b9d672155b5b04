"""JSON, safetensors and npz exports load back to identical arrays; format names; the CLI's export command; and
exports that fail leave no file behind."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

from cli_support import run
from core.errors import LayerLabError
from core.export import FORMATS, SUFFIXES, export_model, resolve_format
from core.fileio import FileWriteError
from core.model_files import load_model, load_weights
from core.model_files.json_reader import JSON_FORMAT
from test_export_support import make_model, raw_inputs

EVERY_LAYER = [
    {"type": "dense", "units": 6, "activation": {"name": "leaky_relu", "negative_slope": 0.2}},
    {"type": "batch_norm", "momentum": 0.3},
    {"type": "dropout", "rate": 0.1},
    {"type": "dense", "units": 5, "activation": "prelu"},
    {"type": "layer_norm", "eps": 1e-4},
    {"type": "gaussian_noise", "stddev": 0.2},
    {"type": "prelu"},
    {"type": "activation", "activation": {"name": "softplus", "beta": 2.0}},
    {"type": "dense", "units": 3, "activation": "softmax", "use_bias": False},
]


def tiny_project(folder, **training):
    """A small binary project with batch norm (running statistics to carry) in `folder`; returns its path."""
    project = folder / "tiny.json"
    project.write_text(json.dumps({
        "format": "layerlab/1", "name": "tiny",
        "data": {"source": "builtin", "name": "gauss", "samples": 100, "split": {"val": 0.2, "test": 0.0}},
        "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batch_norm"},
                             {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "batch_size": 16, **training}}))
    return project


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture
def model(tmp_path):
    return make_model(tmp_path, EVERY_LAYER, task="multiclass")


# --- JSON ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_json_round_trip_is_bit_identical(tmp_path, dtype):
    model = make_model(tmp_path, EVERY_LAYER, task="multiclass", dtype=dtype)
    weight = model.network.named_arrays()["layers.0.weight"]
    tiny = np.finfo(weight.dtype).smallest_subnormal
    weight[0, :4] = [tiny, -0.0, np.finfo(weight.dtype).max / 2, 1 / 3]   # values repr must carry exactly
    export_model(model, "json", tmp_path / "m.json")
    back = load_model(tmp_path / "m.json")
    original = model.network.state_dict()
    loaded = back.network.state_dict()
    assert list(loaded) == list(original)
    for name in original:
        assert same_bits(loaded[name], original[name]), name
    assert np.signbit(back.network.named_arrays()["layers.0.weight"][0, 1])   # -0.0 stays negative
    assert back.preprocessor.to_dict() == model.preprocessor.to_dict()
    for key in ("task", "n_classes", "class_names", "feature_names", "target_names", "raw_width", "input_width",
                "output_width", "encoder"):
        assert back.meta[key] == model.meta[key], key
    assert back.network.layer_configs == model.network.layer_configs


def test_json_schema_is_plain_nested_lists(tmp_path, model):
    export_model(model, "json", tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert doc["format"] == JSON_FORMAT == "layerlab-json/1"
    assert doc["task"] == "multiclass" and doc["class_names"] == ["red", "green", "blue"]
    assert doc["raw_width"] == 2 and doc["input_width"] == 5 and doc["output_width"] == 3
    assert doc["preprocessing"]["crosses"][3] == {"name": "x1*x2", "op": "product", "inputs": [0, 1]}
    types = [layer["type"] for layer in doc["layers"]]
    assert types == ["dense", "batch_norm", "dropout", "dense", "layer_norm", "gaussian_noise", "prelu",
                     "activation", "dense"]
    dense = doc["layers"][0]
    assert dense["units"] == 6 and dense["activation"] == {"name": "leaky_relu", "negative_slope": 0.2}
    kernel = dense["weights"]["weight"]
    assert len(kernel) == 5 and all(len(row) == 6 for row in kernel)            # (in, out) as rows
    assert set(doc["layers"][1]["weights"]) == {"gamma", "beta", "running_mean", "running_var"}
    assert doc["layers"][2]["weights"] == {}
    assert "model" not in doc["project"] and doc["project"]["format"] == "layerlab/1"


def test_predict_works_on_a_json_export(tmp_path, model):
    X = raw_inputs(12)
    np.savetxt(tmp_path / "x.csv", X, delimiter=",", header="x1,x2", comments="")
    assert run("export", tmp_path / "model.npz", "--format", "json", "--out", tmp_path / "m.json")[0] == 0
    code_npz, from_npz, _ = run("predict", tmp_path / "model.npz", tmp_path / "x.csv")
    code_json, from_json, err = run("predict", tmp_path / "m.json", tmp_path / "x.csv")
    assert code_npz == code_json == 0, err
    assert from_json == from_npz and from_json.startswith("class,p_red,p_green,p_blue\n")
    X_back = load_model(tmp_path / "m.json")
    assert same_bits(X_back.predict_raw(X), model.predict_raw(X))


def test_json_without_suffix_is_recognised_by_content(tmp_path, model):
    export_model(model, "json", tmp_path / "exported.model")
    back = load_model(tmp_path / "exported.model")
    assert same_bits(back.network.params, model.network.params)


# --- safetensors and npz -------------------------------------------------------------------------------------------
def test_safetensors_has_the_weights_file_names_and_metadata(tmp_path, model):
    export_model(model, "safetensors", tmp_path / "m.safetensors")
    tensors = load_file(tmp_path / "m.safetensors")
    original = model.network.state_dict()
    assert set(tensors) == set(original) == set(load_weights(tmp_path / "model.npz").arrays)
    for name, array in original.items():
        assert same_bits(tensors[name], array), name
    with safe_open(tmp_path / "m.safetensors", framework="np") as handle:
        meta = handle.metadata()
    assert meta["layerlab_format"] == "layerlab-safetensors/1"
    assert json.loads(meta["project"]) == model.meta["project"]
    assert json.loads(meta["preprocessing"]) == model.preprocessor.to_dict()
    rest = json.loads(meta["model"])
    assert rest["task"] == "multiclass" and rest["class_names"] == ["red", "green", "blue"]
    assert tensors["layers.0.weight"].shape == (5, 6)        # kernel (in, out), as in the weights file


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layerlab_reads_its_own_safetensors_export(tmp_path, dtype):
    """load_model gives back the very model: same arrays bit for bit, same predictions, same metadata; and the file
    works wherever a weights file does (predict, export, --init-weights)."""
    model = make_model(tmp_path, EVERY_LAYER, task="multiclass", dtype=dtype)
    export_model(model, "safetensors", tmp_path / "m.safetensors")
    back = load_model(tmp_path / "m.safetensors")
    assert back.network.dtype == np.dtype(dtype)
    assert same_bits(back.network.params, model.network.params)
    assert same_bits(back.network.buffers, model.network.buffers)
    X = raw_inputs(20)
    assert same_bits(back.predict_raw(X), model.predict_raw(X))
    assert back.meta["class_names"] == ["red", "green", "blue"] and back.project.layers == model.project.layers
    # Named by its content too, whatever the suffix.
    (tmp_path / "m.bin").write_bytes((tmp_path / "m.safetensors").read_bytes())
    assert same_bits(load_model(tmp_path / "m.bin").network.params, model.network.params)
    np.savez(tmp_path / "x.npz", X=X)
    code, out, err = run("predict", tmp_path / "m.safetensors", tmp_path / "x.npz")
    assert code == 0, err
    assert out == run("predict", tmp_path / "model.npz", tmp_path / "x.npz")[1]
    code, out, err = run("export", tmp_path / "m.safetensors", "--format", "json", "--out", tmp_path / "m.json")
    assert code == 0, err
    assert same_bits(load_model(tmp_path / "m.json").network.params, model.network.params)


def test_init_weights_from_a_safetensors_export(tmp_path):
    project = tiny_project(tmp_path, epochs=3, optimizer="sgd")
    assert run("train", project, "--out", tmp_path / "a.npz")[0] == 0
    assert run("export", tmp_path / "a.npz", "--format", "safetensors", "--out", tmp_path / "a.safetensors")[0] == 0
    runs = {}
    for source in ("a.npz", "a.safetensors"):
        code, out, err = run("train", project, "--init-weights", tmp_path / source, "--epochs", 1, "--out",
                                 tmp_path / f"from-{source}.npz")
        assert code == 0, err
        runs[source] = load_weights(tmp_path / f"from-{source}.npz").arrays
    for name, array in runs["a.npz"].items():
        assert same_bits(runs["a.safetensors"][name], array), name


def test_npz_export_drops_training_state(tmp_path):
    project = tiny_project(tmp_path, epochs=2)
    assert run("train", project, "--checkpoint", "--out", tmp_path / "ckpt.npz")[0] == 0
    checkpoint = load_weights(tmp_path / "ckpt.npz")
    assert checkpoint.is_checkpoint and checkpoint.optimizer
    code, out, err = run("export", tmp_path / "ckpt.npz", "--format", "npz", "--out", tmp_path / "w.npz")
    assert code == 0 and "exported" in out, err
    exported = load_weights(tmp_path / "w.npz")
    assert not exported.is_checkpoint and not exported.optimizer and not exported.checkpoint_arrays
    assert "history" not in exported.meta
    assert set(exported.arrays) == set(checkpoint.arrays)
    for name, array in checkpoint.arrays.items():
        assert same_bits(exported.arrays[name], array)
    assert np.any(exported.arrays["layers.1.running_var"] != 1.0)   # trained running statistics kept
    X = raw_inputs(10)
    assert same_bits(load_model(tmp_path / "w.npz").predict_raw(X), load_model(tmp_path / "ckpt.npz").predict_raw(X))


# --- format names and the CLI --------------------------------------------------------------------------------------
def test_format_names():
    assert FORMATS == ("npz", "json", "onnx", "safetensors", "pytorch", "keras")
    assert set(SUFFIXES) == set(FORMATS)
    assert resolve_format("ONNX") == "onnx" and resolve_format("torch") == "pytorch"
    with pytest.raises(LayerLabError, match=r"'tourch' is not an export format \(did you mean 'pytorch'\?\)"):
        resolve_format("tourch")


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_exports_every_format(tmp_path, model, fmt):
    out = tmp_path / f"exported{SUFFIXES[fmt]}"
    code, stdout, stderr = run("export", tmp_path / "model.npz", "--format", fmt, "--out", out)
    assert code == 0 and stderr == ""
    assert out.is_file() and out.stat().st_size > 0
    assert stdout.strip() == f"exported {tmp_path / 'model.npz'} as {fmt} to {out}"
    written = sorted(p.name for p in tmp_path.iterdir())
    extra = ["exported.weights.npz"] if fmt in ("pytorch", "keras") else []
    assert written == sorted(["model.npz", out.name, *extra])


def test_cli_rejects_an_unknown_format_in_one_line(tmp_path, model):
    code, out, err = run("export", tmp_path / "model.npz", "--format", "caffe", "--out", tmp_path / "m.caffe")
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "not an export format" in err and "onnx" in err
    assert not (tmp_path / "m.caffe").exists()


# --- nothing left behind -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_folder_or_folder_target_writes_nothing(tmp_path, model, fmt):
    before = set(tmp_path.iterdir())
    with pytest.raises(FileWriteError, match="does not exist"):
        export_model(model, fmt, tmp_path / "nowhere" / f"m{SUFFIXES[fmt]}")
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileWriteError, match="is a folder"):
        export_model(model, fmt, tmp_path / "folder")
    assert set(tmp_path.iterdir()) == before | {tmp_path / "folder"}
    assert list((tmp_path / "folder").iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_write_failing_half_way_leaves_the_old_files_untouched(tmp_path, model, fmt, monkeypatch):
    """Disk full while writing the (last) file: the old export survives, no temporary file remains."""
    out = tmp_path / f"m{SUFFIXES[fmt]}"
    out.write_bytes(b"previous export")
    sibling = tmp_path / "m.weights.npz"
    if fmt in ("pytorch", "keras"):
        sibling.write_bytes(b"previous weights")
    real_open = open

    def full_disk(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(".tmp"):
            handle.write(b"half" if "b" in mode else "half")
            handle.close()
            raise OSError(28, "No space left on device")
        return handle

    monkeypatch.setattr("builtins.open", full_disk)
    monkeypatch.setattr("pathlib.Path.write_bytes", lambda self, data: full_disk(self, "wb"))
    monkeypatch.setattr("pathlib.Path.write_text", lambda self, text, encoding=None: full_disk(self, "w"))
    with pytest.raises(LayerLabError, match="No space left on device"):
        export_model(model, fmt, out)
    monkeypatch.undo()
    assert out.read_bytes() == b"previous export"
    if fmt in ("pytorch", "keras"):
        assert sibling.read_bytes() == b"previous weights"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folder(tmp_path, model):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, out, err = run("export", tmp_path / "model.npz", "--format", "onnx", "--out", folder / "m.onnx")
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_cli_export_to_a_missing_folder_is_one_line(tmp_path, model):
    code, out, err = run("export", tmp_path / "model.npz", "--format", "onnx", "--out", tmp_path / "no" / "m.onnx")
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "no").exists()


# --- where an export may go ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_never_overwrites_its_own_source(tmp_path, fmt):
    """`export X.npz --format npz --out X.npz` silently stripped the checkpoint from X.npz."""
    project = tmp_path / "tiny.json"
    project.write_text(json.dumps({
        "format": "layerlab/1", "data": {"source": "builtin", "name": "gauss", "samples": 60},
        "model": {"layers": [{"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "epochs": 1}}))
    assert run("train", project, "--checkpoint", "--out", tmp_path / "ckpt.npz")[0] == 0
    source = tmp_path / "ckpt.npz"
    before = source.read_bytes()
    code, out, err = run("export", source, "--format", fmt, "--out", source)
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "over itself" in err and "ckpt.npz" in err
    assert source.read_bytes() == before and load_weights(source).is_checkpoint
    # The same file under another spelling is still the same file.
    (tmp_path / "sub").mkdir()
    code, _, err = run("export", source, "--format", fmt, "--out", tmp_path / "sub" / ".." / "ckpt.npz")
    assert code == 1 and "over itself" in err
    assert source.read_bytes() == before


@pytest.mark.parametrize("fmt", ["json", "safetensors"])
def test_a_json_or_safetensors_export_is_not_exported_over_itself(tmp_path, model, fmt):
    path = tmp_path / f"m{SUFFIXES[fmt]}"
    export_model(model, fmt, path)
    before = path.read_bytes()
    with pytest.raises(LayerLabError, match="over itself"):
        export_model(load_model(path), fmt, path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("fmt,name,needle", [
    ("onnx", "mix.json", ".json is the suffix of the json format, but this export is an onnx file; name it .onnx "
                         "(e.g. mix.onnx)"),
    ("json", "m.onnx", "name it .json"),
    ("npz", "m.safetensors", "name it .npz"),
    ("safetensors", "m.npz", "name it .safetensors"),
    ("onnx", "m.py", ".py is the suffix of a Python script"),
    ("keras", "m.keras", ".keras is the suffix of Keras' own model format, but this export is a Python script; "
                         "name it .py (e.g. m.py)"),
    ("keras", "m.h5", "Keras' HDF5 model format"),
    ("pytorch", "m.pt", "PyTorch's saved-model format"),
    ("pytorch", "m.weights.npz", ".npz is the suffix of the npz format"),
    ("pytorch", "m.txt", "its name must end in .py (e.g. m.py)"),
])
def test_an_out_suffix_of_another_format_is_refused(tmp_path, model, fmt, name, needle):
    code, out, err = run("export", tmp_path / "model.npz", "--format", fmt, "--out", tmp_path / name)
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert needle in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_any_case_of_the_right_suffix_and_unknown_suffixes_are_fine(tmp_path, model):
    assert export_model(model, "onnx", tmp_path / "M.ONNX") == [tmp_path / "M.ONNX"]
    assert export_model(model, "json", tmp_path / "m.model") == [tmp_path / "m.model"]
    assert load_model(tmp_path / "m.model").network.param_count == model.network.param_count


def test_the_library_names_a_bad_format_without_the_command_lines_flag(tmp_path, model):
    """The CLI says `--format`; the library, called from the app or a script, does not."""
    from core.export import EXPORT_FORMATS, export_format

    with pytest.raises(LayerLabError) as info:
        export_model(load_model(tmp_path / "model.npz"), "caffe", tmp_path / "m.caffe")
    assert str(info.value).startswith("'caffe' is not an export format") and "--format" not in str(info.value)
    assert [name for name, _ in EXPORT_FORMATS.items()] == list(FORMATS)
    assert export_format("TF").name == "keras" and export_format(".onnx").suffix == ".onnx"
