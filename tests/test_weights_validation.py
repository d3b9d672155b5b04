"""What a stored parameter must be, whichever file it comes from (npz, JSON, safetensors): float32 or float64,
finite once cast to the network's dtype, and a running variance never negative. A file that breaks one of these
is refused in one line naming the array, so `predict` never prints NaN probabilities and `--init-weights` never
starts from Inf; and `predict` refuses to write non-finite outputs whatever their cause."""
import json

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.errors import WeightsError
from core.model_files import load_model, load_weights
from core.network import Network
from test_export_support import make_model, raw_inputs

LAYERS = [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batch_norm"},
          {"type": "dense", "units": 1, "activation": "sigmoid"}]


def rewrite(path, name, change):
    """Rewrite the weights file at `path` with array `name` replaced by `change(array)` (meta.json kept)."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    arrays[name] = change(arrays[name])
    np.savez(path, **arrays)


@pytest.fixture
def model_file(tmp_path):
    make_model(tmp_path, LAYERS)
    return tmp_path / "model.npz"


def test_a_float64_value_beyond_float32_is_refused_not_turned_into_inf(tmp_path, model_file):
    rewrite(model_file, "layers.0.weight", lambda a: np.full(a.shape, 1e300))
    with pytest.raises(WeightsError, match=r"layers\.0\.weight holds 1e\+300, outside the float32 range"):
        load_model(model_file)
    np.savez(tmp_path / "x.npz", X=raw_inputs(3))
    code, out, err = run("predict", model_file, tmp_path / "x.npz")
    assert_one_line_error(code, err, "model.npz", "layers.0.weight", "float32")
    assert out == ""


def test_a_float64_file_that_fits_loads_into_a_float32_network_rounded_once(model_file):
    values = np.linspace(-0.7, 0.9, 8).reshape(2, 4) + 1e-12       # not exact in float32
    network = Network(LAYERS, 2)
    arrays = {name: a.astype(np.float64) for name, a in network.state_dict().items()}
    arrays["layers.0.weight"] = values
    network.load_state_dict(arrays)
    assert network.params.dtype == np.float32
    np.testing.assert_array_equal(network.named_arrays()["layers.0.weight"], values.astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float16, np.int64, np.longdouble])
def test_other_dtypes_are_refused(model_file, dtype):
    rewrite(model_file, "layers.0.bias", lambda a: a.astype(dtype))
    with pytest.raises(WeightsError, match=rf"layers\.0\.bias must hold float32 or float64 values, got "
                                           rf"{np.dtype(dtype).name}"):
        load_weights(model_file)
    network = Network(LAYERS, 5)
    arrays = network.state_dict()
    arrays["layers.0.bias"] = arrays["layers.0.bias"].astype(dtype)
    before = network.params.copy()
    with pytest.raises(WeightsError, match="float32 or float64"):
        network.load_state_dict(arrays)
    np.testing.assert_array_equal(network.params, before)     # nothing loaded half-way


def test_init_weights_out_of_range_is_refused_before_training(tmp_path, model_file):
    rewrite(model_file, "layers.2.weight", lambda a: np.full(a.shape, -3e39))
    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "format": "layerlab/1", "data": {"source": "builtin", "name": "spiral", "samples": 60,
                                         "features": ["x1", "x2", "x1^2", "x1*x2", "sin(x2)"]},
        "model": {"layers": LAYERS}, "training": {"epochs": 2, "loss": "binary_crossentropy"}}))
    code, out, err = run("train", project, "--init-weights", model_file, "--out", tmp_path / "m.npz")
    assert_one_line_error(code, err, "layers.2.weight", "-3e+39", "float32")
    assert "epoch" not in out and not (tmp_path / "m.npz").exists()


def test_a_negative_running_variance_is_refused_in_npz_and_json(tmp_path, model_file):
    exported = tmp_path / "model.json"
    assert run("export", model_file, "--format", "json", "--out", exported)[0] == 0
    rewrite(model_file, "layers.1.running_var", lambda a: np.where(np.arange(a.size) == 2, -0.5, a))
    with pytest.raises(WeightsError, match=r"layers\.1\.running_var holds -0\.5, but a variance is never negative"):
        load_model(model_file)
    doc = json.loads(exported.read_text())
    doc["layers"][1]["weights"]["running_var"][0] = -1e-3
    exported.write_text(json.dumps(doc))
    np.savez(tmp_path / "x.npz", X=raw_inputs(3))
    code, out, err = run("predict", exported, tmp_path / "x.npz")
    assert_one_line_error(code, err, "model.json", "running_var", "never negative")
    assert out == ""


def test_a_zero_running_variance_is_fine(model_file):
    rewrite(model_file, "layers.1.running_var", np.zeros_like)
    model = load_model(model_file)
    assert np.all(np.isfinite(model.predict_raw(raw_inputs(5))))    # eps keeps the square root positive


def test_predict_refuses_to_write_non_finite_outputs(tmp_path):
    make_model(tmp_path, [{"type": "dense", "units": 3, "activation": "linear"},
                          {"type": "dense", "units": 1, "activation": "linear"}], task="regression")
    X = raw_inputs(4)
    X[2] = [1e300, -1e300]                         # finite inputs whose squares overflow: Inf, then NaN
    np.savez(tmp_path / "x.npz", X=X)
    out_file = tmp_path / "p.csv"
    code, out, err = run("predict", tmp_path / "model.npz", tmp_path / "x.npz", "--out", out_file)
    assert_one_line_error(code, err, "NaN or Inf outputs for 1 of 4 input rows (first: row 3)", "nothing written")
    assert not out_file.exists() and out == ""
    code, out, err = run("predict", tmp_path / "model.npz", tmp_path / "x.npz")
    assert_one_line_error(code, err, "row 3")
    assert out == ""
