"""Comparing two training histories as the trainer documents them: equal values, nan equal to nan, and the ranking
metric (`auc`, `val_auc`), which is logged at most once a second, compared only at epochs where both have it."""
from __future__ import annotations

import math

from core.epoch_metrics import RANKING_KEYS


def assert_same_history(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for key in a:
        assert len(a[key]) == len(b[key]), key
        paced = key in RANKING_KEYS
        for epoch, (x, y) in enumerate(zip(a[key], b[key])):
            if math.isnan(x) or math.isnan(y):
                assert paced or (math.isnan(x) and math.isnan(y)), (key, epoch, x, y)
            else:
                assert x == y, (key, epoch, x, y)
