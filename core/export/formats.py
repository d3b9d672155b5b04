"""The export formats, in the project's `Registry`: each format's name and aliases, file suffix, one-line
description and writer. Adding a format is one `_add` line and its writer module.

Writers whose modules import a heavy package (ONNX's pulls in `onnx`, about a second) are imported when first used.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..registry import Registry
from .common import ExportError
from .json_format import write_json
from .tensor_files import write_npz, write_safetensors

Writer = Callable[[Any, Path], list[Path]]     # (a LoadedModel, the output path) -> the files written


@dataclass(frozen=True)
class ExportFormat:
    name: str
    suffix: str              # the usual file suffix (a script's weights go next to it as NAME.weights.npz)
    description: str         # one line for file dialogs
    write: Writer


def _write_onnx(model, out: Path) -> list[Path]:
    from .onnx_export import write_onnx

    return write_onnx(model, out)


def _write_pytorch(model, out: Path) -> list[Path]:
    from .torch_script import write_torch_script

    return write_torch_script(model, out)


def _write_keras(model, out: Path) -> list[Path]:
    from .keras_script import write_keras_script

    return write_keras_script(model, out)


EXPORT_FORMATS = Registry("export format")


def _add(name: str, suffix: str, description: str, write: Writer, *aliases: str) -> None:
    EXPORT_FORMATS.add(name, ExportFormat(name, suffix, description, write), *aliases)


_add("npz", ".npz", "LayerLab weights file (.npz)", write_npz, "weights")
_add("json", ".json", "LayerLab JSON: architecture, weights and preprocessing (.json)", write_json)
_add("onnx", ".onnx", "ONNX model, opset 17, preprocessing included (.onnx)", _write_onnx)
_add("safetensors", ".safetensors", "safetensors tensors with LayerLab metadata (.safetensors)", write_safetensors,
     "st")
_add("pytorch", ".py", "PyTorch script + weights file (.py)", _write_pytorch, "torch", "pt")
_add("keras", ".py", "Keras 3 script + weights file (.py)", _write_keras, "tf", "tensorflow")

# Read-only views of the registry, in the order above.
FORMATS = tuple(name for name, _ in EXPORT_FORMATS.items())
SUFFIXES = {name: fmt.suffix for name, fmt in EXPORT_FORMATS.items()}
DESCRIPTIONS = {name: fmt.description for name, fmt in EXPORT_FORMATS.items()}


def resolve_format(fmt: str) -> str:
    """The canonical format name for `fmt` (case, a leading dot and a few common aliases forgiven), or an
    ExportError that starts with the name as given (a caller may say where it came from)."""
    key = str(fmt).strip().lower().lstrip(".")
    if key in EXPORT_FORMATS:
        return EXPORT_FORMATS.canonical(key)
    near = difflib.get_close_matches(key, FORMATS, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise ExportError(f"{fmt!r} is not an export format{hint}; choose one of {', '.join(FORMATS)}")


def export_format(fmt: str) -> ExportFormat:
    """The registered format for a name or alias (see `resolve_format`)."""
    return EXPORT_FORMATS.factory(resolve_format(fmt))
