"""Glue between a project, its data, its network and its files: what the CLI and the app both need."""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import WeightsError
from .network import Network
from .project import Project, parse_project
from .fileio import atomic_write_with
from .weights import WeightsFile, load_weights, weights_writer


def load_data(project: Project, progress=None):
    """Load and prepare the project's data (crosses, split, scaling fitted on the training rows)."""
    from .data import load_dataset, prepare

    dataset = load_dataset(project.data, project.base_dir, progress=progress)
    return prepare(dataset, project.data)


def build_network(project: Project, input_width: int) -> Network:
    return Network(list(project.layers), input_width, project.training.dtype)


# What a resumed run may set differently from its checkpoint: how long the whole run is, and the diagnostics budget.
# The seed is the checkpoint's (its generators carry on); everything else would change what its state means.
RESUME_MAY_CHANGE = ("epochs", "seed", "diagnostics")


def resume_project(project: Project, checkpoint: WeightsFile, prepared: Any) -> Project:
    """`project` with the checkpoint's seed, after checking it is the checkpoint's project: same data (settings
    and fitted preprocessing), same model, same training settings but for RESUME_MAY_CHANGE. A TrainingError names
    what differs."""
    from .config import describe
    from .errors import LayerLabError, TrainingError

    try:
        stored = parse_project(checkpoint.meta["project"], project.base_dir, "its project")
    except LayerLabError as exc:
        raise WeightsError(f"{checkpoint.path}: its project is not valid: {exc}") from None
    mine, theirs = project.to_dict(), stored.to_dict()
    for side in (mine, theirs):
        side["training"] = {k: v for k, v in side["training"].items() if k not in RESUME_MAY_CHANGE}
    differences: list[str] = []
    for section in ("data", "model", "training"):
        _differences(mine[section], theirs[section], section, differences, describe)
    if not differences:
        fitted = {"preprocessing": prepared.preprocessor.to_dict(), "encoder": prepared.dataset.encoder}
        for key, value in fitted.items():
            if _plain(value) != _plain(checkpoint.meta.get(key)):
                differences.append(f"the data's fitted {key} (has the data file changed?)")
    if differences:
        listed = "; ".join(differences[:3]) + (f"; and {len(differences) - 3} more" if len(differences) > 3 else "")
        raise TrainingError(f"the project differs from the checkpoint's: {listed}. A resumed run may change only "
                            "training.epochs and training.diagnostics (start from its weights with --init-weights to "
                            "change more)")
    return project.with_changes(training=project.training.with_changes(seed=stored.training.seed))


_UNSET = object()


def _differences(mine: Any, theirs: Any, where: str, out: list[str], describe) -> None:
    """Append 'where is A here, B in the checkpoint' for every leaf that differs."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in [*mine, *(k for k in theirs if k not in mine)]:
            _differences(mine.get(key, _UNSET), theirs.get(key, _UNSET), f"{where}.{key}", out, describe)
    elif isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        for i, (a, b) in enumerate(zip(mine, theirs)):
            _differences(a, b, f"{where}[{i}]", out, describe)
    elif mine is _UNSET or theirs is _UNSET or _plain(mine) != _plain(theirs):
        def show(value):
            return "not set" if value is _UNSET else describe(value)
        out.append(f"{where} is {show(mine)} here, {show(theirs)} in the checkpoint")


def _plain(value: Any) -> Any:
    """JSON's view of a value (tuples are lists), as a file stores it."""
    return json.loads(json.dumps(value))


def model_meta(project: Project, prepared: Any) -> dict:
    """What a weights file records besides the arrays, so it alone can predict on raw inputs."""
    dataset = prepared.dataset
    return {
        "project": project.to_dict(),
        "preprocessing": prepared.preprocessor.to_dict(),
        "encoder": dataset.encoder,
        "task": prepared.task,
        "n_classes": int(prepared.n_classes),
        "class_names": list(prepared.class_names) if prepared.class_names else None,
        "feature_names": list(dataset.feature_names),
        "target_names": list(dataset.target_names),
        "input_width": int(prepared.input_width),
        "raw_width": int(dataset.input_width),
        "output_width": int(prepared.n_outputs),
    }


def save_model(path: str | Path, project: Project, prepared: Any, network: Network, trainer=None,
               checkpoint: bool = False) -> None:
    """Write the weights file; with `checkpoint`, also the optimizer and trainer state to continue later."""
    atomic_write_with(path, model_writer(project, prepared, network, trainer, checkpoint, str(path)), "weights file")


def model_writer(project: Project, prepared: Any, network: Network, trainer=None, checkpoint: bool = False,
                 name: str = "the weights file"):
    """`write(path)` for the weights file `save_model` writes, its contents checked and frozen now: for writing it
    together with other files, all-or-nothing."""
    meta = model_meta(project, prepared)
    optimizer = extra = None
    if trainer is not None:
        meta["epoch"] = trainer.epoch
        meta["step"] = trainer.step
        meta["history"] = trainer.history
        if checkpoint:
            meta["checkpoint"] = trainer.checkpoint_state()
            optimizer = trainer.optimizer.state_dict()
            extra = trainer.checkpoint_arrays()
    return weights_writer(network.state_dict(), meta, optimizer, extra, name)


@dataclass(frozen=True)
class LoadedModel:
    network: Network
    preprocessor: Any
    meta: dict
    project: Project
    file: WeightsFile

    def predict_raw(self, X_raw: np.ndarray) -> np.ndarray:
        """Outputs for raw inputs: preprocessing (crosses, scaling) then the network, in evaluation mode."""
        return self.network.predict(self.preprocessor.transform(np.asarray(X_raw, dtype=np.float64)))


def load_model(path: str | Path) -> LoadedModel:
    """A model ready to predict on raw inputs, from a LayerLab weights file (.npz), a LayerLab JSON export
    (`"format": "layerlab-json/1"`) or a LayerLab safetensors export, each recognised by its suffix or content.

    Every problem (missing, truncated, pickled or foreign file, NaN weights, metadata that does not describe a
    usable model, arrays for another architecture) is a one-line WeightsError naming the file; nothing is returned
    half-loaded."""
    from .export.json_format import load_json_model, looks_like_json
    from .export.tensor_files import looks_like_safetensors, read_safetensors

    if looks_like_safetensors(Path(path)):
        return _model_from(read_safetensors(path), path)
    if looks_like_json(Path(path)):
        return load_json_model(path)
    _check_kind(Path(path))
    try:
        wf = load_weights(path)
    except (NotImplementedError, RuntimeError, zlib.error) as exc:  # zipfile on a damaged or exotic archive
        raise WeightsError(f"{path} is not a valid weights file (damaged .npz: {exc})") from None
    return _model_from(wf, path)


def _model_from(wf: WeightsFile, path: str | Path) -> LoadedModel:
    """Build the network and preprocessing a weights file's metadata describes, then load its arrays."""
    from .data import Preprocessor
    from .errors import LayerLabError

    meta = wf.meta
    try:
        project = parse_project(meta["project"], Path(path).parent, "embedded project")
        preprocessor = Preprocessor.from_dict(meta["preprocessing"])
        network = Network(list(project.layers), int(meta["input_width"]), project.training.dtype)
        _check_meta(meta, preprocessor, network)
    except LayerLabError as exc:
        raise WeightsError(f"{path}: its metadata does not describe a usable model: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise WeightsError(f"{path}: its metadata does not describe a usable model ({what})") from None
    network.load_state_dict(wf.arrays, str(path))
    return LoadedModel(network, preprocessor, meta, project, wf)


def _check_kind(path: Path) -> None:
    """Name what a file is when it is neither an .npz nor a JSON export (NumPy calls every such file pickled)."""
    if not path.is_file():
        return  # load_weights names a missing file or a folder
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise WeightsError(f"cannot read weights file {path}: {exc.strerror or exc}") from None
    if not head:
        raise WeightsError(f"weights file {path} is empty")
    if head.startswith((b"PK", b"\x93NUMPY")):
        return
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise WeightsError(f"{path} contains pickled data, which LayerLab never loads")
    raise WeightsError(f"{path} is not a LayerLab model: expected a weights file (.npz), a JSON export or a "
                       "safetensors export")


def _check_meta(meta: dict, preprocessor: Any, network: Network) -> None:
    """What prediction reads from the metadata must be there and agree with the network and the preprocessing."""
    from .data import TASKS

    if meta.get("task") not in TASKS:
        raise WeightsError(f"task must be one of {', '.join(TASKS)}, got {meta.get('task')!r}")
    raw_width = meta.get("raw_width")
    if not isinstance(raw_width, int) or raw_width != preprocessor.raw_width:
        raise WeightsError(f"raw_width is {raw_width!r} but the preprocessing takes {preprocessor.raw_width} columns")
    if preprocessor.width != network.input_width:
        raise WeightsError(f"the preprocessing gives {preprocessor.width} inputs but the network takes "
                           f"{network.input_width}")
    output_width = meta.get("output_width", network.output_width)
    if output_width != network.output_width:
        raise WeightsError(f"output_width is {output_width!r} but the network outputs {network.output_width} values")
    encoder = meta.get("encoder")
    if encoder is not None and not isinstance(encoder, dict):
        raise WeightsError(f"encoder must be an object or null, got {type(encoder).__name__}")
