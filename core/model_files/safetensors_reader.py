"""Reading a LayerLab safetensors export (written by core.export.tensor_files) back as a WeightsFile.

The header is parsed here and the tensors by the safetensors package: no code runs on load.
"""
from __future__ import annotations

import struct
from pathlib import Path

from ..errors import WeightsError
from ..file_input import check_input_file, json_problem, parse_json
from ..network import check_parameter_array
from .weights_file import WeightsFile

SAFETENSORS_FORMAT = "layerlab-safetensors/1"
MAX_HEADER_BYTES = 100_000_000        # the safetensors format's own limit


def looks_like_safetensors(path: Path) -> bool:
    """A `.safetensors` name, or an existing file that starts as one: an 8-byte little-endian header length that
    fits in the file, then '{'."""
    if path.suffix.lower() == ".safetensors":
        return True
    if not path.is_file():          # never open a FIFO or a device to look at it
        return False
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
    check_input_file(path, "model file", WeightsError)
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
        if key not in tags:
            raise WeightsError(f"{path}: its metadata has no {key!r}")
        if not isinstance(tags[key], str):
            raise WeightsError(f"{path}: its {key!r} metadata is not valid JSON (not a string)")
        value = parse_json(tags[key], f"{path}: its {key!r} metadata is not valid JSON", WeightsError)
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
    if size > MAX_HEADER_BYTES:
        raise WeightsError(f"{path} is not a valid safetensors file (a header of {size:,} bytes, more than the "
                           f"{MAX_HEADER_BYTES:,} the format allows)")
    problem = json_problem(data[8:8 + size])
    if problem is not None:
        raise WeightsError(f"{path} is not a valid safetensors file (its header: {problem})")
    try:
        header = parse_json(data[8:8 + size], str(path), WeightsError)
    except WeightsError:
        raise WeightsError(f"{path} is not a valid safetensors file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise WeightsError(f"{path} is not a valid safetensors file (its header is not an object)")
    return header
