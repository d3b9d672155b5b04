"""Tensor-only formats: the native weights file again (without training state) and safetensors.

Both use the weights file's tensor names, `layers.{i}.{param}` with the kernel as (in_features, out_features).
safetensors adds string metadata: the format tag, the project JSON, the preprocessing JSON and the rest of the
model's metadata (task, class, feature and target names, widths) as JSON.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..weights import save_weights
from .common import ExportError, model_meta, write_files

SAFETENSORS_FORMAT = "layerlab-safetensors/1"


def write_npz(model, out: Path) -> list[Path]:
    """The weights file written again via save_weights, without optimizer or checkpoint state."""
    arrays = model.network.state_dict()
    meta = model_meta(model)
    return write_files({Path(out): lambda tmp: save_weights(tmp, arrays, meta)}, "weights file")


def safetensors_metadata(model) -> dict[str, str]:
    meta = model_meta(model)
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
