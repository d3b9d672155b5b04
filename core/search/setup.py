"""Everything decided before a search starts: the checks against the project and its data, the metric and its
direction, the pruner, and which earlier search a resumed one continues."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import SpecError, TrainingError
from ..project import Project
from .cluster import SearchError
from .space import base_object, candidates, check_search
from .spec import PATH, SearchSpec

REPORTS_PER_TRIAL = 50      # at most this many pruning reports in a trial (each is a database write)


@dataclass(frozen=True)
class SearchPlan:
    base: dict                          # the project JSON every trial starts from (no `search` section)
    task: str                           # the data's task
    metric: str
    direction: str                      # minimize | maximize
    steps: int                          # pruning steps of a full trial: epochs, or folds
    report_every: int                   # epochs between pruning reports
    pruner: dict | None                 # study.pruner_config
    total: int                          # trials of every round


def plan_search(project: Project, spec: SearchSpec) -> SearchPlan:
    """Check `spec` against `project` and its data (SpecError, DataError or TrainingError naming the place)."""
    from ..checks import check_model
    from ..monitors import check_monitor, monitor_mode
    from ..model_io import load_data
    from .study import pruner_config

    check_search(spec, project)
    prepared = load_data(project)
    errors = [p for p in check_model(list(project.layers), project.training.loss, prepared.task,
                                     prepared.n_outputs) if p.level == "error"]
    if errors:
        raise TrainingError(f"{errors[0].where}: {errors[0].message}")
    has_val = prepared.val is not None and len(prepared.val) > 0
    if spec.folds is not None:
        _check_folds(project, prepared.dataset, spec.folds)
    validated = has_val or spec.folds is not None
    metric = spec.metric or ("val_loss" if validated else "loss")
    check_monitor(metric, f"{PATH}.metric", prepared.task, validated)
    direction = spec.direction
    if direction == "auto":
        direction = "maximize" if monitor_mode(metric, "auto") == "max" else "minimize"
    epochs = project.training.epochs
    if "training.epochs" in spec.paths:
        epochs = max(int(v) for v in candidates(spec.param("training.epochs")))
    steps = spec.folds if spec.folds is not None else epochs
    report_every = 1 if spec.folds is not None else max(1, math.ceil(epochs / REPORTS_PER_TRIAL))
    return SearchPlan(base_object(project), prepared.task, metric, direction, steps, report_every,
                      pruner_config(spec, steps, spec.trials_per_round),
                      spec.trials_per_round * (spec.refine_rounds + 1))


def _check_folds(project: Project, dataset: Any, folds: int) -> None:
    from ..cross_validation import parse_cross_validation, plan_folds

    settings = parse_cross_validation({"folds": folds}).resolve(dataset.task, project.training.seed, PATH)
    plan_folds(dataset, project.data, settings, PATH)


def find_resumable(store: Any, project: Project, spec: SearchSpec, resume: bool | int) -> Any:
    """The search group a resumed search continues: the one given by id, or the newest search of this project
    (same settings but `search`) and this space. SearchError when there is none or its space differs."""
    base = base_object(project)
    wanted = _space_key(spec.to_dict())
    if not isinstance(resume, bool):
        from ..runs import UnknownRunError
        try:
            group = store.get_group(int(resume))
        except UnknownRunError:
            raise SearchError(f"there is no search {resume} in {store.path}") from None
        if group.kind != "search" or not group.study:
            raise SearchError(f"group {resume} of {store.path} is not a search")
        if _space_key(group.settings) != wanted:
            raise SearchError(f"search {resume} searched another space ({_describe(group.settings)}); resume it "
                              "with the same search section, or start a new search")
        return group
    for group in store.list_groups("search"):
        if group.study and _space_key(group.settings) == wanted and _same_json(base_object(group.project), base):
            return group
    raise SearchError(f"there is no search of this project and space to resume in {store.path}; start one without "
                      "resume")


def _space_key(settings: Mapping[str, Any]) -> str:
    keys = ("method", "seed", "params", "metric", "direction", "pruning", "folds", "refine")
    return json.dumps({k: settings.get(k) for k in keys}, sort_keys=True)


def _describe(settings: Mapping[str, Any]) -> str:
    params = settings.get("params") or {}
    return f"{settings.get('method')} over {', '.join(params) or 'nothing'}"


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


__all__ = ["SearchPlan", "SpecError", "find_resumable", "plan_search"]
