"""The `training.cross_validation` section: `{"folds": 5, "stratified": true, "shuffle": true, "seed": 0}`.

Parsed in two steps, because two of its defaults depend on the rest of the project: `parse_cross_validation`
checks the section alone (as the project loader does), `resolve` fills `stratified` from the data's task (true for
binary and multi-class) and `seed` from `training.seed`, and `check_folds` checks the fold count against the rows
and classes the data actually has. Every message names its place: `training.cross_validation.folds ...`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..config import ConfigReader
from ..errors import DataError, SpecError

PATH = "training.cross_validation"
STRATIFIABLE_TASKS = ("binary", "multiclass")
MAX_SEED = 2**32 - 1         # scikit-learn's splitters take a 32-bit seed
MAX_FOLDS = 10_000


@dataclass(frozen=True)
class CrossValidationSettings:
    """The section as written: None means 'the default for this project' (see `resolve`)."""

    folds: int = 5
    stratified: bool | None = None
    shuffle: bool = True
    seed: int | None = None

    def to_dict(self) -> dict:
        """The JSON form, with only the keys that were given (a project round-trips unchanged)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def with_changes(self, **changes: Any) -> "CrossValidationSettings":
        return replace(self, **changes)

    def resolve(self, task: str, training_seed: int, path: str = PATH) -> "ResolvedCrossValidation":
        """Every value decided for data of `task`; SpecError when stratifying a task without classes."""
        stratified = self.stratified
        if stratified is None:
            stratified = task in STRATIFIABLE_TASKS
        elif stratified and task not in STRATIFIABLE_TASKS:
            raise SpecError(f"{path}.stratified is true, but this is a {task} task: only class labels can be "
                            f"stratified; set {path}.stratified to false or leave it out")
        seed = self.seed
        if seed is None:
            if training_seed > MAX_SEED:
                raise SpecError(f"{path}.seed defaults to training.seed ({training_seed}), which is above "
                                f"{MAX_SEED}, the largest seed scikit-learn's splitters take; set {path}.seed")
            seed = training_seed
        return ResolvedCrossValidation(self.folds, bool(stratified), self.shuffle, int(seed))


@dataclass(frozen=True)
class ResolvedCrossValidation:
    folds: int
    stratified: bool
    shuffle: bool
    seed: int

    def to_dict(self) -> dict:
        return asdict(self)


def parse_cross_validation(obj: Any, path: str = PATH) -> CrossValidationSettings:
    """Validate the section on its own (null or missing: every default); unknown keys are errors."""
    if obj is None:
        return CrossValidationSettings()
    r = ConfigReader(obj, path)
    folds = r.int("folds", 5, minimum=2, maximum=MAX_FOLDS)
    stratified = r.bool("stratified", None) if r.raw("stratified", None) is not None else None
    shuffle = r.bool("shuffle", True)
    seed = r.int("seed", None, minimum=0, maximum=MAX_SEED) if r.raw("seed", None) is not None else None
    r.finish()
    return CrossValidationSettings(folds=folds, stratified=stratified, shuffle=shuffle, seed=seed)


def check_folds(settings: ResolvedCrossValidation, y: np.ndarray, class_names: tuple[str, ...] | None = None,
                path: str = PATH) -> None:
    """DataError naming `path.folds` when the rows to cross-validate (`y`, their targets) cannot fill the folds:
    fewer rows than folds, or (stratified) a class with fewer rows than folds."""
    k, n = settings.folds, len(y)
    if k > n:
        raise DataError(f"{path}.folds is {k}, but there are only {n} training and validation rows to split; "
                        f"give at most {n} folds")
    if settings.stratified:
        classes, counts = np.unique(np.asarray(y), return_counts=True)
        smallest = int(np.argmin(counts))
        if counts[smallest] < k:
            label = int(classes[smallest])
            name = class_names[label] if class_names and 0 <= label < len(class_names) else str(label)
            raise DataError(f"{path}.folds is {k}, but class {name!r} has only {counts[smallest]} training and "
                            f"validation rows, and stratified folds need one in every fold: give at most "
                            f"{counts[smallest]} folds, or set {path}.stratified to false")
