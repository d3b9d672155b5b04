"""The project file: one JSON format (`"format": "layerlab/1"`) shared by the app, the CLI and the tests.

A project is data + model + training, and optionally the hyperparameter search over it. Relative data paths
resolve from the project file's folder. Validation names the place and the problem (`model.layers[2].units must be
a positive integer, got -3`), and unknown keys are errors so typos never pass silently. The reference is
docs/project-format.md.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import ConfigReader
from .errors import SpecError
from .experiment_spec import ExperimentSpec, parse_experiment
from .fileio import atomic_write_text
from .layers import build_layer
from .training_config import TrainingConfig, parse_training

if TYPE_CHECKING:
    from .search.spec import SearchSpec

FORMAT = "layerlab/1"


@dataclass(frozen=True)
class Project:
    data: dict
    layers: tuple[dict, ...]
    training: TrainingConfig = field(default_factory=TrainingConfig)
    name: str = "Untitled"
    description: str = ""
    base_dir: Path = Path(".")
    experiment: ExperimentSpec | None = None      # an example's variants, seeds and effects (core/experiments)
    search: SearchSpec | None = None      # the hyperparameter search over this project (docs/search.md)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"format": FORMAT, "name": self.name}
        if self.description:
            out["description"] = self.description
        out["data"] = copy.deepcopy(self.data)
        out["model"] = {"layers": copy.deepcopy(list(self.layers))}
        out["training"] = copy.deepcopy(self.training.to_dict())
        if self.experiment is not None:
            out["experiment"] = self.experiment.to_dict()
        if self.search is not None:
            out["search"] = self.search.to_dict()
        return out

    def to_json(self) -> str:
        return json_text(self.to_dict()) + "\n"

    def with_changes(self, **changes: Any) -> "Project":
        return replace(self, **changes)


def json_text(value: Any, level: int = 0) -> str:
    """JSON indented by two spaces, except that a list of plain values stays on one line: the rows of a drawn
    dataset (`"X": [[0.5, -1.2], ...]`) read as one point per line instead of one number per line."""
    inner = "  " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(str(k))}: {json_text(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + json_text(v, level + 1) for v in value) + "\n" + "  " * level + "]"
    return json.dumps(value)


def parse_project(obj: Any, base_dir: str | Path = ".", source: str = "the project") -> Project:
    """Validate a decoded project JSON object. Messages name the place inside the project, never the file: the
    caller that knows the file (`load_project`) puts its name in front once. `source` is what a message calls the
    whole object when it is not one."""
    from .data import validate_data_spec

    if not isinstance(obj, dict):
        raise SpecError(f"{source} must be a JSON object (with \"format\": \"{FORMAT}\"), got {_kind(obj)}")
    r = ConfigReader(obj, "")
    fmt = r.raw("format", None)
    if fmt != FORMAT:
        raise SpecError(f"\"format\" must be {FORMAT!r}, got {fmt!r}")
    name = r.str("name", "Untitled")
    description = r.str("description", "")
    data = validate_data_spec(r.raw("data"), "data")
    model = ConfigReader(r.raw("model"), "model")
    layers = model.raw("layers")
    model.finish()
    if not isinstance(layers, list) or not layers:
        raise SpecError("model.layers must be a non-empty list of layers")
    for i, layer in enumerate(layers):
        build_layer(layer, f"model.layers[{i}]")
    training = parse_training(r.raw("training", {}), "training")
    experiment = r.raw("experiment", None)
    experiment = None if experiment is None else parse_experiment(experiment, "experiment")
    search = r.raw("search", None)
    if search is not None:
        # The section alone: checking its parameters against this project (core/search/space.py) parses trial
        # projects, so it happens when a search starts.
        from .search.spec import parse_section
        search = parse_section(search, "search")
    r.finish()
    return Project(data=data, layers=tuple(copy.deepcopy(layers)), training=training, name=name,
                   description=description, base_dir=Path(base_dir), experiment=experiment, search=search)


def load_project(path: str | Path) -> Project:
    """Read and validate a project file: a regular file (never a FIFO or a device) of at most MAX_PROJECT_BYTES,
    JSON of sane depth; every problem is a SpecError naming the file."""
    from .file_input import MAX_PROJECT_BYTES, read_json

    obj = read_json(path, "project file", MAX_PROJECT_BYTES, SpecError)
    path = Path(path)
    try:
        return parse_project(obj, path.parent)
    except SpecError as exc:
        raise SpecError(f"{path.name}: {exc}") from None


def _kind(value: Any) -> str:
    """'a list', 'a string', ...: how a message names a JSON value of the wrong kind."""
    names = {list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number",
             type(None): "null"}
    return names.get(type(value), type(value).__name__)


def save_project(project: Project, path: str | Path) -> None:
    atomic_write_text(path, project.to_json(), "project")


DEFAULT_PROJECT = {
    "format": FORMAT,
    "name": "Spiral",
    "description": "The playground's two-arm spiral and a small ReLU network that learns it.",
    "data": {"source": "builtin", "name": "spiral", "samples": 500, "noise": 0.1,
             "split": {"val": 0.2, "test": 0.0}, "scaling": "standard"},
    "model": {"layers": [
        {"type": "dense", "units": 16, "activation": "relu"},
        {"type": "dense", "units": 16, "activation": "relu"},
        {"type": "dense", "units": 1, "activation": "sigmoid"},
    ]},
    "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 10,
                 "epochs": 200, "shuffle": True, "seed": 0, "dtype": "float32"},
}


def default_project() -> Project:
    """What `python main.py` opens, ready to press Train."""
    return parse_project(copy.deepcopy(DEFAULT_PROJECT), Path("."), "default project")
