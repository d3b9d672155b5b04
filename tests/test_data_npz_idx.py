"""NPZ archives and MNIST-style IDX files: what loads, how targets and predefined splits come out."""
import gzip
import struct

import numpy as np
import pytest

from core.data import load_dataset, load_features, prepare
from core.errors import DataError


def npz(tmp_path, name="d.npz", **arrays):
    np.savez(tmp_path / name, **arrays)
    return load_dataset({"source": "npz", "path": name}, tmp_path)


def test_npz_classification_with_integer_labels(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    labels = np.array([3, 7, 9] * 10)
    d = npz(tmp_path, X=X, y=labels)
    assert d.task == "multiclass" and d.class_names == ("3", "7", "9") and d.n_outputs == 3
    np.testing.assert_array_equal(d.y, [0, 1, 2] * 10)
    np.testing.assert_array_equal(d.X, X)
    assert d.feature_names == ("x1", "x2", "x3") and d.target_names == ("y",) and d.encoder is None
    # integer-typed labels are classes even when there are many
    many = npz(tmp_path, "m.npz", X=rng.normal(size=(200, 2)), y=np.arange(200) % 50)
    assert many.task == "multiclass" and many.n_classes == 50


def test_npz_names_regression_and_multilabel(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 2))
    d = npz(tmp_path, X=X, y=np.array([0, 1] * 10), feature_names=np.array(["height", "weight"]),
            class_names=np.array(["cat", "dog"]))
    assert d.task == "binary" and d.class_names == ("cat", "dog") and d.feature_names == ("height", "weight")
    r = npz(tmp_path, "r.npz", X=X, y=rng.normal(size=20))
    assert r.task == "regression" and r.y.shape == (20, 1)
    Y = rng.normal(size=(20, 3))
    r3 = npz(tmp_path, "r3.npz", X=X, y=Y, target_names=np.array(["a", "b", "c"]))
    assert r3.task == "regression" and r3.target_names == ("a", "b", "c")
    np.testing.assert_array_equal(r3.y, Y)
    ml = npz(tmp_path, "ml.npz", X=X, y=(rng.random((20, 4)) < 0.5).astype(np.int8))
    assert ml.task == "multilabel" and ml.target_names == ("y0", "y1", "y2", "y3") and ml.n_outputs == 4
    onehot = np.eye(3)[np.arange(20) % 3]
    oh = npz(tmp_path, "oh.npz", X=X, y=onehot)
    assert oh.task == "multiclass" and oh.n_classes == 3
    np.testing.assert_array_equal(oh.y, np.arange(20) % 3)


def test_npz_images_and_predefined_splits(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.integers(0, 255, (40, 5, 4)).astype(np.uint8)
    y = np.arange(40) % 4
    Xv, yv = rng.integers(0, 255, (6, 5, 4)), np.array([0, 1, 2, 3, 0, 1])
    Xt, yt = rng.integers(0, 255, (5, 5, 4)), np.array([3, 3, 2, 1, 0])
    np.savez(tmp_path / "img.npz", X=X, y=y, X_val=Xv, y_val=yv, X_test=Xt, y_test=yt)
    d = load_dataset({"source": "npz", "path": "img.npz"}, tmp_path)
    assert d.image_shape == (5, 4) and d.X.shape == (40, 20)
    np.testing.assert_array_equal(d.X, X.reshape(40, 20))
    p = prepare(d, {"split": {"val": 0.5, "test": 0.25}, "scaling": "none"})
    assert len(p.train) == 40 and len(p.val) == 6 and len(p.test) == 5      # the file's splits win
    np.testing.assert_array_equal(p.val.X, Xv.reshape(6, 20))
    np.testing.assert_array_equal(p.test.y, yt)
    np.testing.assert_array_equal(p.val.rows, np.arange(6))


def test_npz_with_only_a_test_split_still_draws_validation_rows(tmp_path):
    rng = np.random.default_rng(3)
    np.savez(tmp_path / "t.npz", X=rng.normal(size=(50, 2)), y=np.arange(50) % 2, X_test=rng.normal(size=(7, 2)),
             y_test=np.arange(7) % 2)
    d = load_dataset({"source": "npz", "path": "t.npz"}, tmp_path)
    p = prepare(d, {"split": {"val": 0.2, "test": 0.3}})
    assert (len(p.train), len(p.val), len(p.test)) == (40, 10, 7)


def test_npz_task_can_be_forced(tmp_path):
    np.savez(tmp_path / "f.npz", X=np.arange(10.0)[:, None], y=np.arange(10) % 3)
    d = load_dataset({"source": "npz", "path": "f.npz", "task": "regression"}, tmp_path)
    assert d.task == "regression" and d.y[:4, 0].tolist() == [0, 1, 2, 0]


def test_load_features_from_npz_and_npy(tmp_path):
    X = np.arange(12.0).reshape(4, 3)
    np.savez(tmp_path / "in.npz", X=X, y=np.zeros(4))
    np.testing.assert_array_equal(load_features(tmp_path / "in.npz", 3), X)
    np.savez(tmp_path / "only.npz", inputs=X)
    np.testing.assert_array_equal(load_features(tmp_path / "only.npz", 3), X)
    np.save(tmp_path / "in.npy", X)
    np.testing.assert_array_equal(load_features(tmp_path / "in.npy", 3), X)
    np.savez(tmp_path / "img.npz", X=np.ones((2, 2, 3)))
    assert load_features(tmp_path / "img.npz", 6).shape == (2, 6)
    np.savez(tmp_path / "two.npz", a=X, b=X)
    with pytest.raises(DataError, match=r"two.npz: name the input array 'X'"):
        load_features(tmp_path / "two.npz", 3)
    with pytest.raises(DataError, match=r"in.npz: array 'X' has 3 columns; the model takes 4 inputs"):
        load_features(tmp_path / "in.npz", 4)


# --- IDX -------------------------------------------------------------------------------------------------------
def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """Written by hand from the format description (yann.lecun.com/exdb/mnist), independently of the reader."""
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0D: ">f4"}[code]
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    return header + array.astype(dtype).tobytes()


@pytest.mark.parametrize("gzipped", [False, True])
def test_idx_images_and_labels(tmp_path, gzipped):
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (30, 28, 28)).astype(np.uint8)
    labels = (np.arange(30) % 10).astype(np.uint8)
    pack = gzip.compress if gzipped else (lambda b: b)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(pack(idx_bytes(images)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(pack(idx_bytes(labels)))
    d = load_dataset({"source": "idx", "images": "train-images-idx3-ubyte",
                      "labels": "train-labels-idx1-ubyte"}, tmp_path)
    assert d.task == "multiclass" and d.class_names == tuple(str(i) for i in range(10))
    assert d.image_shape == (28, 28) and d.X.shape == (30, 784) and d.feature_names[29] == "pixel_1_1"
    np.testing.assert_array_equal(d.X, images.reshape(30, -1).astype(float))
    np.testing.assert_array_equal(d.y, labels)


def test_idx_other_types_and_test_split(tmp_path):
    rng = np.random.default_rng(5)
    images = rng.normal(size=(12, 3, 2)).astype(np.float32)
    (tmp_path / "img").write_bytes(idx_bytes(images, 0x0D))
    (tmp_path / "lab").write_bytes(idx_bytes(np.array([5, 7] * 6), 0x0B))
    (tmp_path / "timg").write_bytes(idx_bytes(rng.normal(size=(4, 3, 2)), 0x0D))
    (tmp_path / "tlab").write_bytes(idx_bytes(np.array([7, 7, 5, 5]), 0x0B))
    d = load_dataset({"source": "idx", "images": "img", "labels": "lab", "test_images": "timg",
                      "test_labels": "tlab"}, tmp_path)
    assert d.task == "binary" and d.class_names == ("5", "7")
    np.testing.assert_array_equal(d.X, images.reshape(12, 6).astype(np.float64))
    np.testing.assert_array_equal(d.predefined_splits["test"][1], [1, 1, 0, 0])
    p = prepare(d, {"split": {"val": 0.25, "test": 0.5}})
    assert (len(p.train), len(p.val), len(p.test)) == (9, 3, 4)
