"""Reading a JSON export (`"format": "layerlab-json/1"`, written by core.export.json_format) back into a model.

Loading is strict: a missing or unknown key, a wrong shape, a non-number or a NaN is a WeightsError naming the file
and the key, and nothing is built until every check passed. Every float32 value is exactly a double and the writer
uses Python's shortest round-tripping repr, so loading gives bit-identical arrays.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import ConfigReader
from ..data import Preprocessor
from ..errors import LayerLabError, SpecError, WeightsError
from ..network import Network
from ..project import FORMAT as PROJECT_FORMAT, parse_project
from ..tasks import TASKS
from .model import LoadedModel
from .names import check_names
from .weights_file import WeightsFile

JSON_FORMAT = "layerlab-json/1"


def looks_like_json(path: Path) -> bool:
    """A `.json` name, or an existing file whose first non-blank byte is '{'."""
    if path.suffix.lower() == ".json":
        return True
    if not path.is_file():      # (False for a FIFO or a device: never opened here)
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError:
        return False
    return head.lstrip().startswith(b"{")


def load_json_model(path: str | Path) -> LoadedModel:
    """Read a JSON export back into a LoadedModel (the same object `load_model` gives for a weights file)."""
    path = Path(path)
    doc = _read(path)
    try:
        network, preprocessor, meta, project, arrays = _build(doc, path)
    except WeightsError:
        raise
    except LayerLabError as exc:  # the project parser says model.layers[i]; in this file the key is layers[i]
        raise WeightsError(f"{path}: {str(exc).replace('model.layers[', 'layers[')}") from None
    except (KeyError, TypeError, ValueError) as exc:  # a validator surprised by a value of the wrong type
        raise WeightsError(f"{path}: does not describe a usable model ({type(exc).__name__}: {exc})") from None
    return LoadedModel(network, preprocessor, meta, project, WeightsFile(arrays, meta, path=path))


def _read(path: Path) -> dict:
    from ..file_input import MAX_JSON_MODEL_BYTES, read_json

    def reject(constant: str):
        raise WeightsError(f"{path} contains {constant}, which a LayerLab JSON export never holds")

    doc = read_json(path, "model file", MAX_JSON_MODEL_BYTES, WeightsError, parse_constant=reject)
    if not isinstance(doc, dict):
        raise WeightsError(f"{path} is not a LayerLab JSON export (expected an object with \"format\": "
                           f"\"{JSON_FORMAT}\")")
    fmt = doc.get("format")
    if fmt == PROJECT_FORMAT:
        raise WeightsError(f"{path} is a project file, not a trained model: train it first (layerlab train "
                           f"{path.name}) and use the weights file it writes")
    if fmt != JSON_FORMAT:
        raise WeightsError(f"{path}: \"format\" must be \"{JSON_FORMAT}\", got {fmt!r}")
    return doc


def _build(doc: dict, path: Path):
    """Check everything, then build: (network, preprocessor, meta, project, arrays)."""
    r = ConfigReader(doc, "")
    r.str("format")
    r.str("producer", "")
    r.str("name", "")
    task = r.str("task", choices=TASKS)
    n_classes = r.int("n_classes", 0, minimum=0)
    class_names = _names(r, "class_names", optional=True)
    feature_names = _names(r, "feature_names")
    target_names = _names(r, "target_names")
    encoder = r.raw("encoder", None)
    if encoder is not None and not isinstance(encoder, dict):
        raise SpecError(f"encoder must be an object or null, got {type(encoder).__name__}")
    raw_width = r.int("raw_width", minimum=1)
    input_width = r.int("input_width", minimum=1)
    output_width = r.int("output_width", minimum=1)
    dtype = r.str("dtype", choices=("float32", "float64"))
    preprocessing = r.raw("preprocessing")
    layers = r.raw("layers")
    project_part = ConfigReader(r.raw("project"), "project")
    epoch = r.int("epoch", None, minimum=0)
    step = r.int("step", None, minimum=0)
    r.finish()
    if "model" in project_part.obj:
        raise SpecError("project.model must not be given: the model is the \"layers\" list")
    if not isinstance(layers, list) or not layers:
        raise SpecError("layers must be a non-empty list of layer objects")
    configs, weights = [], []
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict):
            raise SpecError(f"layers[{i}] must be an object, got {type(entry).__name__}")
        if not isinstance(entry.get("weights"), dict):
            raise SpecError(f"layers[{i}].weights is required (an object of arrays; empty for layers without any)")
        configs.append({k: v for k, v in entry.items() if k != "weights"})
        weights.append(entry["weights"])

    project_dict = {**project_part.obj, "model": {"layers": configs}}
    project = parse_project(project_dict, path.parent, "project")
    if project.training.dtype != dtype:
        raise SpecError(f"dtype is {dtype!r} but project.training.dtype is {project.training.dtype!r}")
    preprocessor = Preprocessor.from_dict(preprocessing)
    if preprocessor.raw_width != raw_width or preprocessor.width != input_width:
        raise SpecError(f"preprocessing maps {preprocessor.raw_width} raw columns to {preprocessor.width} inputs, "
                        f"but raw_width is {raw_width} and input_width is {input_width}")
    if len(feature_names) != raw_width:
        raise SpecError(f"feature_names has {len(feature_names)} names for {raw_width} raw columns")
    network = Network(configs, input_width, dtype, path="layers")
    if network.output_width != output_width:
        raise SpecError(f"output_width is {output_width} but the layers output {network.output_width} values")
    arrays = _arrays(network, weights)
    meta = {
        "project": project_dict,
        "preprocessing": preprocessor.to_dict(),
        "encoder": encoder,
        "task": task,
        "n_classes": n_classes,
        "class_names": class_names,
        "feature_names": feature_names,
        "target_names": target_names,
        "input_width": input_width,
        "raw_width": raw_width,
        "output_width": output_width,
    }
    if epoch is not None:
        meta["epoch"] = epoch
    if step is not None:
        meta["step"] = step
    check_names(meta, network.output_width)
    network.load_state_dict(arrays, str(path))
    return network, preprocessor, meta, project, arrays


def _names(r: ConfigReader, key: str, optional: bool = False) -> list[str] | None:
    value = r.raw(key, None) if optional else r.raw(key)
    if value is None and optional:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{key} must be a list of strings{' or null' if optional else ''}")
    return list(value)


def _arrays(network, weights: list[dict]) -> dict[str, np.ndarray]:
    """Nested lists -> arrays of the network's dtype, checked against the network's names and shapes."""
    expected: dict[int, dict[str, tuple[int, ...]]] = {}
    for e in network.entries:
        expected.setdefault(e.layer, {})[e.key] = e.shape
    arrays: dict[str, np.ndarray] = {}
    for i, given in enumerate(weights):
        want = expected.get(i, {})
        missing = [k for k in want if k not in given]
        extra = [k for k in given if k not in want]
        if missing or extra:
            have = ", ".join(want) or "none"
            what = f"misses {', '.join(missing)}" if missing else f"has unexpected {', '.join(extra)}"
            raise SpecError(f"layers[{i}].weights {what} (a {network.layers[i].type} layer here has: {have})")
        for key, shape in want.items():
            where = f"layers[{i}].weights.{key}"
            try:
                array = np.asarray(given[key])
            except (ValueError, TypeError):
                raise SpecError(f"{where} is not a rectangular array of numbers") from None
            if array.dtype.kind not in "fi" or array.dtype == np.bool_:
                raise SpecError(f"{where} must hold numbers only, got {array.dtype.name} values")
            if array.shape != shape:
                raise SpecError(f"{where} has shape {array.shape}, the network expects {shape}")
            with np.errstate(over="ignore", invalid="ignore"):
                cast = array.astype(network.dtype)
            if not np.all(np.isfinite(cast)):
                raise SpecError(f"{where} has values outside the {network.dtype.name} range")
            arrays[f"layers.{i}.{key}"] = cast
    return arrays
