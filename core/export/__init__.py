"""Exporting a trained model to the formats other tools open, each proven by running it (see docs/export.md).

    export_model(load_model("model.npz"), "onnx", "model.onnx")

Formats: `npz` (the native weights file, without training state), `json` (architecture, weights, preprocessing
and metadata; loads back with `core.model_files.load_model`), `onnx` (opset 17, raw inputs, named outputs),
`safetensors` (the weights file's tensor names plus string metadata), `pytorch` and `keras` (a standalone script
plus the weights file next to it). Every export is built in memory first and written all-or-nothing.
"""
from __future__ import annotations

from pathlib import Path

from ..model_files.json_reader import JSON_FORMAT
from .common import ExportError
from .formats import DESCRIPTIONS, EXPORT_FORMATS, FORMATS, SUFFIXES, ExportFormat, export_format, resolve_format


def export_model(model, fmt: str, out: str | Path) -> list[Path]:
    """Write `model` (a `core.model_files.LoadedModel`) as `fmt` to `out`; returns the files written (a script and
    its weights file for pytorch/keras). Raises ExportError (or FileWriteError) with one readable line, leaving no
    file behind: also when `out` is the model's own file or has another format's suffix (see `targets`)."""
    from .targets import check_target

    export = export_format(fmt)
    check_target(model, export.name, Path(out), export.suffix)
    return export.write(model, Path(out))


__all__ = ["DESCRIPTIONS", "EXPORT_FORMATS", "ExportError", "ExportFormat", "FORMATS", "JSON_FORMAT", "SUFFIXES",
           "export_format", "export_model", "resolve_format"]
