"""A project's data and network built, its trained weights file written, and a checkpoint checked against it:
what the CLI and the app both need. Reading model files back is core.model_files' job."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import WeightsError
from .fileio import atomic_write_with
from .model_files.weights_file import WeightsFile, weights_writer
from .network import Network
from .project import Project, parse_project


def load_data(project: Project, progress=None):
    """Load and prepare the project's data (crosses, split, scaling fitted on the training rows)."""
    from .data import load_dataset, prepare

    dataset = load_dataset(project.data, project.base_dir, progress=progress)
    return prepare(dataset, project.data)


def build_network(project: Project, input_width: int) -> Network:
    return Network(list(project.layers), input_width, project.training.dtype)


# What a resumed run may set differently from its checkpoint: how long the whole run is, the diagnostics budget and
# the cross-validation settings (not used by a single run) and the diagnosis' target error (it changes no step).
# The seed is the checkpoint's (its generators carry on); everything else would change what its state means.
RESUME_MAY_CHANGE = ("epochs", "seed", "diagnostics", "cross_validation", "target_error")


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


def weights_meta(project: Project, prepared: Any) -> dict:
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
    meta = weights_meta(project, prepared)
    meta["output_width"] = int(network.output_width)      # two softmax units for a binary task, say
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
