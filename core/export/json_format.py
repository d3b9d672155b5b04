"""The JSON export (`"format": "layerlab-json/1"`): architecture, weights as nested lists, preprocessing and the
metadata predictions need, in one file any language can read. The schema is documented in docs/export.md.

Weights are written with Python's float repr (shortest text that parses back to the same double), and every
float32 value is exactly a double, so loading (core.model_files.json_reader) gives bit-identical arrays.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..fileio import write_files
from ..model_files.json_reader import JSON_FORMAT
from .common import export_meta, producer_version, raw_feature_names


def json_document(model) -> dict[str, Any]:
    """The export as a JSON-able dict (lists and Python floats only)."""
    meta = export_meta(model)
    network = model.network
    named = network.named_arrays()
    layers = []
    for i, layer in enumerate(network.layers):
        weights = {e.key: named[e.name].tolist() for e in network.entries if e.layer == i}
        layers.append({**layer.get_config(), "weights": weights})
    project = {k: v for k, v in (meta.get("project") or model.project.to_dict()).items() if k != "model"}
    doc: dict[str, Any] = {
        "format": JSON_FORMAT,
        "producer": f"LayerLab {producer_version()}",
        "name": model.project.name,
        "task": meta["task"],
        "n_classes": int(meta.get("n_classes") or 0),
        "class_names": meta.get("class_names"),
        "feature_names": list(raw_feature_names(model)),
        "target_names": list(meta.get("target_names") or []),
        "encoder": meta.get("encoder"),
        "raw_width": int(model.preprocessor.raw_width),
        "input_width": int(network.input_width),
        "output_width": int(network.output_width),
        "dtype": network.dtype.name,
        "preprocessing": model.preprocessor.to_dict(),
        "layers": layers,
        "project": project,
    }
    for key in ("epoch", "step"):
        if isinstance(meta.get(key), int):
            doc[key] = meta[key]
    return doc


def json_text(model) -> str:
    # allow_nan=False: a weights file never holds NaN (it is refused on load), so this cannot fail on real models.
    return json.dumps(json_document(model), allow_nan=False, separators=(",", ":")) + "\n"


def write_json(model, out: Path) -> list[Path]:
    text = json_text(model)
    return write_files({Path(out): lambda tmp: tmp.write_text(text, encoding="utf-8")}, "JSON export")
