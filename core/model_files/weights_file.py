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
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import WeightsError
from ..file_input import check_input_file, parse_json
from ..fileio import atomic_write_with
from ..network import check_parameter_array

WEIGHTS_FORMAT = "layerlab-weights/1"
META_KEY = "meta.json"
MAX_META_BYTES = 64 << 20              # the project, names and a training history: megabytes at most
MAX_ARRAY_BYTES = 4 << 30              # per array, when the model's own size is not known


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
        if not np.all(np.isfinite(value)):
            raise WeightsError(f"refusing to write {name}: optimizer state {key!r} contains NaN or Inf")
        out[f"optimizer.{key}"] = value
    for key, value in (checkpoint_arrays or {}).items():
        value = np.asarray(value)
        if not np.all(np.isfinite(value)):
            raise WeightsError(f"refusing to write {name}: checkpoint.{key} contains NaN or Inf")
        out[f"checkpoint.{key}"] = value
    out[META_KEY] = encode_json({"format": WEIGHTS_FORMAT, **meta})

    def write(target: Path) -> None:
        with open(target, "wb") as handle:
            np.savez(handle, **out)

    return write


def load_weights(path: str | Path, array_budget: Callable[[dict], int] | None = None) -> WeightsFile:
    """Read and check a weights file; every problem is a WeightsError naming the file. Never unpickles.

    Nothing is inflated before it is known to belong: a member that is not `meta.json`, `layers.*`,
    `optimizer.*` or `checkpoint.*` is an error, every array's header is read first, and an array declaring more
    bytes than its member holds, or than `array_budget(meta)` (the largest array the model described by the
    metadata can have; MAX_ARRAY_BYTES without one), is refused before it is read."""
    path = Path(path)
    arrays = read_npz(path, "weights file", _weights_member, array_budget)
    meta = arrays.pop(META_KEY)
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
        else:
            check_parameter_array(name, array, str(path))
            layers[name] = array
    return WeightsFile(layers, meta, optimizer, extra, path)


def _weights_member(name: str) -> bool:
    return name == META_KEY or name.startswith(("layers.", "optimizer.", "checkpoint."))


def read_npz(path: Path, what: str, allowed: Callable[[str], bool], array_budget: Callable[[dict], int] | int | None,
             meta_required: bool = True) -> dict[str, Any]:
    """The arrays of an .npz, checked before they are inflated (see `load_weights`); `meta.json`, when present, is
    decoded into a dict. `allowed(name)` says which member names belong; `array_budget` is a byte limit per array
    or a function of the decoded metadata giving one."""
    check_input_file(path, what, WeightsError)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
    except OSError as exc:
        raise WeightsError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if magic[:1] == b"\x80":
        raise WeightsError(f"{path} contains pickled data, which LayerLab never loads")
    if not magic.startswith(b"PK"):
        kind = "a single .npy array" if magic.startswith(b"\x93NUMPY") else "not an .npz file"
        raise WeightsError(f"{path} is {kind}, not a LayerLab {what}")
    out: dict[str, Any] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = {(i.filename[:-4] if i.filename.endswith(".npy") else i.filename): i
                       for i in archive.infolist()}
            if meta_required and META_KEY not in members:
                raise WeightsError(f"{path} has no {META_KEY}: it was not written by LayerLab")
            for name, info in members.items():
                if not info.filename.endswith(".npy") or not allowed(name):
                    raise WeightsError(f"{path}: unexpected array {name!r}")
            headers = {name: _array_header(archive, info, name, path) for name, info in members.items()}
            if META_KEY in members:
                out[META_KEY] = _read_meta(archive, members[META_KEY], headers[META_KEY], path)
            if callable(array_budget):
                limit = array_budget(out[META_KEY]) if META_KEY in out else MAX_ARRAY_BYTES
            else:
                limit = array_budget or MAX_ARRAY_BYTES
            for name, (shape, dtype) in headers.items():
                size = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
                if name != META_KEY and size > limit:
                    raise WeightsError(f"{path}: array {name!r} declares shape {shape} ({size:,} bytes), more than "
                                       f"any array of this model can hold ({limit:,} bytes)")
            for name, info in members.items():
                if name != META_KEY:
                    with archive.open(info) as fp:
                        out[name] = np.lib.format.read_array(fp, allow_pickle=False)
    except WeightsError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise WeightsError(f"{path} contains pickled data, which LayerLab never loads") from None
        raise WeightsError(f"{path} is not a valid {what}: {exc}") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise WeightsError(f"{path} is not a valid {what} (truncated or not an .npz): {exc}") from None
    return out


def _array_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, path: Path):
    """(shape, dtype) from a member's .npy header, inflating only the header; refuses object arrays (pickle) and
    shapes that do not fit the member."""
    with archive.open(info) as fp:
        version = np.lib.format.read_magic(fp)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(fp)
    if dtype.hasobject:
        raise WeightsError(f"{path} contains pickled data, which LayerLab never loads")
    if int(np.prod(shape, dtype=np.float64)) * dtype.itemsize > info.file_size:
        raise WeightsError(f"{path}: array {name!r} is truncated or corrupt (shape {shape} does not fit the file)")
    return tuple(shape), dtype


def _read_meta(archive: zipfile.ZipFile, info: zipfile.ZipInfo, header, path: Path) -> dict:
    shape, dtype = header
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > MAX_META_BYTES:
        raise WeightsError(f"{path}: its {META_KEY} must be at most {MAX_META_BYTES:,} bytes of UTF-8 text, got "
                           f"{dtype} {shape}")
    with archive.open(info) as fp:
        data = np.lib.format.read_array(fp, allow_pickle=False).tobytes()
    meta = parse_json(data, f"{path}: its metadata", WeightsError)
    if not isinstance(meta, dict):
        raise WeightsError(f"{path}: its metadata is not a JSON object")
    return meta
