"""Shared set-up for the run store and cross-validation tests: a private store per test (never the user's), and
small real projects trained by the real trainer."""
from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from core.model_io import build_network, load_data
from core.project import Project, parse_project
from core.runs import ENV_VAR
from core.trainer import Trainer

SMALL_PROJECT = {
    "format": "layerlab/1",
    "name": "Moons",
    "data": {"source": "builtin", "name": "moons", "samples": 120, "noise": 0.2,
             "split": {"val": 0.25, "test": 0.0}},
    "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"},
                         {"type": "dense", "units": 1, "activation": "sigmoid"}]},
    "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 16,
                 "epochs": 6, "seed": 0},
}


@pytest.fixture
def private_store() -> Path:
    """This test's own store: tests/conftest.py points LAYERLAB_RUNS at a fresh file for every test, so none may
    touch the user's real one."""
    return Path(os.environ[ENV_VAR])


def small_project(name: str = "Moons", data: dict | None = None, layers: list | None = None, **training) -> Project:
    obj = copy.deepcopy(SMALL_PROJECT)
    obj["name"] = name
    obj["data"].update(data or {})
    if layers is not None:
        obj["model"]["layers"] = layers
    if "lr" in training:
        obj["training"]["optimizer"] = {"name": "adam", "lr": training.pop("lr")}
    obj["training"].update(training)
    return parse_project(obj)


def trainer_for(project: Project) -> Trainer:
    prepared = load_data(project)
    return Trainer(build_network(project, prepared.input_width), prepared, project.training)
