"""Settings by path: the syntax of validation messages, read, written, flattened and compared."""
import pytest

from core.errors import SpecError
from core.project import default_project
from core.project_paths import (apply_edits, differences, flatten, format_path, get_value, has_value, parse_path,
                                with_value)


def test_paths_parse_and_format_round_trip():
    assert parse_path("model.layers[0].units") == ("model", "layers", 0, "units")
    assert parse_path("training.optimizer.lr") == ("training", "optimizer", "lr")
    assert parse_path("model.layers[12]") == ("model", "layers", 12)
    for text in ("model.layers[0].units", "training.optimizer.lr", "data.split.val", "model.layers[3]"):
        assert format_path(parse_path(text)) == text


@pytest.mark.parametrize("bad", ["", "a..b", "a[0]b", "a.[0]", "[0].a", "a.", "a[x]", "a b", ".a", 3])
def test_malformed_paths_are_refused_by_name(bad):
    with pytest.raises(SpecError, match="path|name"):
        parse_path(bad)


def test_get_and_set_values_on_the_project_json():
    obj = default_project().to_dict()
    assert get_value(obj, "model.layers[1].units") == 16
    assert get_value(obj, "training.optimizer.lr") == 0.01
    edited = with_value(obj, "model.layers[1].units", 32)
    assert get_value(edited, "model.layers[1].units") == 32
    assert get_value(obj, "model.layers[1].units") == 16                 # the original is untouched
    with pytest.raises(SpecError, match=r"model.layers\[7\] does not exist: model.layers has 3 item"):
        get_value(obj, "model.layers[7].units")
    with pytest.raises(SpecError, match="training.momentum is not set"):
        get_value(obj, "training.momentum")
    assert not has_value(obj, "training.early_stopping.patience")
    # a missing object on the way is created: early stopping can be searched on a project without it
    made = with_value(obj, "training.early_stopping.patience", 5)
    assert made["training"]["early_stopping"] == {"patience": 5}
    with pytest.raises(SpecError, match="is not an object"):
        with_value(obj, "training.batch_size.x", 1)
    with pytest.raises(SpecError, match="does not exist"):
        with_value(obj, "model.layers[3].units", 1)


def test_flatten_walks_objects_and_lists_of_objects_but_keeps_value_lists_whole():
    flat = flatten({"model": {"layers": [{"units": 4}, {"rate": 0.5}]},
                    "training": {"class_weight": [1, 2], "optimizer": {"name": "sgd"}, "schedule": {}}})
    assert flat == {"model.layers[0].units": 4, "model.layers[1].rate": 0.5, "training.class_weight": [1, 2],
                    "training.optimizer.name": "sgd", "training.schedule": {}}


def test_differences_name_only_the_settings_that_differ():
    base = default_project().to_dict()
    a = with_value(base, "training.optimizer.lr", 0.1)
    b = with_value(base, "training.optimizer.lr", 0.001)
    c = with_value(with_value(base, "training.optimizer.lr", 0.1), "model.layers[0].units", 8)
    c["name"] = "another name"
    assert differences([a, b, c]) == {"model.layers[0].units": [16, 16, 8], "training.optimizer.lr": [0.1, 0.001, 0.1]}
    assert differences([a, with_value(a, "training.epochs", 200.0)]) == {}          # 200 and 200.0: the same
    d = with_value(a, "training.early_stopping.patience", 3)
    assert differences([a, d]) == {"training.early_stopping.patience": [None, 3]}


def test_apply_edits_validates_the_result_and_names_the_place():
    project = default_project()
    edited = apply_edits(project, {"training.optimizer.lr": 0.05, "model.layers[0].activation": "tanh"})
    assert edited.training.optimizer["lr"] == 0.05
    assert edited.layers[0]["activation"] == "tanh"
    assert project.layers[0]["activation"] == "relu"
    with pytest.raises(SpecError, match=r"model.layers\[0\].units"):
        apply_edits(project, {"model.layers[0].units": -3})
