"""Diagnosing without the app: train a project and diagnose the run, or diagnose a model trained earlier from the
history its weights file keeps. The CLI's `diagnose` and `train` and the example tests go through here. The
per-layer keys the rules read (`layers.{i}.*`) are in the trainer's own history (core/layer_history.py)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import check_model
from ..errors import LayerLabError, TrainingError
from ..events import Failed, run_status
from ..model_io import build_network, load_data
from ..network import Network
from ..trainer import Trainer
from .engine import diagnose
from .findings import Finding


@dataclass
class DiagnosedRun:
    findings: list[Finding]
    history: dict[str, list[float]]
    network: Network | None          # the trained network (None when the model could not be built)
    status: str | None               # core.events.run_status of the run, or None (a model file: its end is not known)
    epochs: int


def model_errors(project: Any, data: Any) -> list:
    """The model's errors (`core.checks`): a network that does not fit its task is diagnosed, not trained."""
    return [p for p in check_model(list(project.layers), project.training.loss, data.task, data.n_outputs)
            if p.level == "error"]


def train_and_diagnose(project: Any, data: Any = None, lr_suggestion: float | None = None) -> DiagnosedRun:
    """Train `project` from its seed for `training.epochs` and diagnose the run from the trainer's history.
    A model with errors is not trained: its findings name them."""
    data = load_data(project) if data is None else data
    if model_errors(project, data):
        return DiagnosedRun(diagnose(project, {}, data=data, probe=False), {}, None, None, 0)
    network = build_network(project, data.input_width)
    trainer = Trainer(network, data, project.training)
    last = trainer.fit()
    if isinstance(last, Failed):
        raise TrainingError(f"training failed: {last.message}")
    status = run_status(last)
    findings = diagnose(project, trainer.history, network=network, data=data, status=status,
                        lr_suggestion=lr_suggestion)
    return DiagnosedRun(findings, trainer.history, network, status, trainer.epoch)


def diagnose_model_file(project: Any, path: str | Path, data: Any = None) -> DiagnosedRun:
    """Diagnose the model in `path` (a weights or checkpoint file, or an export) trained from `project`: its
    history (when the file has one) and its weights, on the project's data."""
    from ..model_files import load_model

    loaded = load_model(path)
    data = load_data(project) if data is None else data
    if list(loaded.project.layers) != list(project.layers):
        raise LayerLabError(f"{path} holds weights for another network than this project's model.layers")
    if loaded.network.input_width != data.input_width:
        raise LayerLabError(f"{path} takes {loaded.network.input_width} inputs, but the project's data gives "
                            f"{data.input_width}")
    if model_errors(project, data):
        return DiagnosedRun(diagnose(project, {}, data=data, probe=False), {}, None, None, 0)
    raw = loaded.meta.get("history") or {}
    history = {str(k): [float(v) for v in values] for k, values in raw.items()}
    findings = diagnose(project, history, network=loaded.network, data=data)
    epochs = len(history.get("loss", ()))
    return DiagnosedRun(findings, history, loaded.network, None, epochs)

