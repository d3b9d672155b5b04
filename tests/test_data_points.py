"""The `points` data source: rows kept inside the project (what the Draw mode writes), validated like every other
source, loaded as a Dataset, split, and saved and reopened intact."""
from __future__ import annotations

import json

import numpy as np
import pytest
from cli_support import assert_one_line_error, run

from core.data import load_dataset, prepare, validate_data_spec
from core.data.points import MAX_POINTS, points_spec
from core.errors import SpecError
from core.project import default_project, load_project, save_project

X3 = [[0.0, 1.0], [1.5, -2.0], [3.0, 0.25]]


def spec(**keys) -> dict:
    return {"source": "points", "X": X3, "y": [0, 1, 1], "classes": ["no", "yes"], **keys}


def test_a_classification_source_loads_and_validates_idempotently():
    normalized = validate_data_spec(spec())
    assert normalized["X"] == X3 and normalized["y"] == [0, 1, 1] and normalized["feature_names"] == ["x1", "x2"]
    assert normalized["target"] == "label" and normalized["name"] == "drawn points"
    assert normalized["scaling"] == "standard" and normalized["features"] is None
    assert validate_data_spec(normalized) == normalized
    dataset = load_dataset(normalized)
    assert dataset.task == "binary" and dataset.class_names == ("no", "yes")
    np.testing.assert_array_equal(dataset.X, np.array(X3))
    np.testing.assert_array_equal(dataset.y, [0, 1, 1])
    three = load_dataset(spec(y=[0, 2, 1], classes=["a", "b", "c"]))
    assert three.task == "multiclass" and three.n_outputs == 3


def test_without_classes_it_is_one_output_regression():
    dataset = load_dataset({"source": "points", "X": X3, "y": [0.5, -1, 2], "target": "height",
                            "feature_names": ["u", "v"]})
    assert dataset.task == "regression" and dataset.target_names == ("height",)
    assert dataset.feature_names == ("u", "v")
    np.testing.assert_array_equal(dataset.y, [[0.5], [-1.0], [2.0]])


@pytest.mark.parametrize("keys, message", [
    ({"X": []}, "data.X must be a non-empty list of rows"),
    ({"X": [[0, 1], [2]]}, "data.X[1] must be a list of 2 numbers like row 0, got [2]"),
    ({"X": [[0, 1], [2, "3"], [1, 1]]}, "data.X[1][1] must be a finite number, got '3'"),
    ({"X": [[0, 1], [2, True], [1, 1]]}, "data.X[1][1] must be a finite number, got True"),
    ({"X": [0, 1, 2]}, "data.X[0] must be a list of 1 to 100 numbers"),
    ({"y": [0, 1]}, "data.y must be a list of 3 targets (one per row of data.X), got 2 values"),
    ({"y": [0, 2, 1]}, "data.y[1] must be a class index in [0, 2), got 2"),
    ({"y": [0, 0.5, 1]}, "data.y[1] must be a class index in [0, 2), got 0.5"),
    ({"classes": ["a"]}, "data.classes must name at least two classes"),
    ({"classes": ["a", "a"]}, "data.classes[1]: 'a' is listed twice"),
    ({"feature_names": ["a"]}, "data.feature_names must be a list of 2 feature names"),
    ({"colour": "red"}, "data.colour is not a known key"),
    ({"features": ["x1", "x3"]}, "data.features[1]: unknown feature cross 'x3'"),
])
def test_each_problem_names_its_place(keys, message):
    with pytest.raises(SpecError) as error:
        validate_data_spec(spec(**keys))
    assert message in str(error.value)


def test_regression_targets_must_be_numbers():
    with pytest.raises(SpecError, match=r"data\.y\[2\] must be a finite number, got 'x'"):
        validate_data_spec({"source": "points", "X": X3, "y": [1, 2, "x"]})


def test_too_many_rows_are_refused_with_the_way_out(monkeypatch):
    monkeypatch.setattr("core.data.points.MAX_POINTS", 2)
    with pytest.raises(SpecError, match="at most 2 inline.*CSV"):
        validate_data_spec(spec())
    assert MAX_POINTS >= 50_000


def test_points_are_split_and_crossed_like_any_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    data = points_spec(X, (X[:, 0] > 0).astype(int), ("left", "right"), ("x1", "x2"), "side")
    data.update(split={"val": 0.2, "test": 0.1}, features=["x1", "x2", "x1*x2"], seed=4)
    prepared = prepare(load_dataset(data), validate_data_spec(data))
    assert (len(prepared.train), len(prepared.val), len(prepared.test)) == (35, 10, 5)
    assert prepared.input_width == 3 and prepared.feature_names == ("x1", "x2", "x1*x2")
    np.testing.assert_array_equal(np.sort(np.concatenate([prepared.train.rows, prepared.val.rows,
                                                          prepared.test.rows])), np.arange(50))


def test_a_project_with_points_saves_one_point_per_line_and_reopens_identical(tmp_path):
    X = np.array([[0.125, -3.5], [2.0, 1e-7], [-6.0, 6.0]])
    data = points_spec(X, [1, 0, 1], ("-1", "+1"), ("x1", "x2"), "label")
    project = default_project().with_changes(data=validate_data_spec(data))
    path = tmp_path / "drawn.json"
    save_project(project, path)
    text = path.read_text()
    assert '      [0.125, -3.5],\n      [2.0, 1e-07],\n      [-6.0, 6.0]\n' in text
    assert '"y": [1, 0, 1]' in text
    reopened = load_project(path)
    assert reopened.data == project.data and reopened.layers == project.layers
    assert json.loads(text) == project.to_dict()
    dataset = load_dataset(reopened.data, reopened.base_dir)
    np.testing.assert_array_equal(dataset.X, X)


def test_the_command_line_trains_on_points(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    project = default_project().with_changes(data=validate_data_spec(dict(
        points_spec(X, (X[:, 0] * X[:, 1] > 0).astype(int), ("-1", "+1"), ("x1", "x2"), "label"))))
    path = tmp_path / "p.json"
    save_project(project, path)
    code, out, err = run("train", path, "--epochs", "2", "--out", tmp_path / "w.npz")
    assert code == 0, err
    assert (tmp_path / "w.npz").exists()
    bad = json.loads(path.read_text())
    bad["data"]["y"][3] = 7
    path.write_text(json.dumps(bad))
    code, _, err = run("check", path)
    assert_one_line_error(code, err, "data.y[3] must be a class index in [0, 2), got 7")
