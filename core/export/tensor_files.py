"""Tensor-only formats: the native weights file again (without training state) and safetensors.

Both use the weights file's tensor names, `layers.{i}.{param}` with the kernel as (in_features, out_features).
safetensors adds string metadata: the format tag, the project JSON, the preprocessing JSON and the rest of the
model's metadata (task, class, feature and target names, widths) as JSON, which is all `read_safetensors` needs to
give the file back to LayerLab (predict, export, --init-weights; read by core.model_files.safetensors_reader).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..fileio import write_files
from ..model_files.safetensors_reader import SAFETENSORS_FORMAT
from ..model_files.weights_file import weights_writer
from .common import ExportError, export_meta


def write_npz(model, out: Path) -> list[Path]:
    """The weights file written again as save_weights does, without optimizer or checkpoint state."""
    writer = weights_writer(model.network.state_dict(), export_meta(model), name=str(out))
    return write_files({Path(out): writer}, "weights file")


def safetensors_metadata(model) -> dict[str, str]:
    meta = export_meta(model)
    rest = {k: v for k, v in meta.items() if k not in ("project", "preprocessing")}
    return {
        "layerlab_format": SAFETENSORS_FORMAT,
        "project": json.dumps(meta.get("project")),
        "preprocessing": json.dumps(model.preprocessor.to_dict()),
        "model": json.dumps(rest),
    }


def safetensors_bytes(model) -> bytes:
    try:
        from safetensors.numpy import save
    except ImportError:  # a declared dependency; say so instead of a traceback if it is missing
        raise ExportError("safetensors export needs the 'safetensors' package (pip install safetensors)") from None
    tensors = {name: np.ascontiguousarray(array) for name, array in model.network.state_dict().items()}
    return save(tensors, metadata=safetensors_metadata(model))


def write_safetensors(model, out: Path) -> list[Path]:
    data = safetensors_bytes(model)
    return write_files({Path(out): lambda tmp: tmp.write_bytes(data)}, "safetensors file")
