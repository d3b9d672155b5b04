"""The project's `data` section: defaults, normalisation, and an error naming the path for every bad key."""
import copy

import pytest

from core.data import validate_data_spec
from core.errors import SpecError


def test_builtin_defaults_are_filled():
    assert validate_data_spec({"source": "builtin", "name": "spiral"}) == {
        "source": "builtin", "name": "spiral", "samples": 500, "noise": 0.0, "seed": 0,
        "features": ["x1", "x2"], "scaling": "none", "split": {"val": 0.2, "test": 0.0}}
    iris = validate_data_spec({"source": "builtin", "name": "iris"})
    assert iris == {"source": "builtin", "name": "iris", "seed": 0, "features": None, "scaling": "standard",
                    "split": {"val": 0.2, "test": 0.0}}
    assert validate_data_spec({"source": "builtin", "name": "reg-gauss"})["samples"] == 1200
    assert validate_data_spec({"source": "builtin", "name": "sine"})["features"] == ["x1"]
    assert validate_data_spec({"source": "builtin", "name": "spirals"})["arms"] == 3


@pytest.mark.parametrize("spec", [
    {"source": "builtin", "name": "Two Moons", "noise": 0.3, "seed": 5, "features": ["x1*x2", "x1"]},
    {"source": "builtin", "name": "blobs", "classes": 4, "scaling": "minmax", "split": {"test": 0.1}},
    {"source": "csv", "path": "a.csv", "target": ["y1", 2], "missing": "fill", "delimiter": "tab",
     "header": False, "columns": ["a", -1], "categorical": ["a"], "task": "regression"},
    {"source": "npz", "path": "d.npz", "task": "classification"},
    {"source": "idx", "images": "i.idx3", "labels": "l.idx1", "test_images": "ti", "test_labels": "tl"},
])
def test_validation_is_idempotent_and_does_not_modify_its_input(spec):
    original = copy.deepcopy(spec)
    once = validate_data_spec(spec)
    assert spec == original
    assert validate_data_spec(once) == once


def test_normalisation():
    out = validate_data_spec({"source": "builtin", "name": "reg_plane", "features": ["sin(x2)", "x1"]})
    assert out["name"] == "reg-plane"
    assert out["features"] == ["x1", "sin(x2)"]            # the playground's order, whatever order was given
    csv = validate_data_spec({"source": "csv", "path": "a.csv"})
    assert csv["target"] == -1 and csv["delimiter"] == "auto" and csv["header"] == "auto"
    assert csv["missing"] == "error" and csv["task"] == "auto" and csv["scaling"] == "standard"
    assert validate_data_spec({"source": "csv", "path": "a.csv", "delimiter": "tab"})["delimiter"] == "\t"
    assert validate_data_spec({"source": "builtin", "name": "xor", "split": {"val": 0, "test": 0}})["split"] == \
        {"val": 0.0, "test": 0.0}


@pytest.mark.parametrize("spec, message", [
    ({"source": "builtin", "name": "spiral", "nosie": 0.1}, r"data.nosie is not a known key \(did you mean 'noise'"),
    ({"source": "builtin", "name": "spirl"}, r"data.name: unknown dataset 'spirl'; nearest: 'spiral'"),
    ({"source": "builtin", "name": 3}, r"data.name"),
    ({"source": "builtin"}, r"data.name is required"),
    ({"name": "spiral"}, r"data.source is required"),
    ({"source": "s3", "path": "x"}, r"data.source must be one of builtin, csv, npz, idx"),
    ({"source": "builtin", "name": "spiral", "samples": 10}, r"data.samples must be an integer >= 50, got 10"),
    ({"source": "builtin", "name": "spiral", "samples": 2.5}, r"data.samples must be an integer"),
    ({"source": "builtin", "name": "spiral", "noise": 0.9}, r"data.noise must be <= 0.5"),
    ({"source": "builtin", "name": "spiral", "noise": "lots"}, r"data.noise must be a number"),
    ({"source": "builtin", "name": "spiral", "arms": 3}, r"data.arms is not a known key"),
    ({"source": "builtin", "name": "iris", "samples": 100}, r"data.samples is not a known key"),
    ({"source": "builtin", "name": "blobs", "classes": 1}, r"data.classes must be an integer >= 2"),
    ({"source": "builtin", "name": "spiral", "seed": -1}, r"data.seed must be an integer >= 0"),
    ({"source": "builtin", "name": "spiral", "seed": True}, r"data.seed must be an integer"),
    ({"source": "builtin", "name": "spiral", "scaling": "zscore"}, r"data.scaling must be one of none, standard"),
    ({"source": "builtin", "name": "spiral", "features": ["x1", "x3"]}, r"data.features\[1\]: unknown feature cross"),
    ({"source": "builtin", "name": "spiral", "features": ["x1", "x1"]}, r"data.features\[1\]: 'x1' is listed twice"),
    ({"source": "builtin", "name": "spiral", "features": []}, r"data.features must be a non-empty list"),
    ({"source": "builtin", "name": "spiral", "features": "x1"}, r"data.features must be a non-empty list"),
    ({"source": "csv", "path": "a.csv", "features": ["petal_width"]}, r"to choose CSV columns use data.columns"),
    ({"source": "builtin", "name": "spiral", "split": {"val": 0.6, "test": 0.4}}, r"data.split: val \+ test must be"),
    ({"source": "builtin", "name": "spiral", "split": {"val": 1.0}}, r"data.split.val must be < 1"),
    ({"source": "builtin", "name": "spiral", "split": {"val": -0.1}}, r"data.split.val must be >= 0"),
    ({"source": "builtin", "name": "spiral", "split": {"train": 0.8}}, r"data.split.train is not a known key"),
    ({"source": "builtin", "name": "spiral", "split": 0.2}, r"data.split must be an object"),
    ({"source": "csv"}, r"data.path is required"),
    ({"source": "csv", "path": ""}, r"data.path must be a file path"),
    ({"source": "csv", "path": "a.csv", "target": []}, r"data.target must be a non-empty list"),
    ({"source": "csv", "path": "a.csv", "target": ["a", "a"]}, r"data.target\[1\]: column 'a' is listed twice"),
    ({"source": "csv", "path": "a.csv", "target": 1.5}, r"data.target must be an integer"),
    ({"source": "csv", "path": "a.csv", "columns": []}, r"data.columns must be a non-empty list"),
    ({"source": "csv", "path": "a.csv", "delimiter": "::"}, r"data.delimiter must be \"auto\" or one of"),
    ({"source": "csv", "path": "a.csv", "header": "yes"}, r"data.header must be \"auto\", true or false"),
    ({"source": "csv", "path": "a.csv", "missing": "ignore"}, r"data.missing must be one of error, drop, fill"),
    ({"source": "csv", "path": "a.csv", "task": "binary"}, r"data.task must be one of auto, classification"),
    ({"source": "npz", "path": "a.npz", "target": "y"}, r"data.target is not a known key"),
    ({"source": "idx", "images": "a"}, r"data.labels is required"),
    ({"source": "idx", "images": "a", "labels": "b", "test_images": "c"}, r"data.test_labels is required"),
    ("spiral", r"data must be an object"),
])
def test_each_problem_names_its_path(spec, message):
    with pytest.raises(SpecError, match=message):
        validate_data_spec(spec)


def test_unknown_dataset_message_uses_the_canonical_names():
    with pytest.raises(SpecError) as err:
        validate_data_spec({"source": "builtin", "name": "reg plain"})
    message = str(err.value)
    assert message.startswith("data.name: unknown dataset 'reg plain'; nearest: 'reg-plane'; known: ")
    known = message.split("known: ")[1].split(", ")
    assert "reg-plane" in known and "reg-gauss" in known and "reg-multi" in known and "breast_cancer" in known
    assert not [name for name in known if name.startswith("reg_")]


def test_custom_path_prefix():
    with pytest.raises(SpecError, match=r"project.data.noise must be <= 0.5"):
        validate_data_spec({"source": "builtin", "name": "xor", "noise": 1}, "project.data")
