"""From a `Dataset` to what a trainer consumes: a seeded split, missing-value fill and scaling fitted on the
training rows, feature crosses."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .builtin import builtin_datasets
from ..tasks import CLASSIFICATION_TASKS
from .dataset import Dataset
from .fill import refit_fill
from .preprocess import Preprocessor, apply_crosses, build_crosses, fit_scaling
from .spec import prepare_options
from .splits import split_rows

# Generated toys are already on a small, centred scale (the playground does not rescale them).
UNSCALED_BY_DEFAULT = frozenset(info.name for info in builtin_datasets() if info.generated)
SPLIT_STREAM = 1   # the split generator is seeded with (seed, SPLIT_STREAM): independent of data generation


@dataclass(frozen=True, eq=False)
class Split:
    X: np.ndarray      # (m, d') float64 after crosses and scaling
    y: np.ndarray      # as Dataset.y
    rows: np.ndarray   # (m,) int64 row indices into the Dataset (into predefined_splits[name] for a file's split)

    def __len__(self) -> int:
        return int(self.X.shape[0])


@dataclass(frozen=True, eq=False)
class PreparedData:
    dataset: Dataset
    train: Split
    val: Split | None
    test: Split | None
    preprocessor: Preprocessor

    @property
    def task(self) -> str:
        return self.dataset.task

    @property
    def n_classes(self) -> int:
        return self.dataset.n_classes

    @property
    def n_outputs(self) -> int:
        return self.dataset.n_outputs

    @property
    def input_width(self) -> int:
        """d': the network's input width, after crosses."""
        return self.preprocessor.width

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.preprocessor.feature_names

    @property
    def class_names(self) -> tuple[str, ...] | None:
        return self.dataset.class_names


def prepare(dataset: Dataset, spec: dict[str, Any]) -> PreparedData:
    """Crosses + split + scaling for `dataset`, from the spec's seed, features, scaling and split keys.

    A split the file predefines (an NPZ's X_val/X_test, an IDX test set) replaces the fraction for that split.
    Filled missing cells are refilled from the training rows, so `PreparedData.dataset` (and its encoder, which is
    saved with the model) may differ from `dataset` there.
    """
    default_scaling = "none" if dataset.name in UNSCALED_BY_DEFAULT else "standard"
    options = prepare_options(spec, default_scaling, dataset.input_width == 2)
    crosses = build_crosses(options["features"], dataset.feature_names)
    fractions = dict(options["split"])
    for name in dataset.predefined_splits:
        fractions[name] = 0.0
    labels = dataset.y if dataset.task in CLASSIFICATION_TASKS else None
    rng = np.random.default_rng((options["seed"], SPLIT_STREAM))
    train_rows, val_rows, test_rows = split_rows(dataset.n_samples, fractions["val"], fractions["test"], rng, labels)
    dataset = refit_fill(dataset, train_rows)     # missing cells: training-row values, as scaling below
    crossed = apply_crosses(dataset.X, crosses, train_rows)
    preprocessor = Preprocessor(crosses, options["scaling"], *fit_scaling(crossed, options["scaling"]),
                                dataset.input_width)
    train = Split(preprocessor.scale_crossed(crossed), dataset.y[train_rows], train_rows)

    def split_for(name: str, rows: np.ndarray) -> Split | None:
        if name in dataset.predefined_splits:
            X, y = dataset.predefined_splits[name]
            return Split(preprocessor.transform(X), np.array(y), np.arange(len(X), dtype=np.int64))
        if not len(rows):
            return None
        return Split(preprocessor.scale_crossed(apply_crosses(dataset.X, crosses, rows)), dataset.y[rows], rows)

    return PreparedData(dataset, train, split_for("val", val_rows), split_for("test", test_rows), preprocessor)
