"""Entry points: a `data` spec to a `Dataset`, and a file of raw inputs to a feature matrix for prediction."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import DataError
from .builtin import load_builtin
from .csv_dataset import encode_features, load_csv_dataset, numeric_features
from .dataset import Dataset
from .files import check_file, read_head, resolve
from .idx import load_idx_dataset
from .npz import load_npz_dataset, npz_features
from .points import load_points
from .spec import validate_data_spec

Progress = Callable[[float], None]


def load_dataset(spec: dict[str, Any], base_dir: str | os.PathLike = ".", progress: Progress | None = None) \
        -> Dataset:
    """Load (or generate) the dataset a `data` spec describes; relative paths resolve from `base_dir`.

    `progress(fraction)` is called as a large CSV is read (and with 1.0 at the end for every source); an
    exception raised by the callback aborts the load, which is how a caller cancels it.
    """
    spec = validate_data_spec(spec)
    source = spec["source"]
    if source == "builtin":
        dataset = load_builtin(spec)
    elif source == "csv":
        dataset = load_csv_dataset(resolve(spec["path"], base_dir), spec, progress)
    elif source == "points":
        dataset = load_points(spec)
    elif source == "npz":
        dataset = load_npz_dataset(resolve(spec["path"], base_dir), spec)
    else:
        keys = [k for k in ("images", "labels", "test_images", "test_labels") if k in spec]
        dataset = load_idx_dataset({k: resolve(spec[k], base_dir) for k in keys}, spec)
    if progress is not None:
        progress(1.0)
    return dataset


def data_files(spec: dict[str, Any], base_dir: str | os.PathLike = ".") -> list[tuple[str, Path]]:
    """(label, path) of every file a `data` spec reads (none for generated and drawn data): what an output must
    never replace."""
    spec = validate_data_spec(spec)
    keys = {"csv": ("path",), "npz": ("path",), "idx": ("images", "labels", "test_images", "test_labels")}
    return [(f"the data file (data.{key})", resolve(spec[key], base_dir))
            for key in keys.get(spec["source"], ()) if key in spec]


def load_features(path: str | os.PathLike, raw_width: int, encoder: dict | None = None,
                  feature_names: tuple[str, ...] | None = None, targets: tuple[str, ...] = ()) -> np.ndarray:
    """Raw inputs for prediction, (n, raw_width) float64, from an .npz/.npy or a CSV file.

    NPZ: the array "X", or the archive's only 2-D (or image) array. CSV: a header is optional; with one, columns
    are matched by name, in any order: with a CSV `encoder` (from a model trained on a CSV) against its columns
    (columns of the training file that are not inputs, such as the target, are ignored), else against the model's
    `feature_names` (its `targets` ignored); a missing or unknown column is an error. Without a header, by position:
    exactly `raw_width` numeric columns (with an encoder, the training file's columns or its input columns).
    """
    path = Path(path)
    check_file(path, "input file")
    if path.suffix.lower() in (".npz", ".npy") or read_head(path, 4).startswith((b"PK\x03\x04", b"\x93NUM")):
        X = npz_features(path, raw_width)
    elif encoder is not None:
        X = encode_features(path, encoder)
    else:
        X = numeric_features(path, raw_width, tuple(feature_names) if feature_names else None, tuple(targets))
    if X.shape[1] != raw_width:
        raise DataError(f"{path.name}: gives {X.shape[1]} input columns; the model takes {raw_width}")
    return np.ascontiguousarray(X, dtype=np.float64)
