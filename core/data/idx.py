"""MNIST-style IDX files (images idx3-ubyte + labels idx1-ubyte, optionally gzipped), as used by MNIST and
Fashion-MNIST.

Format: two zero bytes, a type byte (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64),
a dimension count, one big-endian uint32 per dimension, then the values big-endian in C order. The file must
hold exactly that many bytes: a short file is truncated, a longer one is not what it claims to be.
"""
from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .dataset import Dataset
from .files import check_file, check_inflation, read_head
from .npz import features_from
from .targets import apply_class_mapping, numeric_targets

TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_BYTES = 1 << 34   # refuse to allocate more than 16 GiB for one file


def _read_exact(fp, size: int, label: str, what: str) -> bytes:
    data = fp.read(size)
    if len(data) < size:
        raise DataError(f"{label}: truncated {what}: expected {size} bytes, found {len(data)}")
    return data


def read_idx(path: Path, ndim: int, what: str) -> np.ndarray:
    """The array in an IDX file with `ndim` dimensions (3 for images, 1 for labels)."""
    label = path.name
    stored = check_file(path, f"{what} file")
    gzipped = read_head(path, 2) == b"\x1f\x8b"
    expected = f"0x0000080{ndim}"
    try:
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as fp:
            magic = fp.read(4)
            if len(magic) < 4 or magic[:2] != b"\x00\x00" or magic[2] not in TYPES:
                got = f"0x{magic.hex()}" if magic else "an empty file"
                raise DataError(f"{label}: not an IDX {what} file (magic number {got}, expected {expected})")
            if magic[3] != ndim:
                raise DataError(f"{label}: IDX file with {magic[3]} dimensions (magic 0x{magic.hex()}); "
                                f"{what} need {ndim} (magic {expected})")
            dims = struct.unpack(f">{ndim}I", _read_exact(fp, 4 * ndim, label, "header"))
            dtype = np.dtype(TYPES[magic[2]])
            size = int(np.prod(dims, dtype=np.float64)) * dtype.itemsize
            # Zeros aside: (0, 2**32 - 1, 2**32 - 1) claims no bytes, but NumPy cannot make an array of that shape.
            extent = int(np.prod([max(d, 1) for d in dims], dtype=np.float64)) * dtype.itemsize
            if extent > MAX_BYTES:
                raise DataError(f"{label}: header claims shape {dims}, far more than a data file holds")
            if gzipped:
                check_inflation(size, stored, label, f"its header's shape {dims}")
            data = _read_exact(fp, size, label, f"data for shape {dims}")
            if fp.read(1):
                raise DataError(f"{label}: more bytes than the header's shape {dims} accounts for")
    except DataError:
        raise
    except (OSError, EOFError, zlib.error) as exc:   # corrupt gzip stream, unreadable file
        raise DataError(f"{label}: cannot be read ({type(exc).__name__}: {exc})") from None
    return np.frombuffer(data, dtype=dtype).reshape(dims)


def _pair(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray, tuple[int, int] | None]:
    X, shape = features_from(read_idx(images, 3, "images"), images.name, "images")
    t = read_idx(labels, 1, "labels")
    if len(t) != len(X):
        raise DataError(f"{labels.name}: {len(t)} labels for the {len(X)} images in {images.name}")
    if not np.all(np.isfinite(t.astype(np.float64))):
        raise DataError(f"{labels.name}: labels hold NaN or Inf")
    return X, t.astype(np.float64), shape


def load_idx_dataset(paths: dict[str, Path], spec: dict[str, Any]) -> Dataset:
    """images + labels (and optionally test_images + test_labels) -> a classification Dataset."""
    X, t, shape = _pair(paths["images"], paths["labels"])
    label = paths["labels"].name
    result = numeric_targets(t[:, None], ("label",), "classification", label)
    splits = {}
    if "test_images" in paths:
        Xt, tt, shape_t = _pair(paths["test_images"], paths["test_labels"])
        if shape_t != shape:
            raise DataError(f"{paths['test_images'].name}: images are {shape_t}, the training images {shape}")
        splits["test"] = (Xt, apply_class_mapping(tt, result, paths["test_labels"].name))
    h, w = shape
    features = tuple(f"pixel_{r}_{c}" for r in range(h) for c in range(w))
    return Dataset(paths["images"].name, X, result.y, result.task, features, result.class_names,
                   result.target_names, image_shape=shape, predefined_splits=splits)
