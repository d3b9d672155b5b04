"""What docs/optimizers.md and docs/project-format.md claim about gradient clipping and monitor directions, as
behaviour (issue 14, item 18; the NPZ many-classes claim is in test_files_bad_input)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.early_stopping import EarlyStopping
from core.gradient_clipping import clip_gradient
from core.schedules import ReduceOnPlateau


def test_with_both_clips_values_are_clipped_first_then_the_norm():
    G = np.array([3.0, -4.0, 0.1])
    clip_gradient(G, clip_value=2.0, clip_norm=1.0)
    first = np.array([2.0, -2.0, 0.1])
    expected = first * (1.0 / (math.sqrt(float(first @ first)) + 1e-6))
    np.testing.assert_allclose(G, expected, rtol=1e-12)
    assert np.linalg.norm(G) <= 1.0                      # the norm bound holds for the step taken
    other_order = np.clip(np.array([3.0, -4.0, 0.1]) / 5.0, -2.0, 2.0)
    assert not np.allclose(G, other_order)


@pytest.mark.parametrize("monitor", ["val_accuracy", "val_auc", "val_f1", "val_precision", "recall", "val_r2"])
def test_auto_mode_maximises_higher_is_better_metrics_as_keras_3(monitor):
    plateau = ReduceOnPlateau(monitor=monitor, patience=0, factor=0.5, min_delta=0.0)
    assert plateau.maximizing
    stopping = EarlyStopping(monitor=monitor, patience=0)
    stopping.on_epoch_end(0, {monitor: 0.5})
    assert stopping.on_epoch_end(1, {monitor: 0.6}) == (True, False)     # higher is an improvement
    assert stopping.on_epoch_end(2, {monitor: 0.55}) == (False, True)    # lower is not


@pytest.mark.parametrize("monitor", ["val_loss", "loss", "val_mae", "mse"])
def test_auto_mode_minimises_everything_else(monitor):
    assert not ReduceOnPlateau(monitor=monitor).maximizing
