"""NumPy `.npz` archives: X and y (optionally X_val/y_val, X_test/y_test), read without ever unpickling.

Every array's header is checked before NumPy reads it: object arrays (which would need pickle) are refused with a
clear message, and an array larger than its archive member (a corrupt or truncated file) is refused before any
allocation. Optional string arrays `feature_names`, `class_names` and `target_names` name things.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.lib.format as npformat

from ..errors import DataError
from .dataset import Dataset
from .files import check_file, check_inflation, read_head
from .targets import apply_class_mapping, numeric_targets

NAME_ARRAYS = ("feature_names", "class_names", "target_names")
_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError, RuntimeError,
                NotImplementedError, IndexError, TypeError, MemoryError)


def _check_header(fp, label: str, key: str, member_size: int) -> tuple[int, ...]:
    try:
        version = npformat.read_magic(fp)
        read = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
        shape, _, dtype = read(fp)
    except _READ_ERRORS + (SyntaxError,) as exc:
        raise DataError(f"{label}: array {key!r} has an unreadable header ({exc})") from None
    if dtype.hasobject:
        raise DataError(f"{label}: array {key!r} holds Python objects (dtype object); LayerLab never unpickles "
                        f"data, save plain numeric arrays (e.g. X.astype(float))")
    if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > member_size:
        raise DataError(f"{label}: array {key!r} is truncated or corrupt (shape {shape} does not fit the file)")
    return tuple(shape)


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """All arrays of an .npz (or the single array of an .npy, under the key "X")."""
    label = path.name
    check_file(path)
    head = read_head(path, 6)
    try:
        if head.startswith(b"\x93NUMPY"):
            with open(path, "rb") as fp:
                _check_header(fp, label, "X", path.stat().st_size)
            return {"X": np.load(path, allow_pickle=False)}
        if not head.startswith(b"PK"):
            raise DataError(f"{label}: not an NPZ archive (a zip of .npy arrays, as numpy.savez writes)")
        shapes: dict[str, tuple[int, ...]] = {}
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):   # np.load would hand back its raw bytes
                    raise DataError(f"{label}: member {info.filename!r} is not a .npy array; an NPZ archive holds"
                                    f" only .npy arrays (save it with numpy.savez)")
                check_inflation(info.file_size, info.compress_size, label, f"array {info.filename[:-4]!r}")
                with archive.open(info) as fp:
                    shapes[info.filename[:-4]] = _check_header(fp, label, info.filename[:-4], info.file_size)
        _check_rows(shapes, label)
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except DataError:
        raise
    except _READ_ERRORS as exc:
        raise DataError(f"{label}: cannot be read as an NPZ archive ({type(exc).__name__}: {exc})") from None


def _check_rows(shapes: dict[str, tuple[int, ...]], label: str) -> None:
    """Before any array is inflated: each label array has one row per row of its inputs."""
    for xs, ys in (("X", "y"), ("X_val", "y_val"), ("X_test", "y_test")):
        if xs in shapes and ys in shapes and shapes[xs] and shapes[ys] and shapes[xs][0] != shapes[ys][0]:
            n = shapes[xs][0]
            raise DataError(f"{label}: {ys!r} has shape {shapes[ys]}; expected ({n},) or ({n}, k) to match {xs!r}")


def _numeric(array: np.ndarray, label: str, key: str) -> np.ndarray:
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
            or array.dtype == np.bool_):
        raise DataError(f"{label}: array {key!r} has dtype {array.dtype}; it must hold real numbers")
    with np.errstate(invalid="ignore", over="ignore"):     # NaN and overflow are reported just below
        values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        at = np.argwhere(~np.isfinite(values))[0]
        raise DataError(f"{label}: array {key!r} holds NaN or Inf (first at index {tuple(int(i) for i in at)})")
    return values


def features_from(array: np.ndarray, label: str, key: str) -> tuple[np.ndarray, tuple[int, int] | None]:
    """(n, d) or (n, h, w) images -> (n, d) float64 and the image shape."""
    if array.ndim not in (2, 3):
        raise DataError(f"{label}: array {key!r} has shape {array.shape}; features must be (n, d) or images (n, h, w)")
    if array.size == 0:    # before reshaping: reshape(n, -1) cannot infer a width from zero values
        raise DataError(f"{label}: array {key!r} is empty (shape {array.shape})")
    image_shape = None
    if array.ndim == 3:
        image_shape = (int(array.shape[1]), int(array.shape[2]))
        array = array.reshape(array.shape[0], image_shape[0] * image_shape[1])
    return _numeric(array, label, key), image_shape


def _names(arrays: dict[str, Any], key: str, count: int, label: str) -> tuple[str, ...] | None:
    if key not in arrays:
        return None
    names = arrays[key]
    if names.dtype.kind not in "US" or names.ndim != 1 or len(names) != count:
        raise DataError(f"{label}: {key!r} must be {count} strings, got dtype {names.dtype} shape {names.shape}")
    return tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names.tolist())


def load_npz_dataset(path: Path, spec: dict[str, Any]) -> Dataset:
    label = path.name
    arrays = read_arrays(path)
    missing = [k for k in ("X", "y") if k not in arrays]
    if missing:
        raise DataError(f"{label}: needs arrays 'X' and 'y'; found {', '.join(sorted(arrays)) or 'no arrays'}")
    X, image_shape = features_from(arrays["X"], label, "X")
    raw_y = arrays["y"]
    if raw_y.ndim not in (1, 2) or len(raw_y) != len(X):
        raise DataError(f"{label}: 'y' has shape {raw_y.shape}; expected ({len(X)},) or ({len(X)}, k) to match X")
    integer = np.issubdtype(raw_y.dtype, np.integer) or raw_y.dtype == np.bool_
    Y = _numeric(raw_y, label, "y").reshape(len(X), -1)
    k = Y.shape[1]
    target_names = _names(arrays, "target_names", k, label) or (("y",) if k == 1 else tuple(f"y{i}" for i in range(k)))
    result = numeric_targets(Y, target_names, spec.get("task", "auto"), label, integer_labels=integer)
    class_names = result.class_names
    if result.task in ("binary", "multiclass"):
        class_names = _names(arrays, "class_names", len(class_names), label) or class_names
    splits = {}
    for name in ("val", "test"):
        xs, ys = f"X_{name}", f"y_{name}"
        if (xs in arrays) != (ys in arrays):
            raise DataError(f"{label}: {xs!r} and {ys!r} come together; found only one of them")
        if xs in arrays:
            Xs, shape_s = features_from(arrays[xs], label, xs)
            if Xs.shape[1] != X.shape[1] or shape_s != image_shape:
                raise DataError(f"{label}: {xs!r} has shape {arrays[xs].shape}, unlike X {arrays['X'].shape}")
            y_s = _numeric(arrays[ys], label, ys)
            if len(y_s) != len(Xs) or y_s.ndim != raw_y.ndim or (y_s.ndim == 2 and y_s.shape[1] != k):
                raise DataError(f"{label}: {ys!r} has shape {y_s.shape}; expected {len(Xs)} rows shaped like y")
            if result.task in ("regression", "multilabel"):
                y_s = y_s.reshape(len(Xs), -1)
            else:
                y_s = apply_class_mapping(y_s, result, f"{label}, {ys!r}")
            splits[name] = (Xs, y_s)
    features = _names(arrays, "feature_names", X.shape[1], label) or tuple(f"x{j + 1}" for j in range(X.shape[1]))
    return Dataset(label, X, result.y, result.task, features, class_names, result.target_names,
                   image_shape=image_shape, predefined_splits=splits)


def npz_features(path: Path, raw_width: int) -> np.ndarray:
    """Prediction inputs from an .npz (array X, or its only 2-D/3-D array) or an .npy."""
    label = path.name
    arrays = read_arrays(path)
    if "X" in arrays:
        key = "X"
    else:
        candidates = [k for k, a in arrays.items() if a.ndim in (2, 3) and k not in NAME_ARRAYS]
        if len(candidates) != 1:
            raise DataError(f"{label}: name the input array 'X' (found {', '.join(sorted(arrays)) or 'no arrays'})")
        key = candidates[0]
    X, _ = features_from(arrays[key], label, key)
    if X.shape[1] != raw_width:
        raise DataError(f"{label}: array {key!r} has {X.shape[1]} columns; the model takes {raw_width} inputs")
    return X
