"""Reading a LayerLab safetensors export (written by core.export.tensor_files) back as a WeightsFile.

The header is parsed here and the tensors by the safetensors package: no code runs on load.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

from ..errors import WeightsError
from ..network import check_parameter_array
from .weights_file import WeightsFile

SAFETENSORS_FORMAT = "layerlab-safetensors/1"


def looks_like_safetensors(path: Path) -> bool:
    """A `.safetensors` name, or an existing file that starts as one: an 8-byte little-endian header length that
    fits in the file, then '{'."""
    if path.suffix.lower() == ".safetensors":
        return True
    try:
        with open(path, "rb") as handle:
            head = handle.read(9)
        size = path.stat().st_size
    except OSError:
        return False
    return len(head) == 9 and head[8:9] == b"{" and 2 <= struct.unpack("<Q", head[:8])[0] <= size - 8


def read_safetensors(path: str | Path) -> WeightsFile:
    """A LayerLab safetensors export as a WeightsFile (arrays and the metadata a weights file would carry); every
    problem is a one-line WeightsError naming the file. The header is parsed here and the tensors by the
    safetensors package: no code runs on load."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"model file {path} does not exist")
    if path.is_dir():
        raise WeightsError(f"model file {path} is a folder, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WeightsError(f"cannot read {path}: {exc.strerror or exc}") from None
    header = _header(data, path)
    tags = header.get("__metadata__")
    if not isinstance(tags, dict) or tags.get("layerlab_format") != SAFETENSORS_FORMAT:
        found = tags.get("layerlab_format") if isinstance(tags, dict) else None
        raise WeightsError(f"{path} is a safetensors file but not a LayerLab export (layerlab_format is {found!r}, "
                           f"expected {SAFETENSORS_FORMAT!r})")
    meta = {}
    for key in ("model", "project", "preprocessing"):
        try:
            value = json.loads(tags[key])
        except KeyError:
            raise WeightsError(f"{path}: its metadata has no {key!r}") from None
        except (TypeError, json.JSONDecodeError) as exc:
            raise WeightsError(f"{path}: its {key!r} metadata is not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise WeightsError(f"{path}: its {key!r} metadata must be a JSON object")
        meta.update(value) if key == "model" else meta.__setitem__(key, value)
    try:
        from safetensors import SafetensorError
        from safetensors.numpy import load
    except ImportError:
        raise WeightsError("reading safetensors needs the 'safetensors' package (pip install safetensors)") from None
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, TypeError) as exc:   # bfloat16 or other dtypes NumPy lacks raise here too
        raise WeightsError(f"{path} is not a valid safetensors file: {exc}") from None
    arrays = {}
    for name, array in tensors.items():
        if not name.startswith("layers."):
            raise WeightsError(f"{path}: unexpected tensor {name!r}")
        check_parameter_array(name, array, str(path))
        arrays[name] = array
    return WeightsFile(arrays, meta, path=path)


def _header(data: bytes, path: Path) -> dict:
    if len(data) < 10:
        raise WeightsError(f"{path} is too short to be a safetensors file ({len(data)} bytes)")
    size = struct.unpack("<Q", data[:8])[0]
    if size > len(data) - 8:
        raise WeightsError(f"{path} is not a valid safetensors file (truncated, or not safetensors at all)")
    try:
        header = json.loads(data[8:8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise WeightsError(f"{path} is not a valid safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise WeightsError(f"{path} is not a valid safetensors file (its header is not an object)")
    return header
