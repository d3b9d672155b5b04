"""Bad model files for predict and export: each is refused with one readable line naming the file and the
problem, through `load_model` and through the CLI (non-zero exit, one line on stderr, no traceback), and nothing
is written or loaded half-way."""
from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli_support import run
from core.errors import WeightsError
from core.export import export_model
from core.model_files import load_model, load_weights, save_weights
from core.model_files.weights_file import META_KEY, WEIGHTS_FORMAT, encode_json
from test_export_support import make_model, raw_inputs

LAYERS = [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batch_norm"},
          {"type": "dense", "units": 1, "activation": "sigmoid"}]


@pytest.fixture
def good(tmp_path):
    """A valid weights file, its JSON and safetensors exports and a CSV of raw inputs."""
    model = make_model(tmp_path, LAYERS)
    export_model(model, "json", tmp_path / "good.json")
    export_model(model, "safetensors", tmp_path / "good.safetensors")
    np.savetxt(tmp_path / "x.csv", raw_inputs(5), delimiter=",")
    return model


def npz_with(path, arrays, meta):
    """An .npz laid out like a weights file, written without save_weights' own checks."""
    np.savez(path, **arrays, **{META_KEY: encode_json({"format": WEIGHTS_FORMAT, **meta})})


def json_doc(tmp_path) -> dict:
    return json.loads((tmp_path / "good.json").read_text(encoding="utf-8"))


def write_json(path, doc) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8")


def other_architecture(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    arrays = dict(wf.arrays)
    arrays["layers.0.weight"] = np.zeros((5, 7), np.float32)      # a kernel for 7 units, not 4
    save_weights(tmp_path / "bad.npz", arrays, wf.meta)
    return "layers.0.weight has shape (5, 7), the network expects (5, 4)"


def missing_layer(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    arrays = {k: v for k, v in wf.arrays.items() if not k.startswith("layers.2.")}
    save_weights(tmp_path / "bad.npz", arrays, wf.meta)
    return "arrays do not match the network (missing layers.2.weight, layers.2.bias)"


def deeper_network(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    meta = copy.deepcopy(wf.meta)
    meta["project"]["model"]["layers"] = LAYERS[:1] + [{"type": "dense", "units": 1, "activation": "sigmoid"}]
    save_weights(tmp_path / "bad.npz", wf.arrays, meta)
    return "arrays do not match the network (missing layers.1.weight, layers.1.bias; unexpected layers.1.gamma"


def truncated(tmp_path, model):
    data = (tmp_path / "model.npz").read_bytes()
    (tmp_path / "bad.npz").write_bytes(data[: len(data) * 2 // 3])
    return "truncated or not an .npz"


def pickled_dict(tmp_path, model):
    with open(tmp_path / "bad.npz", "wb") as handle:
        pickle.dump({"layers.0.weight": np.zeros((5, 4))}, handle)
    return "contains pickled data, which LayerLab never loads"


def object_array(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    npz_with(tmp_path / "bad.npz", {**wf.arrays, "layers.0.weight": np.array([{"x": 1}], dtype=object)}, wf.meta)
    return "contains pickled data"


def nan_weight(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    arrays = dict(wf.arrays)
    arrays["layers.1.running_var"] = np.array([1.0, np.nan, 1.0, 1.0], np.float32)
    npz_with(tmp_path / "bad.npz", arrays, wf.meta)
    return "layers.1.running_var contains NaN or Inf"


def meta_without_width(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    meta = {k: v for k, v in wf.meta.items() if k not in ("input_width", "format")}
    save_weights(tmp_path / "bad.npz", wf.arrays, meta)
    return "metadata does not describe a usable model (missing key 'input_width')"


def meta_wrong_raw_width(tmp_path, model):
    wf = load_weights(tmp_path / "model.npz")
    save_weights(tmp_path / "bad.npz", wf.arrays, {**wf.meta, "raw_width": "two"})
    return "raw_width is 'two' but the preprocessing takes 2 columns"


def not_a_model_at_all(tmp_path, model):
    (tmp_path / "bad.npz").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    return "is not a LayerLab model: expected a weights file (.npz), a JSON export or a safetensors export"


def empty_file(tmp_path, model):
    (tmp_path / "bad.npz").write_bytes(b"")
    return "is empty"


NPZ_CASES = [other_architecture, missing_layer, deeper_network, truncated, pickled_dict, object_array, nan_weight,
             meta_without_width, meta_wrong_raw_width, not_a_model_at_all, empty_file]


def json_missing_layers(tmp_path, model):
    doc = json_doc(tmp_path)
    del doc["layers"]
    write_json(tmp_path / "bad.json", doc)
    return "layers is required"


def json_missing_preprocessing(tmp_path, model):
    doc = json_doc(tmp_path)
    del doc["preprocessing"]
    write_json(tmp_path / "bad.json", doc)
    return "preprocessing is required"


def json_missing_weight(tmp_path, model):
    doc = json_doc(tmp_path)
    del doc["layers"][1]["weights"]["running_var"]
    write_json(tmp_path / "bad.json", doc)
    return "layers[1].weights misses running_var (a batch_norm layer here has: gamma, beta, running_mean, running_var)"


def json_wrong_shape(tmp_path, model):
    doc = json_doc(tmp_path)
    doc["layers"][0]["weights"]["weight"] = doc["layers"][0]["weights"]["weight"][:3]
    write_json(tmp_path / "bad.json", doc)
    return "layers[0].weights.weight has shape (3, 4), the network expects (5, 4)"


def json_ragged(tmp_path, model):
    doc = json_doc(tmp_path)
    doc["layers"][0]["weights"]["weight"][2] = doc["layers"][0]["weights"]["weight"][2][:2]
    write_json(tmp_path / "bad.json", doc)
    return "layers[0].weights.weight is not a rectangular array of numbers"


def json_text_in_weights(tmp_path, model):
    doc = json_doc(tmp_path)
    doc["layers"][2]["weights"]["bias"] = ["0.5"]
    write_json(tmp_path / "bad.json", doc)
    return "layers[2].weights.bias must hold numbers only"


def json_nan(tmp_path, model):
    text = (tmp_path / "good.json").read_text(encoding="utf-8")
    first = json_doc(tmp_path)["layers"][2]["weights"]["bias"][0]
    (tmp_path / "bad.json").write_text(text.replace(f'"bias":[{first!r}]', '"bias":[NaN]'), encoding="utf-8")
    return "contains NaN, which a LayerLab JSON export never holds"


def json_truncated(tmp_path, model):
    text = (tmp_path / "good.json").read_text(encoding="utf-8")
    (tmp_path / "bad.json").write_text(text[: len(text) // 2], encoding="utf-8")
    return "malformed or truncated JSON at line 1"


def json_unknown_key(tmp_path, model):
    doc = json_doc(tmp_path)
    doc["weigths"] = {}
    write_json(tmp_path / "bad.json", doc)
    return "weigths is not a known key"


def json_project_file(tmp_path, model):
    write_json(tmp_path / "bad.json", model.meta["project"])
    return "is a project file, not a trained model"


def json_inconsistent_widths(tmp_path, model):
    doc = json_doc(tmp_path)
    doc["output_width"] = 3
    write_json(tmp_path / "bad.json", doc)
    return "output_width is 3 but the layers output 1 values"


def json_bad_layer_config(tmp_path, model):
    doc = json_doc(tmp_path)
    doc["layers"][0]["activation"] = "relu7"
    write_json(tmp_path / "bad.json", doc)
    return "layers[0].activation: unknown activation 'relu7'"


JSON_CASES = [json_missing_layers, json_missing_preprocessing, json_missing_weight, json_wrong_shape, json_ragged,
              json_text_in_weights, json_nan, json_truncated, json_unknown_key, json_project_file,
              json_inconsistent_widths, json_bad_layer_config]


def safetensors_parts(tmp_path):
    """The good safetensors export as (tensors, string metadata)."""
    from safetensors import safe_open
    from safetensors.numpy import load_file

    with safe_open(tmp_path / "good.safetensors", framework="np") as handle:
        metadata = dict(handle.metadata())
    return load_file(tmp_path / "good.safetensors"), metadata


def write_safetensors_file(path, tensors, metadata) -> None:
    from safetensors.numpy import save_file

    save_file(tensors, path, metadata=metadata)


def st_negative_variance(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    tensors["layers.1.running_var"] = -tensors["layers.1.running_var"]
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "layers.1.running_var holds -"


def st_float16(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    tensors["layers.0.weight"] = tensors["layers.0.weight"].astype(np.float16)
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "layers.0.weight must hold float32 or float64 values, got float16"


def st_nan(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    tensors["layers.2.bias"] = np.array([np.nan], np.float32)
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "layers.2.bias contains NaN or Inf"


def st_wrong_shape(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    tensors["layers.0.weight"] = np.zeros((5, 7), np.float32)
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "layers.0.weight has shape (5, 7), the network expects (5, 4)"


def st_extra_tensor(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    tensors["lm_head.weight"] = np.zeros(3, np.float32)
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "unexpected tensor 'lm_head.weight'"


def st_foreign(tmp_path, model):
    tensors, _ = safetensors_parts(tmp_path)
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, {"format": "pt"})
    return "is a safetensors file but not a LayerLab export"


def st_no_project(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    del metadata["project"]
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "its metadata has no 'project'"


def st_bad_model_json(tmp_path, model):
    tensors, metadata = safetensors_parts(tmp_path)
    metadata["model"] = metadata["model"][:-3]
    write_safetensors_file(tmp_path / "bad.safetensors", tensors, metadata)
    return "its 'model' metadata is not valid JSON"


def st_truncated(tmp_path, model):
    data = (tmp_path / "good.safetensors").read_bytes()
    (tmp_path / "bad.safetensors").write_bytes(data[: len(data) - 10])
    return "is not a valid safetensors file"


def st_empty(tmp_path, model):
    (tmp_path / "bad.safetensors").write_bytes(b"")
    return "is too short to be a safetensors file"


SAFETENSORS_CASES = [st_negative_variance, st_float16, st_nan, st_wrong_shape, st_extra_tensor, st_foreign,
                     st_no_project, st_bad_model_json, st_truncated, st_empty]
ALL_CASES = NPZ_CASES + JSON_CASES + SAFETENSORS_CASES


def bad_path(tmp_path, case):
    if case in SAFETENSORS_CASES:
        return tmp_path / "bad.safetensors"
    return tmp_path / ("bad.json" if case in JSON_CASES else "bad.npz")


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.__name__)
def test_load_model_refuses_with_one_line(tmp_path, good, case):
    expected = case(tmp_path, good)
    with pytest.raises(WeightsError) as info:
        load_model(bad_path(tmp_path, case))
    message = str(info.value)
    assert "\n" not in message
    assert str(bad_path(tmp_path, case)) in message
    assert expected in message


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.__name__)
def test_cli_predict_and_export_refuse_with_one_line(tmp_path, good, case):
    expected = case(tmp_path, good)
    bad = bad_path(tmp_path, case)
    for args in (("predict", bad, tmp_path / "x.csv"),
                 ("export", bad, "--format", "onnx", "--out", tmp_path / "out.onnx")):
        code, out, err = run(*args)
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
        assert expected in err
    assert not (tmp_path / "out.onnx").exists()


def test_the_good_files_do_load(tmp_path, good):
    """The fixtures above differ from working files only by the damage each case does."""
    X = raw_inputs(5)
    for name in ("model.npz", "good.json", "good.safetensors"):
        np.testing.assert_array_equal(load_model(tmp_path / name).predict_raw(X), good.predict_raw(X))
        assert run("predict", tmp_path / name, tmp_path / "x.csv")[0] == 0


# --- corrupted files: nothing but a WeightsError ever comes out ----------------------------------------------------
@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pristine")
    model = make_model(folder, LAYERS)
    export_model(model, "json", folder / "m.json")
    export_model(model, "safetensors", folder / "m.safetensors")
    return ((folder / "model.npz").read_bytes(), (folder / "m.json").read_bytes(),
            (folder / "m.safetensors").read_bytes())


def _load_corrupted(folder, name: str, data: bytes) -> None:
    path = folder / name
    path.write_bytes(data)
    try:
        load_model(path)
    except WeightsError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_json_exports_fail_cleanly(tmp_path, pristine, data):
    text = bytearray(pristine[1])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text) - 1))
        text[at] = data.draw(st.sampled_from(b'{}[]",:0123456789.-eE ntrufalsNI\x00\xff'))
    if data.draw(st.booleans()):
        text = text[: data.draw(st.integers(0, len(text)))]
    _load_corrupted(tmp_path, "m.json", bytes(text))


@pytest.mark.parametrize("index, name", [(0, "m.npz"), (2, "m.safetensors")])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_weights_and_safetensors_files_fail_cleanly(tmp_path, pristine, index, name, data):
    raw = bytearray(pristine[index])
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    _load_corrupted(tmp_path, name, bytes(raw))


def _paths(obj, path=()):
    """Every key path of a JSON document (the first two items of each list)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, path + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj[:2]):
            yield from _paths(value, path + (i,))
    if path:
        yield path


def test_a_value_of_the_wrong_type_anywhere_in_a_json_export_fails_cleanly(tmp_path, pristine):
    doc = json.loads(pristine[1])
    paths = [p for p in _paths(doc) if not (len(p) > 3 and p[2] == "weights")]   # weights: one array suffices
    assert len(paths) > 60
    for path in paths:
        for value in (None, "x", [], {}, True, -1):
            changed = json.loads(pristine[1])
            target = changed
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            (tmp_path / "m.json").write_text(json.dumps(changed), encoding="utf-8")
            try:
                load_model(tmp_path / "m.json")
            except WeightsError as exc:
                assert "\n" not in str(exc)
