"""`layerlab train --init-weights` reads foreign weight files by name and shape (issue 14, item 17): a plain .npz or
.safetensors with LayerLab's names, a PyTorch state_dict (nn.Sequential indices, or LayerLab's PyTorch export's
module names) with Linear weights (out, in); a mismatch is one line naming the first array that does not fit."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from cli_support import assert_one_line_error, run
from core.model_files import load_weights

LAYERS = [{"type": "dense", "units": 4, "activation": "relu"}, {"type": "batch_norm"},
          {"type": "dense", "units": 1, "activation": "sigmoid"}]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, dict[str, np.ndarray]]:
    folder = tmp_path_factory.mktemp("init")
    project = {"format": "layerlab/1", "name": "tiny",
               "data": {"source": "builtin", "name": "gauss", "samples": 100, "noise": 0.1},
               "model": {"layers": LAYERS},
               "training": {"loss": "binary_crossentropy", "optimizer": "adam", "batch_size": 20, "epochs": 3,
                            "seed": 5}}
    (folder / "p.json").write_text(json.dumps(project))
    code, _, err = run("train", folder / "p.json", "--out", folder / "start.npz", "--quiet")
    assert code == 0, err
    return folder / "p.json", dict(load_weights(folder / "start.npz").arrays)


def train_from(project: Path, init: Path, out: Path) -> dict[str, np.ndarray]:
    code, _, err = run("train", project, "--init-weights", init, "--out", out, "--epochs", 1, "--quiet")
    assert code == 0, err
    return dict(load_weights(out).arrays)


def sequential_state_dict(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What torch.nn.Sequential(Linear, ReLU, BatchNorm1d, Linear, Sigmoid).state_dict() holds."""
    return {"0.weight": a["layers.0.weight"].T.copy(), "0.bias": a["layers.0.bias"],
            "2.weight": a["layers.1.gamma"], "2.bias": a["layers.1.beta"],
            "2.running_mean": a["layers.1.running_mean"], "2.running_var": a["layers.1.running_var"],
            "2.num_batches_tracked": np.array(15, dtype=np.int64),
            "3.weight": a["layers.2.weight"].T.copy(), "3.bias": a["layers.2.bias"]}


def export_state_dict(a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The state_dict of LayerLab's PyTorch export of this network (modules named layer{i}_{type})."""
    return {"layer0_dense.weight": a["layers.0.weight"].T.copy(), "layer0_dense.bias": a["layers.0.bias"],
            "layer1_batch_norm.weight": a["layers.1.gamma"], "layer1_batch_norm.bias": a["layers.1.beta"],
            "layer1_batch_norm.running_mean": a["layers.1.running_mean"],
            "layer1_batch_norm.running_var": a["layers.1.running_var"],
            "layer2_dense.weight": a["layers.2.weight"].T.copy(), "layer2_dense.bias": a["layers.2.bias"]}


@pytest.mark.parametrize("layout", ["layerlab-npz", "layerlab-safetensors", "sequential-safetensors",
                                    "sequential-npz", "export-safetensors"])
def test_foreign_files_start_training_exactly_like_the_layerlab_file(trained, tmp_path, layout):
    project, arrays = trained
    reference = train_from(project, project.with_name("start.npz"), tmp_path / "ref.npz")
    tensors = {"layerlab": dict(arrays), "sequential": sequential_state_dict(arrays),
               "export": export_state_dict(arrays)}[layout.split("-")[0]]
    path = tmp_path / f"w.{layout.split('-')[1]}"
    if path.suffix == ".npz":
        np.savez(path, **tensors)
    else:
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path))
    got = train_from(project, path, tmp_path / "out.npz")
    assert got.keys() == reference.keys()
    for name in reference:
        np.testing.assert_array_equal(got[name], reference[name], err_msg=name)


@pytest.mark.parametrize("change,needle", [
    (lambda t: {**t, "0.weight": t["0.weight"].T.copy()},
     "0.weight has shape (2, 4), but model.layers[0] (dense 4, relu) needs PyTorch's (out, in) = (4, 2)"),
    (lambda t: {**t, "2.weight": np.ones(5, np.float32)}, "2.weight has shape (5,), but model.layers[1]"),
    (lambda t: {k: v for k, v in t.items() if not k.startswith("3.")}, "2 modules hold parameters"),
    (lambda t: {**t, "extra": np.ones(1)}, "array 'extra' follows none of the layouts"),
])
def test_a_foreign_file_that_does_not_fit_is_refused_in_one_line(trained, tmp_path, change, needle):
    project, arrays = trained
    save_file({k: np.ascontiguousarray(v) for k, v in change(sequential_state_dict(arrays)).items()},
              str(tmp_path / "bad.safetensors"))
    out = tmp_path / "o.npz"
    assert_one_line_error(*run("train", project, "--init-weights", tmp_path / "bad.safetensors", "--out", out)[::2],
                          needle)
    assert not out.exists()


def test_layerlab_names_with_a_wrong_shape_name_it(trained, tmp_path):
    project, arrays = trained
    np.savez(tmp_path / "bad.npz", **{**arrays, "layers.2.weight": np.ones((3, 1))})
    assert_one_line_error(*run("train", project, "--init-weights", tmp_path / "bad.npz", "--out", tmp_path / "o.npz")[::2],
                          "layers.2.weight has shape (3, 1), the network expects (4, 1)")
