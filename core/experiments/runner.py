"""Run an experiment (every variant over its seeds, one after another or on a local Dask cluster) and judge its
effects.

Each effect is judged on the mean over seeds of its measure; the per-seed values are kept so a report (the CLI,
the lab book, a test) can show how much the seeds agree.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..experiment_spec import Effect, ExperimentSpec
from ..project import Project
from .expand import PlannedRun, expand, experiment_of
from .measures import RunResult, measure
from .running import train_project


@dataclass
class ExperimentResult:
    spec: ExperimentSpec
    runs: dict[tuple[str, int], RunResult] = field(default_factory=dict)       # (variant, seed) -> result
    run_ids: dict[tuple[str, int], int] = field(default_factory=dict)          # recorded runs in the store

    def values(self, measure_name: str, variant: str) -> list[float]:
        """The measure for `variant`, one value per seed in run order."""
        return [measure(measure_name, r) for (v, _), r in self.runs.items() if v == variant]

    def mean(self, measure_name: str, variant: str) -> float:
        values = self.values(measure_name, variant)
        return float(np.mean(values)) if values else math.nan

    def holds(self, effect: Effect) -> bool:
        """Whether the variants' means go in the effect's direction along its order, each step by the margin."""
        means = [self.mean(effect.measure, v) for v in effect.order]
        sign = 1.0 if effect.direction == "increasing" else -1.0
        return all(sign * (b - a) >= effect.margin and not math.isnan(a - b) for a, b in zip(means, means[1:]))


def run_experiment(project: Project, seeds: tuple[int, ...] | None = None,
                   progress: Callable[[PlannedRun, RunResult], None] | None = None,
                   variants: tuple[str, ...] | None = None, workers: int = 1, store: Any = None,
                   stop: Callable[[], bool] | None = None) -> ExperimentResult:
    """Train every planned run (only `variants` when given) and collect the results in plan order. One after another by default; with `workers` > 1 on a local Dask cluster of that many
    worker processes, the search engine's (core/search/cluster.py), started here and closed at the end.
    With `store` (a RunStore or its path; one after another only) each run is recorded there, named
    '{experiment}: {variant} (seed s)' and tagged 'experiment', so the Runs view can overlay them; `stop()`
    returning True ends the experiment before its next run."""
    result = ExperimentResult(experiment_of(project))
    plan = [p for p in expand(project, seeds) if variants is None or p.variant in variants]
    if workers > 1 and len(plan) > 1:
        runs = _run_on_cluster(plan, workers, progress)
    else:
        runs = []
        for planned in plan:
            if stop is not None and stop():
                plan = plan[:len(runs)]
                break
            recorder = None
            if store is not None:
                from ..runs import RunRecorder
                recorder = RunRecorder(store, planned.project, name=f"{project.name}: {planned.variant} "
                                       f"(seed {planned.seed})", tags=("experiment",))
            try:
                runs.append(train_project(planned.project, recorder))
            finally:
                if recorder is not None:
                    recorder.close()
            if recorder is not None and recorder.run_id is not None:
                result.run_ids[(planned.variant, planned.seed)] = recorder.run_id
            if progress is not None:
                progress(planned, runs[-1])
    for planned, run in zip(plan, runs):
        result.runs[(planned.variant, planned.seed)] = run
    return result


def train_project_json(project_json: str, base_dir: str) -> RunResult:
    """`train_project` on a project sent as JSON text (what a worker process receives)."""
    from ..project import parse_project
    from ..search.worker_state import limit_threads

    limit_threads()
    return train_project(parse_project(json.loads(project_json), base_dir))


def _run_on_cluster(plan: list[PlannedRun], workers: int,
                    progress: Callable[[PlannedRun, RunResult], None] | None) -> list[RunResult]:
    from ..search.cluster import Cluster

    cluster = Cluster.start_local(workers)
    try:
        futures = [cluster.client.submit(train_project_json, p.project.to_json(), str(p.project.base_dir),
                                         pure=False) for p in plan]
        runs = []
        for planned, future in zip(plan, futures):      # collected in plan order while the workers carry on
            runs.append(future.result())
            if progress is not None:
                progress(planned, runs[-1])
        return runs
    finally:
        cluster.close()
