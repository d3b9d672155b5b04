"""An experiment expanded into the projects it trains: one per variant and seed, each the base project with the
variant's edits applied by parameter path (core/project_paths.py) and the seed set."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from ..experiment_spec import ExperimentSpec
from ..project import Project
from ..project_paths import apply_edits


@dataclass(frozen=True)
class PlannedRun:
    variant: str
    seed: int
    project: Project


def experiment_of(project: Project) -> ExperimentSpec:
    if project.experiment is None:
        raise SpecError(f"project {project.name!r} has no \"experiment\" section (its variants, seeds and effects)")
    return project.experiment


def variant_project(project: Project, variant: str, seed: int | None = None) -> Project:
    """The base project with `variant`'s edits (and `seed`), without the experiment section; an edit that does
    not fit the project is a SpecError naming the variant and the path."""
    spec = experiment_of(project)
    chosen = spec.variant(variant)
    index = spec.variants.index(chosen)
    base = project.with_changes(experiment=None)
    edits = dict(chosen.edits)
    if seed is not None:
        edits["training.seed"] = seed
    try:
        out = apply_edits(base, edits)
    except SpecError as exc:
        raise SpecError(f"experiment.variants[{index}] ({chosen.name!r}): {exc}") from None
    return out.with_changes(name=f"{project.name}: {chosen.name}")


def expand(project: Project, seeds: tuple[int, ...] | None = None) -> list[PlannedRun]:
    """Every (variant, seed) run of the experiment, variants in their declared order, each over all seeds."""
    spec = experiment_of(project)
    seeds = spec.seeds if seeds is None else seeds
    return [PlannedRun(v.name, s, variant_project(project, v.name, s)) for v in spec.variants for s in seeds]
