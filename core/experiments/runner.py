"""Run an experiment (every variant over its seeds, one after another) and judge its effects.

Each effect is judged on the mean over seeds of its measure; the per-seed values are kept so a report (the CLI,
the lab book, a test) can show how much the seeds agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

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
                   variants: tuple[str, ...] | None = None) -> ExperimentResult:
    """Train every planned run in order (only `variants` when given) and collect the results."""
    result = ExperimentResult(experiment_of(project))
    for planned in expand(project, seeds):
        if variants is not None and planned.variant not in variants:
            continue
        run = train_project(planned.project)
        result.runs[(planned.variant, planned.seed)] = run
        if progress is not None:
            progress(planned, run)
    return result
