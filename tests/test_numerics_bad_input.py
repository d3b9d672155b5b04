"""Numbers that training cannot continue from: checkpoint state that is not finite, negative where it cannot be or
fractional where it counts (refused on --resume in one line, never written), and values that the training dtype
cannot hold (inputs around 1e300, a constant initializer of 1e308 in float32), refused with a message instead of
a model that silently ignores its inputs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.data.preprocess import fit_scaling
from core.model_files import load_weights


def project(folder: Path, data=None, layers=None, **training) -> Path:
    obj = {
        "format": "layerlab/1", "name": "tiny",
        "data": data or {"source": "builtin", "name": "gauss", "samples": 100, "noise": 0.1},
        "model": {"layers": layers or [{"type": "dense", "units": 3, "activation": "tanh"},
                                       {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "optimizer": "adam", "batch_size": 20, "epochs": 2, **training},
    }
    path = folder / "p.json"
    path.write_text(json.dumps(obj))
    return path


# --- item 7: checkpoint state validated on load, never written non-finite -----------------------------------------
@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ckpt")
    path = project(folder)
    code, _, err = run("train", path, "--stop-after", "1", "--checkpoint", "--out", folder / "c.npz", "--quiet")
    assert code == 0, err
    return path, folder / "c.npz"


def tampered(ckpt: Path, folder: Path, optimizer=None, state=None) -> Path:
    wf = load_weights(ckpt)
    meta = json.loads(json.dumps(wf.meta))
    meta["checkpoint"].update(state or {})
    arrays = {**wf.arrays, **{f"optimizer.{k}": v for k, v in wf.optimizer.items()},
              **{f"checkpoint.{k}": v for k, v in wf.checkpoint_arrays.items()}}
    for key, change in (optimizer or {}).items():
        arrays[f"optimizer.{key}"] = change(np.array(wf.optimizer[key]))
    out = folder / "bad.npz"
    np.savez(out, **{"meta.json": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}, **arrays)
    return out


def with_entry(value):
    def change(array):
        array = array.astype(np.float64)
        array.reshape(-1)[0] = value
        return array
    return change


CHECKPOINT_CASES = {
    "inf exp_avg_sq": ({"exp_avg_sq": with_entry(np.inf)}, {}, "exp_avg_sq holds NaN or Inf"),
    "nan exp_avg": ({"exp_avg": with_entry(np.nan)}, {}, "exp_avg holds NaN or Inf"),
    "negative exp_avg_sq": ({"exp_avg_sq": with_entry(-1.0)}, {}, "never negative"),
    "nan optimizer lr": ({"lr": lambda a: np.array(np.nan)}, {}, "lr must be a"),
    "nan trainer lr": ({}, {"lr": float("nan")}, "lr must be a finite number >= 0"),
    "fractional epoch": ({}, {"epoch": 1.5}, "epoch must be a whole number >= 0"),
    "negative epoch": ({}, {"epoch": -1}, "epoch must be a whole number >= 0"),
    "nan history": ({}, {"history": {"loss": [float("nan")]}}, "history['loss'][0] is nan"),
}


@pytest.mark.parametrize("case", CHECKPOINT_CASES)
def test_resume_refuses_checkpoint_state_that_training_cannot_continue_from(checkpoint, tmp_path, case):
    path, ckpt = checkpoint
    optimizer, state, needle = CHECKPOINT_CASES[case]
    bad = tampered(ckpt, tmp_path, optimizer, state)
    out = tmp_path / "out.npz"
    assert_one_line_error(*run("train", path, "--resume", bad, "--out", out, "--checkpoint")[::2], needle)
    assert not out.exists()


def test_the_untampered_checkpoint_resumes(checkpoint, tmp_path):
    path, ckpt = checkpoint
    code, _, err = run("train", path, "--resume", tampered(ckpt, tmp_path), "--out", tmp_path / "o.npz", "--quiet")
    assert code == 0, err


def test_float32_training_on_huge_raw_inputs_never_writes_infinite_state(tmp_path):
    """Gradients of ~1e20 keep the weights finite, but their squares overflow Adam's float32 exp_avg_sq: the run
    is a divergence, and what it keeps holds only finite state."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2)) * 1e20
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] > 0).astype(np.int64))
    layers = [{"type": "dense", "units": 3, "activation": "linear"}, {"type": "dense", "units": 1, "activation": "sigmoid"}]
    path = project(tmp_path, {"source": "npz", "path": "d.npz", "scaling": "none"}, layers)
    out = tmp_path / "o.npz"
    code, _, err = run("train", path, "--checkpoint", "--out", out, "--quiet")
    assert code == 1 and "the optimizer state became inf" in err and "Traceback" not in err, err
    if out.exists():
        wf = load_weights(out)
        assert all(np.all(np.isfinite(v)) for v in [*wf.arrays.values(), *wf.optimizer.values()])


# --- item 9: values the training dtype cannot hold ------------------------------------------------------------------
def test_standard_scaling_of_values_near_1e300_keeps_the_column():
    column = np.array([1.0, 2.0, 3.0, 4.0]) * 1e300
    other = np.array([1.0, 2.0, 3.0, 4.0])
    with np.errstate(all="raise"):
        offset, scale = fit_scaling(np.stack([column, other], axis=1), "standard")
    spread = np.sqrt(1.25)           # population std of 1, 2, 3, 4
    np.testing.assert_allclose(offset, [2.5e300, 2.5], rtol=1e-12)
    np.testing.assert_allclose(scale, [1 / (spread * 1e300), 1 / spread], rtol=1e-12)


def test_minmax_scaling_of_a_span_beyond_float64_is_refused():
    from core.errors import DataError

    with pytest.raises(DataError, match="input 1 spans values too far apart"):
        fit_scaling(np.array([[-1e308], [1e308]]), "minmax")


@pytest.fixture
def huge_csv(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=200), rng.normal(size=200)
    rows = [f"{x * 1e300!r},{z!r},{int(x + z > 0)}" for x, z in zip(a.tolist(), b.tolist())]
    (tmp_path / "big.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    return tmp_path / "big.csv"


def test_unscaled_inputs_beyond_float32_are_refused_in_one_line(tmp_path, huge_csv):
    path = project(tmp_path, {"source": "csv", "path": huge_csv.name, "target": "y", "scaling": "none"})
    code, _, err = run("train", path, "--out", tmp_path / "o.npz")
    assert_one_line_error(code, err, "beyond the float32 range", "input 1", "data.scaling")
    assert not (tmp_path / "o.npz").exists()


def test_scaled_inputs_near_1e300_train_on_both_columns(tmp_path, huge_csv):
    path = project(tmp_path, {"source": "csv", "path": huge_csv.name, "target": "y"}, epochs=60,
                   optimizer={"name": "adam", "lr": 0.05})
    code, out, err = run("train", path, "--out", tmp_path / "o.npz", "--quiet")
    assert code == 0 and "Warning" not in err, err
    weights = load_weights(tmp_path / "o.npz").arrays["layers.0.weight"]
    assert np.all(np.abs(weights).sum(axis=1) > 0.1)      # neither input is ignored (scale 0 would zero its gradient)
    scale = np.asarray(load_weights(tmp_path / "o.npz").meta["preprocessing"]["scale"])
    assert np.all(scale > 0)


def test_a_constant_initializer_beyond_float32_is_refused(tmp_path):
    layers = [{"type": "dense", "units": 3, "activation": "tanh",
               "kernel_initializer": {"name": "constant", "value": 1e308}},
              {"type": "dense", "units": 1, "activation": "sigmoid"}]
    code, _, err = run("train", project(tmp_path, layers=layers), "--out", tmp_path / "o.npz")
    assert_one_line_error(code, err, "model.layers[0]", "beyond the float32 range", "train in float64")
    code, _, err = run("train", project(tmp_path, layers=layers, dtype="float64"), "--out", tmp_path / "o.npz",
                       "--quiet")
    assert "beyond the" not in err


def test_history_checks_name_the_first_bad_value_whatever_its_place_and_type():
    """The history of a checkpoint is checked in one NumPy pass when it holds floats; the message names the same
    first bad value the value-by-value check named, and other types still get the value-by-value check."""
    from core.errors import TrainingError
    from core.trainer_checkpoint import check_trainer_state

    def state(history, epoch=10):
        return {"epoch": epoch, "step": 30, "lr": 0.01, "rng": {}, "history": history}

    def refused(history) -> str:
        with pytest.raises(TrainingError) as caught:
            check_trainer_state(state(history))
        return str(caught.value)

    losses = [1.0 / (i + 1) for i in range(10)]
    check_trainer_state(state({"loss": losses, "accuracy": [float("nan")] * 3 + [0.5] * 7}))   # NaN: not computed
    check_trainer_state(state({"loss": list(np.float32(losses)), "val_auc": list(np.float64(losses))}))
    assert "history['loss'][6] is inf" in refused({"loss": losses[:6] + [float("inf")] + losses[7:]})
    assert "history['val_loss'][3] is nan" in refused({"val_loss": losses[:3] + [float("nan")] * 7})
    assert "history['accuracy'][2] is -inf" in refused({"accuracy": [0.5, float("nan"), float("-inf")]})
    assert "history['loss'][4] must be a number" in refused({"loss": losses[:4] + [True] + losses[5:]})
    assert "history['loss'][1] must be a number" in refused({"loss": [0.5, "0.4"]})
    check_trainer_state(state({"loss": [1, 2, 3]}))                 # whole numbers are numbers
