"""Exporting a trained model to the formats other tools open, each proven by running it (see docs/export.md).

    export_model(load_model("model.npz"), "onnx", "model.onnx")

Formats: `npz` (the native weights file, without training state), `json` (architecture, weights, preprocessing
and metadata; loads back with `core.model_files.load_model`), `onnx` (opset 17, raw inputs, named outputs),
`safetensors` (the weights file's tensor names plus string metadata), `pytorch` and `keras` (a standalone script
plus the weights file next to it). Every export is built in memory first and written all-or-nothing.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Callable

from .common import ExportError
from ..model_files.json_reader import JSON_FORMAT
from .json_format import write_json

FORMATS = ("npz", "json", "onnx", "safetensors", "pytorch", "keras")
# The usual file suffix of each format (a script's weights go next to it as NAME.weights.npz).
SUFFIXES = {"npz": ".npz", "json": ".json", "onnx": ".onnx", "safetensors": ".safetensors", "pytorch": ".py",
            "keras": ".py"}
ALIASES = {"weights": "npz", "torch": "pytorch", "pt": "pytorch", "tf": "keras", "tensorflow": "keras",
           "st": "safetensors"}
DESCRIPTIONS = {
    "npz": "LayerLab weights file (.npz)",
    "json": "LayerLab JSON: architecture, weights and preprocessing (.json)",
    "onnx": "ONNX model, opset 17, preprocessing included (.onnx)",
    "safetensors": "safetensors tensors with LayerLab metadata (.safetensors)",
    "pytorch": "PyTorch script + weights file (.py)",
    "keras": "Keras 3 script + weights file (.py)",
}


def resolve_format(fmt: str) -> str:
    """The canonical format name for `fmt` (case and a few common aliases forgiven), or an ExportError."""
    key = str(fmt).strip().lower().lstrip(".")
    key = ALIASES.get(key, key)
    if key in FORMATS:
        return key
    near = difflib.get_close_matches(key, FORMATS, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise ExportError(f"--format {fmt!r} is not an export format{hint}; choose one of {', '.join(FORMATS)}")


def _writer(fmt: str) -> Callable:
    if fmt == "npz":
        from .tensor_files import write_npz
        return write_npz
    if fmt == "json":
        return write_json
    if fmt == "onnx":
        from .onnx_export import write_onnx
        return write_onnx
    if fmt == "safetensors":
        from .tensor_files import write_safetensors
        return write_safetensors
    if fmt == "pytorch":
        from .torch_script import write_torch_script
        return write_torch_script
    from .keras_script import write_keras_script
    return write_keras_script


def export_model(model, fmt: str, out: str | Path) -> list[Path]:
    """Write `model` (a `core.model_files.LoadedModel`) as `fmt` to `out`; returns the files written (a script and its
    weights file for pytorch/keras). Raises ExportError (or FileWriteError) with one readable line, leaving no
    file behind: also when `out` is the model's own file or has another format's suffix (see `targets`)."""
    from .targets import check_target

    fmt = resolve_format(fmt)
    check_target(model, fmt, Path(out), SUFFIXES[fmt])
    return _writer(fmt)(model, Path(out))


__all__ = ["DESCRIPTIONS", "ExportError", "FORMATS", "JSON_FORMAT", "SUFFIXES", "export_model", "resolve_format"]
