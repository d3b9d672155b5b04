"""The weights file: an `.npz` (never pickled) that alone can predict on raw inputs.

Arrays `layers.{i}.{param}` hold the parameters, `i` being the layer's index in `model.layers` and `param` one of
weight (shape (in_features, out_features)), bias, gamma, beta, running_mean, running_var, alpha. The array
`meta.json` (UTF-8 bytes as uint8) holds the project JSON, the input preprocessing and what predictions need
(task, class and feature names). A checkpoint adds `optimizer.*` arrays and the trainer's state in the metadata,
so training can continue exactly where it stopped.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import WeightsError
from ..fileio import atomic_write_with
from ..network import check_parameter_array

WEIGHTS_FORMAT = "layerlab-weights/1"
META_KEY = "meta.json"


@dataclass(frozen=True)
class WeightsFile:
    arrays: dict[str, np.ndarray]                 # "layers.{i}.{param}" -> array
    meta: dict[str, Any]                          # format, project, preprocessing, task, names, ...
    optimizer: dict[str, np.ndarray] = field(default_factory=dict)   # "optimizer.{key}" without the prefix
    checkpoint_arrays: dict[str, np.ndarray] = field(default_factory=dict)   # "checkpoint.{key}" (best weights)
    path: Path | None = None

    @property
    def project(self) -> dict:
        return self.meta["project"]

    @property
    def is_checkpoint(self) -> bool:
        return "checkpoint" in self.meta


def encode_json(obj: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8)


def save_weights(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any],
                 optimizer: dict[str, Any] | None = None, checkpoint_arrays: dict[str, np.ndarray] | None = None) -> None:
    """Write atomically; refuses non-finite parameters so a diverged run never produces a weights file."""
    atomic_write_with(path, weights_writer(arrays, meta, optimizer, checkpoint_arrays, str(path)), "weights file")


def weights_writer(arrays: dict[str, np.ndarray], meta: dict[str, Any], optimizer: dict[str, Any] | None = None,
                   checkpoint_arrays: dict[str, np.ndarray] | None = None, name: str = "the weights file"):
    """Check everything now and return `write(path)`, which writes the file there as it is (no temporary file of
    its own): for callers that write several files all-or-nothing."""
    out: dict[str, np.ndarray] = {}
    for key, array in arrays.items():
        array = np.asarray(array)
        if not np.all(np.isfinite(array)):
            raise WeightsError(f"refusing to write {name}: {key} contains NaN or Inf")
        out[key] = array
    for key, value in (optimizer or {}).items():
        value = np.asarray(value)
        if value.dtype == object:
            raise WeightsError(f"optimizer state {key!r} is not numeric")
        out[f"optimizer.{key}"] = value
    for key, value in (checkpoint_arrays or {}).items():
        out[f"checkpoint.{key}"] = np.asarray(value)
    out[META_KEY] = encode_json({"format": WEIGHTS_FORMAT, **meta})

    def write(target: Path) -> None:
        with open(target, "wb") as handle:
            np.savez(handle, **out)

    return write


def load_weights(path: str | Path) -> WeightsFile:
    """Read and check a weights file; every problem is a WeightsError naming the file. Never unpickles."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"weights file {path} does not exist")
    if path.is_dir():
        raise WeightsError(f"weights file {path} is a folder, not a file")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as exc:
        raise WeightsError(f"cannot read weights file {path}: {exc.strerror or exc}") from None
    if magic[:1] == b"\x80":
        raise WeightsError(f"{path} contains pickled data, which LayerLab never loads")
    if not magic.startswith(b"PK"):
        what = "a single .npy array" if magic.startswith(b"\x93NUMPY") else "not an .npz file"
        raise WeightsError(f"{path} is {what}, not a LayerLab weights file")
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise WeightsError(f"{path} is a single .npy array, not a LayerLab weights file (.npz)")
            for name in npz.files:
                arrays[name] = npz[name]
    except WeightsError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise WeightsError(f"{path} contains pickled data, which LayerLab never loads") from None
        raise WeightsError(f"{path} is not a valid weights file: {exc}") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, NotImplementedError, RuntimeError) as exc:
        raise WeightsError(f"{path} is not a valid weights file (truncated or not an .npz): {exc}") from None
    if META_KEY not in arrays:
        raise WeightsError(f"{path} has no {META_KEY}: it was not written by LayerLab")
    try:
        meta = json.loads(arrays.pop(META_KEY).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{path}: its metadata is corrupt ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != WEIGHTS_FORMAT:
        raise WeightsError(f"{path}: unknown weights format {meta.get('format') if isinstance(meta, dict) else meta!r}")
    if not isinstance(meta.get("project"), dict):
        raise WeightsError(f"{path}: its metadata has no project")
    layers: dict[str, np.ndarray] = {}
    optimizer: dict[str, np.ndarray] = {}
    extra: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        if name.startswith("optimizer."):
            optimizer[name.removeprefix("optimizer.")] = array
        elif name.startswith("checkpoint."):
            check_parameter_array(name, array, str(path))   # the best weights so far: parameters too
            extra[name.removeprefix("checkpoint.")] = array
        elif name.startswith("layers."):
            check_parameter_array(name, array, str(path))
            layers[name] = array
        else:
            raise WeightsError(f"{path}: unexpected array {name!r}")
    return WeightsFile(layers, meta, optimizer, extra, path)
