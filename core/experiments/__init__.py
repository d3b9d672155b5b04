"""Experiments: an example project's variants trained over its seeds, and the effects they demonstrate measured.

The declaration is the project's `experiment` section (core/experiment_spec.py, docs/project-format.md);
`expand` turns it into projects by parameter path, `run_experiment` trains them one after another, and the
measures (`measures.py`) are what the effects, the CLI (`layerlab experiment`) and the tests read.
"""
from .expand import PlannedRun, expand, variant_project
from .measures import RunResult, measure
from .runner import ExperimentResult, run_experiment

__all__ = ["ExperimentResult", "PlannedRun", "RunResult", "expand", "measure", "run_experiment", "variant_project"]
