"""`layerlab predict` on a CSV with a header matches columns by the model's feature names: the same predictions
whatever the column order, and one line for a missing or unknown column (issue 13, item 12)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_error, run


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("predict")
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(0, 1, 200), rng.normal(5, 3, 200)])
    np.savez(folder / "d.npz", X=X, y=(X[:, 0] - X[:, 1] / 3 > -1).astype(np.int64),
             feature_names=np.array(["height", "weight"]), target_names=np.array(["fit"]))
    project = {"format": "layerlab/1", "name": "cols", "data": {"source": "npz", "path": "d.npz"},
               "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                                    {"type": "dense", "units": 1, "activation": "sigmoid"}]},
               "training": {"loss": "binary_crossentropy", "optimizer": "adam", "batch_size": 20, "epochs": 5}}
    (folder / "p.json").write_text(json.dumps(project))
    code, _, err = run("train", folder / "p.json", "--out", folder / "m.npz", "--quiet")
    assert code == 0, err
    return folder / "m.npz"


ROWS = [(0.3, 9.0), (-1.2, 2.5), (2.0, -4.0)]


def predict(model: Path, text: str) -> str:
    path = model.with_name("in.csv")
    path.write_text(text)
    code, out, err = run("predict", model, path)
    assert code == 0, err
    return out


def test_columns_in_another_order_give_the_same_predictions(model):
    ordered = predict(model, "height,weight\n" + "".join(f"{h},{w}\n" for h, w in ROWS))
    swapped = predict(model, "weight,height\n" + "".join(f"{w},{h}\n" for h, w in ROWS))
    headless = predict(model, "".join(f"{h},{w}\n" for h, w in ROWS))
    assert ordered == swapped == headless
    assert len(set(ordered.splitlines()[1:])) > 1            # the rows give different predictions
    with_target = predict(model, "fit,weight,height\n" + "".join(f"1,{w},{h}\n" for h, w in ROWS))
    assert with_target == ordered


@pytest.mark.parametrize("header,needle", [
    ("height,wieght", "has no column 'weight'; the model takes 'height', 'weight'"),
    ("a,b", "has no column 'height', 'weight'"),
    ("height,weight,age", "names column 'age', which is neither an input of the model"),
])
def test_a_missing_or_unknown_column_is_refused_in_one_line(model, header, needle):
    path = model.with_name("bad.csv")
    path.write_text(header + "\n" + "".join(",".join(["1"] * len(header.split(","))) + "\n" for _ in ROWS))
    assert_one_line_error(*run("predict", model, path)[::2], needle)
