"""k-fold cross-validation: sklearn's folds over the training and validation rows (test rows held out), numpy's
mean and std of the per-fold metrics, each fold a run grouped in the store, clear messages for bad settings."""
import json
import threading

import numpy as np
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

from core.cross_validation import (CrossValidation, CrossValidationSettings, cross_validate, fold_data,
                                   fold_metrics, parse_cross_validation, plan_folds, train_fold)
from core.data import load_dataset, prepare
from core.errors import LayerLabError, SpecError
from core.events import EpochEnd, Finished
from core.project import parse_project
from core.runs import RunStore
from runs_support import private_store, small_project  # noqa: F401  (private_store: a fixture)

IRIS = {
    "format": "layerlab/1", "name": "Iris",
    "data": {"source": "builtin", "name": "iris", "split": {"val": 0.2, "test": 0.2}},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                         {"type": "dense", "units": 3, "activation": "softmax"}]},
    "training": {"loss": "categorical_crossentropy", "optimizer": {"name": "adam", "lr": 0.02}, "batch_size": 16,
                 "epochs": 8, "seed": 3},
}
REGRESSION = {
    "format": "layerlab/1", "name": "Plane",
    "data": {"source": "builtin", "name": "reg-plane", "samples": 60, "split": {"val": 0.2, "test": 0.1}},
    "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                         {"type": "dense", "units": 1, "activation": "linear"}]},
    "training": {"loss": "mse", "batch_size": 16, "epochs": 3, "seed": 7},
}


def project(base=IRIS, **training):
    obj = json.loads(json.dumps(base))
    obj["training"].update(training)
    return parse_project(obj)


def pool_and_labels(proj):
    dataset = load_dataset(proj.data, proj.base_dir)
    prepared = prepare(dataset, proj.data)
    pool = np.sort(np.concatenate([prepared.train.rows, prepared.val.rows]))
    return dataset, pool, prepared.test.rows


def plan(proj, **cv):
    dataset = load_dataset(proj.data, proj.base_dir)
    settings = parse_cross_validation(cv).resolve(dataset.task, proj.training.seed)
    return plan_folds(dataset, proj.data, settings)


@pytest.mark.parametrize("cv", [{"folds": 3}, {"folds": 5, "seed": 11}, {"folds": 4, "shuffle": False}])
def test_stratified_folds_are_sklearns_and_leave_the_test_rows_out(cv):
    proj = project()
    dataset, pool, test_rows = pool_and_labels(proj)
    folds = plan(proj, **cv)
    shuffle = cv.get("shuffle", True)
    expected = StratifiedKFold(cv["folds"], shuffle=shuffle, random_state=cv.get("seed", 3) if shuffle else None)
    pairs = list(expected.split(np.zeros(len(pool)), dataset.y[pool]))
    assert len(folds) == cv["folds"] and folds.test_rows == len(test_rows) == 30
    for (train, val), (sk_train, sk_val) in zip(folds.folds, pairs):
        assert train.tolist() == pool[sk_train].tolist() and val.tolist() == pool[sk_val].tolist()
        assert not set(val) & set(test_rows) and not set(train) & set(test_rows)
    assert sorted(np.concatenate([v for _, v in folds.folds]).tolist()) == pool.tolist()   # each row once


def test_regression_folds_are_sklearns_kfold():
    proj = project(REGRESSION)
    dataset, pool, _ = pool_and_labels(proj)
    folds = plan(proj, folds=4)
    assert folds.settings.stratified is False and folds.settings.seed == 7
    pairs = KFold(4, shuffle=True, random_state=7).split(np.zeros(len(pool)))
    assert [v.tolist() for _, v in folds.folds] == [pool[v].tolist() for _, v in pairs]


def test_each_fold_fits_scaling_on_its_own_training_rows():
    proj = project()
    folds = plan(proj, folds=3)
    dataset = load_dataset(proj.data, proj.base_dir)
    for fold in range(3):
        data = fold_data(folds, proj.data, fold)
        train_rows, val_rows = folds.folds[fold]
        assert data.test is None and data.train.rows.tolist() == train_rows.tolist()
        np.testing.assert_allclose(data.train.X.mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(data.train.X.std(axis=0), 1, atol=1e-12)
        raw = dataset.X[train_rows]
        np.testing.assert_allclose(data.val.X, (dataset.X[val_rows] - raw.mean(axis=0)) / raw.std(axis=0))


def test_cross_validation_reports_numpys_mean_and_std_and_records_each_fold():
    proj = project()
    result = cross_validate(proj, {"folds": 3})
    assert result.status == "finished" and len(result.folds) == 3
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        values = [f.metrics[key] for f in result.folds]
        assert result.mean[key] == np.mean(values) and result.std[key] == np.std(values)
    assert "lr" not in result.mean
    for fold in result.folds:
        assert fold.metrics["val_loss"] == fold.history["val_loss"][-1] and fold.status == "finished"
        assert fold.train_rows + fold.val_rows == 120 and fold.val_rows == len(fold.val_indices) == 40
    out = result.to_json()
    assert set(out["folds"][0]) >= {"fold", "train_rows", "val_rows", "val_indices", "metrics"}
    assert out["mean"] == result.mean and out["test_rows_held_out"] == 30
    json.dumps(out, allow_nan=False)
    with RunStore() as store:
        group = store.get_group(result.group_id)
        assert group.kind == "cv" and group.status == "finished" and group.summary["mean"] == result.mean
        assert [(r.kind, r.group_index, r.status) for r in group.runs] == [("cv-fold", i, "finished") for i in range(3)]
        assert [r.id for r in group.runs] == [f.run_id for f in result.folds]
        assert group.runs[1].name == "Iris fold 2/3"
        assert store.get_run(result.folds[2].run_id).history["val_loss"] == result.folds[2].history["val_loss"]


def test_a_fold_trained_alone_in_a_worker_equals_the_same_fold_in_sequence():
    proj = project()
    sequential = cross_validate(proj, {"folds": 3}, record=False)
    alone = train_fold(proj.to_dict(), 1, cv={"folds": 3})
    assert alone.metrics == sequential.folds[1].metrics and alone.val_indices == sequential.folds[1].val_indices
    assert alone.run_id is None
    recorded = train_fold(proj.to_dict(), 0, cv={"folds": 3}, record=True)
    with RunStore() as store:
        assert store.get_run(recorded.run_id).kind == "cv-fold"


def test_early_stopped_folds_report_the_restored_epoch():
    history = {"loss": [3.0, 2.0, 2.5], "val_loss": [2.0, 1.0, 1.5], "lr": [0.1] * 3}
    restored = Finished("early_stopping", 3, 30, 1, True, 1.0)
    assert fold_metrics(history, restored) == {"loss": 2.0, "val_loss": 1.0}
    assert fold_metrics(history, Finished("completed", 3, 30, None, False, 1.0)) == {"loss": 2.5, "val_loss": 1.5}


def test_stopping_ends_the_fold_in_progress_and_trains_no_more():
    cv = CrossValidation(project(epochs=200), {"folds": 4}, record=False)

    def listener(fold, event):
        if fold == 1 and isinstance(event, EpochEnd) and event.epoch == 2:
            threading.Thread(target=cv.stop).start()
    result = cv.run(listener)
    assert result.status == "stopped" and [f.status for f in result.folds] == ["finished", "stopped"]
    assert result.mean == {k: v for k, v in result.folds[0].metrics.items()} and result.std["loss"] == 0.0


def test_an_unusable_store_warns_once_and_the_folds_still_train(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    given = []
    result = cross_validate(project(), {"folds": 2}, runs=foreign, on_warning=given.append)
    assert result.status == "finished" and result.group_id is None and len(given) == 1
    assert foreign.read_text() == "hello"


@pytest.mark.parametrize("cv, base, message", [
    ({"folds": 1}, IRIS, "training.cross_validation.folds must be an integer >= 2, got 1"),
    ({"folds": 2.5}, IRIS, "training.cross_validation.folds must be an integer, got 2.5"),
    ({"folds": 41}, IRIS, "training.cross_validation.folds is 41, but class 'setosa' has only 40 training and "
                          "validation rows"),
    ({"folds": 121, "stratified": False}, IRIS, "training.cross_validation.folds is 121, but there are only 120 "
                                                "training and validation rows"),
    ({"folds": 3, "stratified": True}, REGRESSION, "training.cross_validation.stratified is true, but this is a "
                                                   "regression task"),
    ({"fold": 3}, IRIS, "training.cross_validation.fold is not a known key \\(did you mean 'folds'\\?\\)"),
    ({"seed": 2**32}, IRIS, "training.cross_validation.seed must be at most 4294967295"),
    ({"shuffle": "yes"}, IRIS, "training.cross_validation.shuffle must be true or false"),
])
def test_bad_settings_give_one_clear_line_naming_the_place(cv, base, message):
    with pytest.raises(LayerLabError, match=message) as info:
        CrossValidation(project(base), cv, record=False)
    assert "\n" not in str(info.value)


def test_a_training_seed_too_large_for_sklearn_asks_for_a_cv_seed():
    with pytest.raises(LayerLabError, match="training.cross_validation.seed defaults to training.seed"):
        CrossValidation(project(seed=2**40), {"folds": 3}, record=False)
    assert CrossValidation(project(seed=2**40), {"folds": 3, "seed": 5}, record=False).settings.seed == 5


def test_the_folds_override_and_the_defaults():
    cv = CrossValidation(project(), {"folds": 5}, folds=3, record=False)
    assert cv.settings.to_dict() == {"folds": 3, "stratified": True, "shuffle": True, "seed": 3}
    assert parse_cross_validation(None).to_dict() == {"folds": 5, "shuffle": True}


def test_a_files_own_validation_rows_join_the_folds_numbered_after_the_datasets(tmp_path):
    rng = np.random.default_rng(0)
    X, X_val, X_test = rng.normal(size=(40, 2)), rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
    label = lambda A: (A[:, 0] > 0).astype(np.int64)     # noqa: E731
    np.savez(tmp_path / "data.npz", X=X, y=label(X), X_val=X_val, y_val=label(X_val), X_test=X_test,
             y_test=label(X_test))
    obj = json.loads(json.dumps(IRIS))
    obj["data"] = {"source": "npz", "path": "data.npz"}
    obj["model"]["layers"][-1] = {"type": "dense", "units": 1, "activation": "sigmoid"}
    obj["training"]["loss"] = "binary_crossentropy"
    proj = parse_project(obj, tmp_path)
    folds = plan(proj, folds=4)
    assert folds.rows.tolist() == list(range(52)) and folds.test_rows == 9
    result = cross_validate(proj, {"folds": 4}, record=False)
    assert sorted(i for f in result.folds for i in f.val_indices) == list(range(52))


def test_the_project_carries_its_cross_validation_section():
    obj = small_project().to_dict()
    obj["training"]["cross_validation"] = {"folds": 3, "seed": 7}
    project = parse_project(obj)
    assert project.training.cross_validation == CrossValidationSettings(folds=3, seed=7)
    assert parse_project(project.to_dict()).training.cross_validation == project.training.cross_validation
    cv = CrossValidation(project, record=False)
    assert len(cv.plan) == 3 and cv.settings.seed == 7
    assert "cross_validation" not in small_project().to_dict()["training"]
    obj["training"]["cross_validation"] = {"folds": 1}
    with pytest.raises(SpecError, match=r"training.cross_validation.folds must be an integer >= 2, got 1"):
        parse_project(obj)
