"""A binary task takes one sigmoid unit with binary cross-entropy or two softmax units with categorical cross-entropy
(PyTorch's usual form), in the checks, the trainer, the decision grid, the weights file and `layerlab train`; the
output layer and loss follow a new data set's task (`follow_task`) and every fix applies at once (`fix_all`)."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from cli_support import run
from core.checks import check_model, fix_all, follow_task
from core.live_evaluation import decision_grid
from core.losses import get_loss
from core.model_files import load_weights
from core.network import Network

HIDDEN = {"type": "dense", "units": 8, "activation": "relu"}
SIGMOID = {"type": "dense", "units": 1, "activation": "sigmoid"}
SOFTMAX2 = {"type": "dense", "units": 2, "activation": "softmax"}


def test_two_softmax_units_with_categorical_cross_entropy_fit_a_binary_task():
    assert check_model([HIDDEN, SOFTMAX2], "categorical_crossentropy", "binary", 1) == []
    assert check_model([HIDDEN, SIGMOID], "binary_crossentropy", "binary", 1) == []
    assert check_model([HIDDEN, SIGMOID], None, "binary", 1) == []


@pytest.mark.parametrize("output, loss, fix", [
    (SOFTMAX2, None, {"action": "set_loss", "loss": "categorical_crossentropy"}),          # auto loss is BCE
    (SOFTMAX2, "binary_crossentropy", {"action": "set_loss", "loss": "categorical_crossentropy"}),
    ({"type": "dense", "units": 2, "activation": "sigmoid"}, "binary_crossentropy",
     {"action": "set_units", "layer": 1, "units": 1}),
    (SIGMOID, "categorical_crossentropy", {"action": "set_loss", "loss": "binary_crossentropy"}),
    ({"type": "dense", "units": 3, "activation": "softmax"}, "categorical_crossentropy",
     {"action": "set_units", "layer": 1, "units": 1}),
])
def test_binary_outputs_that_do_not_fit_are_errors_with_a_fix(output, loss, fix):
    errors = [p for p in check_model([HIDDEN, output], loss, "binary", 1) if p.level == "error"]
    assert [p.fix for p in errors] == [fix]
    layers, new_loss, fixed = fix_all([HIDDEN, output], loss, "binary", 1)
    assert fixed and not [p for p in check_model(layers, new_loss, "binary", 1) if p.fix is not None]


def test_two_softmax_units_are_one_sigmoid_unit_in_disguise():
    """softmax(z0, z1)[1] = sigmoid(z1 - z0): the categorical cross-entropy of one-hot targets built from 0/1 labels
    equals the binary cross-entropy of the labels, so both forms learn the same thing."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 2))
    labels = rng.integers(0, 2, size=50)
    cce, bce = get_loss("categorical_crossentropy"), get_loss("binary_crossentropy")
    targets = cce.prepare_targets(labels.reshape(-1, 1), 2, np.float64)            # a data set's (n, 1) labels
    np.testing.assert_array_equal(targets, np.eye(2)[labels])
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sigmoid = 1 / (1 + np.exp(-(logits[:, 1] - logits[:, 0])))
    assert cce.value(softmax, targets) == pytest.approx(bce.value(sigmoid[:, None], labels[:, None].astype(float)),
                                                        rel=1e-12)


def test_the_decision_grid_shows_the_probability_of_class_one_for_two_softmax_units():
    network = Network([SOFTMAX2], 2, "float64")
    network.initialize(np.random.default_rng(3))
    grid = decision_grid(network, None, (-1.0, 1.0, -1.0, 1.0), "binary", resolution=5)
    xs, ys = np.meshgrid(grid.x, grid.y)
    expected = network.predict(np.column_stack([xs.ravel(), ys.ravel()]))[:, 1].reshape(5, 5)
    np.testing.assert_allclose(grid.values, expected)
    assert grid.kind == "probability"


def test_follow_task_sets_the_output_layer_and_loss_a_new_task_asks_for():
    spiral = [HIDDEN, SIGMOID]
    assert follow_task(spiral, None, "binary", 1) is None                              # it fits: untouched
    assert follow_task([HIDDEN, SOFTMAX2], "categorical_crossentropy", "binary", 1) is None
    assert follow_task(spiral, None, "multiclass", 3) == (
        [HIDDEN, {"type": "dense", "units": 3, "activation": "softmax"}], None)       # "auto" stays auto
    assert follow_task(spiral, "binary_crossentropy", "multiclass", 3) == (
        [HIDDEN, {"type": "dense", "units": 3, "activation": "softmax"}], "categorical_crossentropy")
    assert follow_task(spiral, "binary_crossentropy", "regression", 2) == (
        [HIDDEN, {"type": "dense", "units": 2, "activation": "linear"}], "mse")
    separate = [HIDDEN, {"type": "dense", "units": 1, "activation": "linear"}, {"type": "activation",
                                                                                "activation": "sigmoid"}]
    layers, loss = follow_task(separate, None, "multiclass", 4)
    assert layers == [HIDDEN, {"type": "dense", "units": 4, "activation": "linear"},
                      {"type": "activation", "activation": "softmax"}] and loss is None
    assert check_model(layers, loss, "multiclass", 4) == []


def project_file(folder, layers, loss):
    obj = {"format": "layerlab/1", "name": "two",
           "data": {"source": "builtin", "name": "gauss", "samples": 200, "noise": 0.1,
                    "split": {"val": 0.25, "test": 0.0}},
           "model": {"layers": layers},
           "training": {"loss": loss, "optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 20, "epochs": 8,
                        "seed": 1}}
    path = folder / f"{len(layers)}_{layers[-1]['units']}.json"
    path.write_text(json.dumps(obj))
    return path


def test_layerlab_train_takes_two_softmax_units_on_binary_labels(tmp_path):
    accuracies = {}
    for output, loss in ((SOFTMAX2, "categorical_crossentropy"), (SIGMOID, "binary_crossentropy")):
        model = tmp_path / f"{output['units']}.npz"
        history = tmp_path / f"{output['units']}.csv"
        code, out, err = run("train", project_file(tmp_path, [HIDDEN, output], loss), "--out", model,
                             "--history", history)
        assert code == 0, err
        accuracies[output["units"]] = float(list(csv.DictReader(open(history)))[-1]["val_accuracy"])
        assert load_weights(model).meta["output_width"] == output["units"]
        inputs = tmp_path / "inputs.csv"
        inputs.write_text("x1,x2\n2,2\n-2,-2\n")
        code, out, err = run("predict", model, inputs)
        assert code == 0, err
        rows = list(csv.reader(out.strip().splitlines()))
        assert len(rows[0]) == 3 and len(rows) == 3                 # class + one probability per class
        assert rows[1][0] != rows[2][0]                             # the two blobs' centres get different classes
    assert accuracies[2] >= 0.9 and accuracies[1] >= 0.9
