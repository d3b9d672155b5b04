"""Missing-value fill fitted on the training rows, as scaling is: held-out rows must not shape the values that
stand in for their own missing cells.

`load_dataset` fills a CSV's missing cells provisionally over all rows (a `Dataset` is always complete, for
previews and summaries) and records which cells they were in `Dataset.missing_cells`. `prepare` calls `refit_fill`
once the split is known: every recorded cell gets the training rows' column mean (numeric) or most frequent value
(categorical, the alphabetically first on ties), and the encoder, which travels with the model, records those
values for prediction.
"""
from __future__ import annotations

import copy
import dataclasses

import numpy as np

from ..errors import DataError
from .dataset import Dataset


def refit_fill(dataset: Dataset, train_rows: np.ndarray) -> Dataset:
    """`dataset` with its missing cells refilled from `train_rows`; unchanged if nothing was filled."""
    if not dataset.missing_cells:
        return dataset
    encoder = copy.deepcopy(dataset.encoder)
    X = np.array(dataset.X)
    start = 0
    for feature in encoder["features"]:
        width = len(feature["categories"]) if feature["type"] == "categorical" else 1
        rows = dataset.missing_cells.get(feature["column"])
        if rows is not None:
            present = np.setdiff1d(train_rows, rows, assume_unique=True)
            if not len(present):
                raise DataError(f"{dataset.name}, column {feature['column']!r}: every training row is missing this"
                                f" value, so there is nothing to fill it from; use data.missing \"drop\" or leave"
                                f" the column out with data.columns")
            block = X[:, start:start + width]
            if width == 1 and feature["type"] == "numeric":
                feature["fill"] = float(block[present, 0].mean())
                block[rows, 0] = feature["fill"]
            else:
                best = int(np.argmax(block[present].sum(axis=0)))     # categories are sorted: ties go first
                feature["fill"] = feature["categories"][best]
                block[rows] = 0.0
                block[rows, best] = 1.0
        start += width
    return dataclasses.replace(dataset, X=X, encoder=encoder)
