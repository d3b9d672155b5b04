"""Feature crosses, scaling (against scikit-learn's scalers), splits, the Preprocessor record, output
advice, summaries, the Dataset contract, and the real datasets (against scikit-learn's loaders)."""
import json

import numpy as np
import pytest

from core.data import (Dataset, Preprocessor, load_dataset, output_advice, prepare, summarize,
                       validate_data_spec)
from core.errors import DataError, SpecError


def builtin(name, **kw):
    spec = validate_data_spec({"source": "builtin", "name": name, **kw})
    return load_dataset(spec), spec


# --- crosses ---------------------------------------------------------------------------------------------------
def test_crosses_compute_the_playground_inputs():
    d, spec = builtin("xor", samples=200, features=["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    p = prepare(d, dict(spec, split={"val": 0.0, "test": 0.0}))
    x1, x2 = d.X[:, 0], d.X[:, 1]
    np.testing.assert_allclose(p.train.X, np.column_stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1),
                                                           np.sin(x2)]), rtol=1e-15)
    assert p.feature_names == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    assert p.input_width == 7 and p.preprocessor.raw_width == 2
    assert p.preprocessor.crosses[4] == {"name": "x1*x2", "op": "product", "inputs": [0, 1]}
    assert p.preprocessor.crosses[5] == {"name": "sin(x1)", "op": "sin", "inputs": [0]}


def test_crosses_only_fit_narrow_data():
    iris, _ = builtin("iris")
    with pytest.raises(DataError, match=r"data.features: 'x1' needs 1 input column and feature crosses apply to "
                                        r"data with one or two columns, but this data has 4"):
        prepare(iris, {"features": ["x1", "x1*x2"]})
    p = prepare(iris, {})
    assert p.feature_names == iris.feature_names and [c["op"] for c in p.preprocessor.crosses] == ["identity"] * 4
    sine, _ = builtin("sine")
    assert prepare(sine, {"features": ["x1", "sin(x1)"]}).input_width == 2
    with pytest.raises(DataError, match=r"'x2' needs 2 input columns .* but this data has 1 \(x1\)"):
        prepare(sine, {"features": ["x1", "x2"]})


# --- scaling ---------------------------------------------------------------------------------------------------
def test_standard_scaling_matches_scikit_learn_on_training_rows_only():
    from sklearn.preprocessing import StandardScaler

    d, _ = builtin("wine")
    p = prepare(d, {"scaling": "standard", "split": {"val": 0.25, "test": 0.1}, "seed": 3})
    ref = StandardScaler().fit(d.X[p.train.rows])
    np.testing.assert_allclose(p.preprocessor.offset, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(p.preprocessor.scale, 1 / ref.scale_, rtol=1e-12)
    np.testing.assert_allclose(p.val.X, ref.transform(d.X[p.val.rows]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p.test.X, ref.transform(d.X[p.test.rows]), rtol=1e-10, atol=1e-12)
    assert not np.allclose(p.preprocessor.offset, d.X.mean(axis=0))      # fitted on training rows, not all


def test_minmax_scaling_matches_scikit_learn_and_constant_columns_keep_scale_one():
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    d, _ = builtin("digits")                        # pixel_0_0 is 0 everywhere
    p = prepare(d, {"scaling": "minmax"})
    ref = MinMaxScaler().fit(d.X[p.train.rows])
    np.testing.assert_allclose(p.train.X, ref.transform(d.X[p.train.rows]), atol=1e-12)
    assert p.preprocessor.scale[0] == 1.0 and p.preprocessor.offset[0] == 0.0
    s = prepare(d, {"scaling": "standard"})
    assert s.preprocessor.scale[0] == 1.0
    np.testing.assert_allclose(s.val.X, StandardScaler().fit(d.X[s.train.rows]).transform(d.X[s.val.rows]),
                               atol=1e-10)


def test_scaling_defaults():
    spiral, spec = builtin("spiral")
    assert spec["scaling"] == "none"
    p = prepare(spiral, spec)
    np.testing.assert_array_equal(p.train.X, spiral.X[p.train.rows])
    iris, spec = builtin("iris")
    assert spec["scaling"] == "standard" and prepare(iris, {}).preprocessor.method == "standard"
    assert prepare(spiral, {}).preprocessor.method == "none"


# --- splits ----------------------------------------------------------------------------------------------------
def test_split_sizes_disjoint_and_stratified():
    d, _ = builtin("blobs", samples=1000, classes=4)
    y = d.y.copy()
    y[:100] = 0                                     # imbalance: class 0 has about 325 rows
    d = Dataset("imbalanced", d.X, y, "multiclass", d.feature_names, d.class_names, d.target_names)
    p = prepare(d, {"split": {"val": 0.2, "test": 0.1}, "seed": 5})
    assert (len(p.train), len(p.val), len(p.test)) == (700, 200, 100)
    rows = np.concatenate([p.train.rows, p.val.rows, p.test.rows])
    assert sorted(rows.tolist()) == list(range(1000))
    totals = np.bincount(y, minlength=4)
    for split, size in ((p.val, 200), (p.test, 100)):
        np.testing.assert_array_equal(split.y, y[split.rows])
        assert np.all(np.abs(np.bincount(split.y, minlength=4) - totals * size / 1000) < 1)


def test_split_is_seeded_and_independent_of_generation():
    d, spec = builtin("moons", seed=1)
    a, b = prepare(d, spec), prepare(d, spec)
    np.testing.assert_array_equal(a.val.rows, b.val.rows)
    other = prepare(d, dict(spec, seed=2))
    assert not np.array_equal(a.val.rows, other.val.rows)


def test_zero_fractions_train_on_every_row_and_small_fractions_take_a_row():
    d, _ = builtin("circle", samples=50)
    p = prepare(d, {"split": {"val": 0.0, "test": 0.0}})
    assert p.val is None and p.test is None and len(p.train) == 50
    np.testing.assert_array_equal(p.train.rows, np.arange(50))
    q = prepare(d, {"split": {"val": 0.001, "test": 0.0}})
    assert len(q.val) == 1 and len(q.train) == 49


def test_regression_and_multilabel_split_without_stratifying():
    d, _ = builtin("reg-multi", samples=100)
    p = prepare(d, {"split": {"val": 0.3, "test": 0.0}})
    assert p.val.y.shape == (30, 2) and p.n_outputs == 2 and p.task == "regression"


def test_split_that_leaves_nothing_to_train_is_an_error():
    d, _ = builtin("linnerud")
    with pytest.raises(DataError, match=r"data.split: .* leaving none to train"):
        prepare(d, {"split": {"val": 0.5, "test": 0.48}})
    with pytest.raises(SpecError, match=r"data.split.val must be < 1"):
        prepare(d, {"split": {"val": 1.0}})


# --- the Preprocessor record -----------------------------------------------------------------------------------
def test_preprocessor_round_trips_exactly_through_json():
    d, spec = builtin("gauss", features=["x1", "x2", "x1*x2", "sin(x1)"], scaling="standard", noise=0.3)
    pre = prepare(d, spec).preprocessor
    back = Preprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    assert back.to_dict() == pre.to_dict()
    assert back.offset.tobytes() == pre.offset.tobytes() and back.scale.tobytes() == pre.scale.tobytes()
    np.testing.assert_array_equal(back.transform(d.X), pre.transform(d.X))
    with pytest.raises(ValueError):
        pre.offset[0] = 1.0                          # immutable


def test_preprocessor_transform_is_the_affine_map_of_the_crosses():
    pre = Preprocessor(({"name": "a", "op": "identity", "inputs": [1]}, {"name": "b", "op": "product", "inputs": [0, 1]},
                        {"name": "c", "op": "square", "inputs": [0]}), "standard", [1.0, 2.0, 0.5], [2.0, 0.5, 4.0], 2)
    out = pre.transform(np.array([[3.0, -1.0], [0.0, 2.0]]))
    np.testing.assert_allclose(out, [[(-1 - 1) * 2, (-3 - 2) * 0.5, (9 - 0.5) * 4], [(2 - 1) * 2, (0 - 2) * 0.5,
                                                                                     (0 - 0.5) * 4]])
    with pytest.raises(DataError, match=r"inputs have shape \(2, 3\); this model needs \(n, 2\)"):
        pre.transform(np.ones((2, 3)))
    with pytest.raises(DataError, match=r"inputs row 1, column 0: nan is not a finite number"):
        pre.transform(np.array([[1.0, 2.0], [np.nan, 0.0]]))


def test_identity_crosses_take_the_rows_whole_as_the_per_column_path_does():
    """Every column as it is (the shortcut) gives the same float64 values, row order and width as crosses that
    are not that (the per-column path), with and without a row selection, for integer and float data."""
    from core.data.preprocess import apply_crosses, build_crosses

    rng = np.random.default_rng(3)
    for X in (rng.normal(size=(40, 5)), rng.integers(-9, 9, size=(40, 5)), np.array([[-0.0, 1.5]] * 3),
              np.asfortranarray(rng.normal(size=(6, 4)))):
        identity = build_crosses(None, tuple(f"x{j + 1}" for j in range(X.shape[1])))
        reordered = identity[1:] + identity[:1]          # not every column in place: the per-column path
        rows = rng.permutation(X.shape[0])[: X.shape[0] // 2]
        for selection in (None, rows, np.arange(1, X.shape[0] - 1), np.arange(X.shape[0]), np.arange(0)):
            fast = apply_crosses(X, identity, selection)
            expected = X if selection is None else X[selection]
            assert fast.dtype == np.float64 and fast.flags.c_contiguous and not np.shares_memory(fast, X)
            assert fast.tobytes() == np.asarray(expected, dtype=np.float64).tobytes()
            slow = apply_crosses(X, reordered, selection)
            assert slow.tobytes() == np.ascontiguousarray(np.roll(fast, -1, axis=1)).tobytes()


def test_scaling_none_leaves_values_bit_for_bit_and_a_negative_zero_offset_still_applies():
    X = np.array([[-0.0, 2.5], [1e-300, -3.0]])
    none = Preprocessor(({"name": "a", "op": "identity", "inputs": [0]}, {"name": "b", "op": "identity", "inputs": [1]}),
                        "none", [0.0, 0.0], [1.0, 1.0], 2)
    assert none.transform(X).tobytes() == X.tobytes()
    signed = Preprocessor(none.crosses, "standard", [-0.0, 0.0], [1.0, 1.0], 2)
    assert np.signbit(signed.transform(X)[0, 0]) == np.signbit(-0.0 - -0.0)      # -0.0 - (-0.0) is +0.0


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("scale"), "preprocessing must be an object with keys"),
    (lambda d: d.update(extra=1), "preprocessing must be an object with keys"),
    (lambda d: d.update(version=2), "version 2 is not supported"),
    (lambda d: d.update(method="robust"), "method must be one of none, standard, minmax"),
    (lambda d: d.update(offset=[0.0]), "offset must be 2 finite numbers"),
    (lambda d: d.update(scale=["1", "2"]), "scale must be a list of numbers"),
    (lambda d: d.update(scale=[1.0, float("inf")]), "scale must be 2 finite numbers"),
    (lambda d: d.update(raw_width=0), "raw_width must be a positive integer"),
    (lambda d: d["crosses"][0].update(op="cube"), r"crosses\[0\]: needs a string name and an op"),
    (lambda d: d["crosses"][1].update(inputs=[0, 5]), r"crosses\[1\]: op 'identity' needs 1 column indices"),
    (lambda d: d["crosses"][1].update(inputs=[2]), r"crosses\[1\]: op 'identity' needs 1 column indices in \[0, 2\)"),
    (lambda d: d.update(crosses=[]), "crosses must be a non-empty list"),
    (lambda d: d.update(crosses="x1"), "crosses must be a non-empty list"),
])
def test_malformed_preprocessor_records_are_refused(change, message):
    d, spec = builtin("xor")
    record = prepare(d, spec).preprocessor.to_dict()
    change(record)
    with pytest.raises(DataError, match=message):
        Preprocessor.from_dict(record)


# --- output advice ---------------------------------------------------------------------------------------------
def test_output_advice_follows_the_course_notes():
    from core.activations import ACTIVATIONS
    from core.losses import LOSSES

    cases = {("binary", 1): (1, "sigmoid", "binary_crossentropy"),
             ("multiclass", 10): (10, "softmax", "categorical_crossentropy"),
             ("multilabel", 4): (4, "sigmoid", "binary_crossentropy"),
             ("regression", 3): (3, "linear", "mse")}
    for (task, n), expected in cases.items():
        advice = output_advice(task, n)
        assert (advice.units, advice.activation, advice.loss) == expected and advice.reason
        assert advice.activation in ACTIVATIONS and advice.loss in LOSSES
    for name in ("iris", "breast_cancer", "linnerud"):
        d, _ = builtin(name)
        assert output_advice(d.task, d.n_outputs).units == d.n_outputs
    with pytest.raises(SpecError, match="task must be one of"):
        output_advice("ranking", 1)
    with pytest.raises(SpecError, match="n_outputs must be a positive integer"):
        output_advice("regression", 0)


# --- summaries ---------------------------------------------------------------------------------------------------
def test_summary_statistics_and_lines():
    d, _ = builtin("iris")
    s = summarize(d)
    assert (s.n_samples, s.n_features, s.task, s.n_outputs) == (150, 4, "multiclass", 3)
    assert s.class_counts == (("setosa", 50), ("versicolor", 50), ("virginica", 50)) and s.balance == 1.0
    c = s.columns[2]
    assert c.name == "petal length (cm)" and (c.min, c.max) == (1.0, 6.9)
    assert c.mean == pytest.approx(d.X[:, 2].sum() / 150) and c.std == pytest.approx(np.sqrt(np.var(d.X[:, 2])))
    text = "\n".join(s.lines())
    assert "iris: 150 rows x 4 features, task multiclass, 3 outputs" in text
    assert "setosa 50 (33.3%)" in text and "balance 1.00" in text and "petal length (cm)" in text
    digits = summarize(builtin("digits")[0]).lines(max_columns=3)
    assert "  images: 8x8" in digits and "  ... and 61 more features" in digits
    reg = summarize(builtin("linnerud")[0])
    assert reg.class_counts is None and [t.name for t in reg.targets] == ["Weight", "Waist", "Pulse"]


def test_summary_of_an_imbalanced_set():
    X = np.arange(20.0)[:, None]
    d = Dataset("toy", X, np.array([0] * 15 + [1] * 5), "binary", ("x",), ("no", "yes"), ("label",))
    s = summarize(d)
    assert s.class_counts == (("no", 15), ("yes", 5)) and s.balance == pytest.approx(1 / 3)
    assert any("balance 0.33" in line for line in s.lines())


# --- the Dataset contract ------------------------------------------------------------------------------------------
def test_dataset_properties_and_read_only_arrays():
    X = np.zeros((4, 3))
    d = Dataset("t", X, np.array([0, 1, 2, 1]), "multiclass", ("a", "b", "c"), ("p", "q", "r"), ("y",))
    assert (d.n_classes, d.n_outputs, d.input_width, d.n_samples) == (3, 3, 3, 4)
    assert d.X.dtype == np.float64 and d.y.dtype == np.int64
    with pytest.raises(ValueError):
        d.X[0, 0] = 1.0
    X[0, 0] = 5.0                                     # the caller's array stays writable
    b = Dataset("b", X, np.array([0, 1, 0, 1]), "binary", ("a", "b", "c"), ("n", "y"), ("y",))
    assert b.n_outputs == 1 and b.n_classes == 2
    r = Dataset("r", X, np.ones((4, 2)) * [[1], [2], [3], [4]], "regression", ("a", "b", "c"), None, ("u", "v"))
    assert r.n_outputs == 2 and r.n_classes == 0 and r.class_names is None


@pytest.mark.parametrize("args, message", [
    (("t", np.zeros((3, 2)), np.array([0, 1, 2]), "binary", ("a", "b"), ("x", "y"), ("t",)), r"class indices"),
    (("t", np.zeros((3, 2)), np.array([0, 1, 1]), "binary", ("a",), ("x", "y"), ("t",)), r"2 feature columns but 1"),
    (("t", np.zeros((3, 2)), np.array([0, 1, 1]), "multiclass", ("a", "b"), ("x", "y"), ("t",)), r"does not fit 2"),
    (("t", np.zeros((3, 2)), np.zeros(3), "regression", ("a", "b"), None, ("t",)), r"must have shape \(n, -1\)|"
                                                                                   r"targets of shape \(3,\)"),
    (("t", np.full((3, 2), np.inf), np.zeros((3, 1)), "regression", ("a", "b"), None, ("t",)), r"NaN or Inf"),
    (("t", np.zeros((3, 2)), np.full((3, 1), 0.5), "multilabel", ("a", "b"), None, ("t",)), r"must be 0 or 1"),
    (("t", np.zeros((3, 2)), np.zeros((3, 1)), "ranking", ("a", "b"), None, ("t",)), r"task must be one of"),
])
def test_dataset_rejects_inconsistent_contents(args, message):
    with pytest.raises(DataError, match=message):
        Dataset(*args)


# --- the real datasets, against scikit-learn ------------------------------------------------------------------
@pytest.mark.parametrize("name, task, kwargs", [("iris", "multiclass", {}), ("wine", "multiclass", {}),
                                                ("breast_cancer", "binary", {}), ("digits", "multiclass", {}),
                                                ("diabetes", "regression", {"scaled": False}),
                                                ("linnerud", "regression", {})])
def test_real_datasets_are_scikit_learns(name, task, kwargs):
    from sklearn import datasets

    ref = getattr(datasets, f"load_{name}")(**kwargs)
    d, _ = builtin(name)
    assert d.task == task and d.name == name
    np.testing.assert_array_equal(d.X, ref.data)
    assert d.feature_names == tuple(map(str, ref.feature_names))
    if task == "regression":
        np.testing.assert_array_equal(d.y, np.asarray(ref.target, dtype=float).reshape(len(d.X), -1))
    else:
        np.testing.assert_array_equal(d.y, ref.target)
        assert d.class_names == tuple(map(str, ref.target_names))
    assert d.image_shape == ((8, 8) if name == "digits" else None)
    if name == "linnerud":
        assert d.target_names == ("Weight", "Waist", "Pulse") and d.n_outputs == 3
