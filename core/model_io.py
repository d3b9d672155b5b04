"""Glue between a project, its data, its network and its files: what the CLI and the app both need."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import WeightsError
from .network import Network
from .project import Project, parse_project
from .weights import WeightsFile, load_weights, save_weights


def load_data(project: Project, progress=None):
    """Load and prepare the project's data (crosses, split, scaling fitted on the training rows)."""
    from .data import load_dataset, prepare

    dataset = load_dataset(project.data, project.base_dir, progress=progress)
    return prepare(dataset, project.data)


def build_network(project: Project, input_width: int) -> Network:
    return Network(list(project.layers), input_width, project.training.dtype)


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
    save_weights(path, network.state_dict(), meta, optimizer, extra)


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
    from .data import Preprocessor

    wf = load_weights(path)
    meta = wf.meta
    try:
        project = parse_project(meta["project"], Path(path).parent, f"{path} (embedded project)")
        preprocessor = Preprocessor.from_dict(meta["preprocessing"])
        network = Network(list(project.layers), int(meta["input_width"]), project.training.dtype)
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{path}: its metadata does not describe a usable model ({exc})") from None
    network.load_state_dict(wf.arrays, str(path))
    return LoadedModel(network, preprocessor, meta, project, wf)
