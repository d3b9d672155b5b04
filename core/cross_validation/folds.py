"""Which rows each fold trains and validates on, and each fold's prepared data.

The rows cross-validated are the project's training and validation rows (its split, exactly as `prepare` makes
it); the test rows stay held out. Folds are scikit-learn's `KFold` / `StratifiedKFold` over those rows in
ascending order, so they are sklearn's for the same seed. Each fold fits missing-value fill and scaling on its own
training rows, as a normal run fits them on its training split.

Row indices are into the loaded dataset's rows. A file that brings its own validation split (an .npz with X_val)
adds those rows after the dataset's: the first validation row of the file is row `n_samples`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data import Dataset, PreparedData, Preprocessor, Split, apply_crosses, build_crosses, prepare
from ..data.fill import refit_fill
from ..data.prepare import UNSCALED_BY_DEFAULT
from ..data.preprocess import fit_scaling
from ..data.spec import prepare_options
from .settings import PATH, ResolvedCrossValidation, check_folds


@dataclass(frozen=True, eq=False)
class FoldPlan:
    """The folds of one project's data: what every fold's training needs besides the project."""

    settings: ResolvedCrossValidation
    dataset: Dataset                              # the loaded dataset (with a file's own validation rows appended)
    rows: np.ndarray                              # (m,) sorted dataset rows cross-validated: training + validation
    test_rows: int                                # rows held out for the test split
    folds: tuple[tuple[np.ndarray, np.ndarray], ...]   # per fold: (training rows, validation rows), dataset rows

    def __len__(self) -> int:
        return len(self.folds)


def plan_folds(dataset: Dataset, data_spec: dict[str, Any], settings: ResolvedCrossValidation,
               path: str = PATH) -> FoldPlan:
    """The folds for `dataset` prepared as `data_spec` says; DataError naming `path.folds` if they cannot be
    filled."""
    from sklearn.model_selection import KFold, StratifiedKFold

    prepared = prepare(dataset, data_spec)
    parts = [prepared.train.rows]
    if "val" in dataset.predefined_splits:
        X_val, y_val = dataset.predefined_splits["val"]
        n = dataset.n_samples
        splits = {k: v for k, v in dataset.predefined_splits.items() if k != "val"}
        dataset = dataclasses.replace(dataset, X=np.vstack([dataset.X, X_val]),
                                      y=np.concatenate([dataset.y, y_val]), predefined_splits=splits)
        parts.append(np.arange(n, n + len(y_val), dtype=np.int64))
    elif prepared.val is not None:
        parts.append(prepared.val.rows)
    rows = np.sort(np.concatenate(parts)).astype(np.int64)
    y = dataset.y[rows]
    check_folds(settings, y, dataset.class_names if dataset.task in ("binary", "multiclass") else None, path)
    seed = settings.seed if settings.shuffle else None
    if settings.stratified:
        splitter = StratifiedKFold(settings.folds, shuffle=settings.shuffle, random_state=seed)
    else:
        splitter = KFold(settings.folds, shuffle=settings.shuffle, random_state=seed)
    folds = tuple((rows[train], rows[val]) for train, val in splitter.split(np.zeros((len(rows), 1)), y))
    test_rows = 0 if prepared.test is None else len(prepared.test)
    return FoldPlan(settings, dataset, rows, test_rows, folds)


def fold_data(plan: FoldPlan, data_spec: dict[str, Any], fold: int) -> PreparedData:
    """Fold `fold`'s training and validation splits (no test split), filled and scaled from its training rows."""
    train_rows, val_rows = plan.folds[fold]
    dataset = refit_fill(plan.dataset, train_rows)
    default_scaling = "none" if dataset.name in UNSCALED_BY_DEFAULT else "standard"
    options = prepare_options(data_spec, default_scaling, dataset.input_width == 2)
    crosses = build_crosses(options["features"], dataset.feature_names)
    crossed = apply_crosses(dataset.X, crosses, train_rows)
    preprocessor = Preprocessor(crosses, options["scaling"], *fit_scaling(crossed, options["scaling"]),
                                dataset.input_width)
    train = Split(preprocessor.scale_crossed(crossed), dataset.y[train_rows], train_rows)
    val = Split(preprocessor.scale_crossed(apply_crosses(dataset.X, crosses, val_rows)), dataset.y[val_rows],
                val_rows)
    return PreparedData(dataset, train, val, None, preprocessor)
