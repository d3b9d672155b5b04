"""Learning-rate schedules: torch's closed forms (golden values from torch.optim.lr_scheduler) and Keras'
ReduceLROnPlateau (sequences derived by hand from its documented rules)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from core.errors import SpecError, TrainingError, WeightsError
from core.schedules import SCHEDULES, ReduceOnPlateau, Schedule, get_schedule

GOLDEN = json.loads((Path(__file__).parent / "golden" / "optimizers_schedules.json").read_text())["schedules"]


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: json.dumps(c["config"]))
def test_closed_forms_match_pytorch(case):
    schedule = get_schedule(case["config"])
    got = [schedule.lr_at(epoch, case["base_lr"], case["total_epochs"]) for epoch in range(len(case["lrs"]))]
    assert got == pytest.approx(case["lrs"], rel=1e-9, abs=1e-15)


def test_closed_forms_by_hand():
    assert [get_schedule({"name": "step", "step_size": 2, "gamma": 0.5}).lr_at(e, 1.0) for e in range(5)] == [
        1.0, 1.0, 0.5, 0.5, 0.25]
    assert get_schedule({"name": "exponential", "gamma": 0.5}).lr_at(3, 0.8) == 0.1
    cosine = get_schedule({"name": "cosine", "t_max": 4, "eta_min": 0.1})
    # eta_min + (1 - eta_min) (1 + cos(pi e / 4)) / 2: 1, 0.1 + 0.45 (1 + sqrt(2)/2), 0.55, ..., 0.1 at e = 4
    assert [cosine.lr_at(e, 1.0) for e in range(5)] == pytest.approx(
        [1.0, 0.1 + 0.45 * (1 + math.sqrt(0.5)), 0.55, 0.1 + 0.45 * (1 - math.sqrt(0.5)), 0.1])
    warm = get_schedule({"name": "cosine", "warmup_epochs": 2, "warmup_start_factor": 0.5})
    # warm-up 0.5, 0.75 then cosine over the remaining 4 epochs of 6: 1, 0.5 (1 + cos(pi/4)), 0.5, ...
    assert [warm.lr_at(e, 1.0, total_epochs=6) for e in range(4)] == pytest.approx(
        [0.5, 0.75, 1.0, 0.5 * (1 + math.sqrt(0.5))])
    linear = get_schedule({"name": "linear", "start_factor": 0.5, "total_iters": 2})
    assert [linear.lr_at(e, 0.2) for e in range(4)] == pytest.approx([0.1, 0.15, 0.2, 0.2])
    assert get_schedule(None).lr_at(7, 0.3) == 0.3


def test_closed_forms_ignore_logs_and_have_no_state():
    for name in ("constant", "step", "exponential", "cosine", "linear"):
        config = {"name": name, **({"step_size": 2} if name == "step" else {}),
                  **({"gamma": 0.9} if name == "exponential" else {})}
        schedule = get_schedule(config)
        assert schedule.on_epoch_end(0, {"loss": 1.0}, 0.123) == 0.123
        assert schedule.state_dict() == {}
        schedule.load_state_dict({})
        with pytest.raises(WeightsError, match="unexpected wait"):
            schedule.load_state_dict({"wait": 1})


def test_cosine_needs_t_max_or_the_run_length():
    with pytest.raises(TrainingError, match="cosine needs t_max or the number of epochs"):
        get_schedule("cosine").lr_at(0, 0.1)
    with pytest.raises(TrainingError, match="the run has 3 epochs, not more than warmup_epochs \\(3\\)"):
        get_schedule({"name": "cosine", "warmup_epochs": 3}).lr_at(3, 0.1, total_epochs=3)


# --- ReduceLROnPlateau ------------------------------------------------------------------------------------------
def plateau_run(values, monitor="val_loss", lr=1.0, schedule=None, **kwargs):
    """The learning rate in force after each epoch end, feeding `values` as the monitored quantity."""
    schedule = schedule or get_schedule({"name": "reduce_on_plateau", "monitor": monitor, **kwargs})
    out = []
    for epoch, value in enumerate(values):
        assert schedule.lr_at(epoch, 1.0) == lr
        lr = schedule.on_epoch_end(epoch, {"loss": 0.0, monitor: value}, lr)
        out.append(lr)
    return out


def test_plateau_patience():
    # patience 2: epochs 2 and 3 do not improve on 0.9 -> halve after epoch 3; 0.8 improves; 5, 6 -> halve after 6
    got = plateau_run([1.0, 0.9, 0.9, 0.9, 0.8, 0.85, 0.85, 0.85], factor=0.5, patience=2)
    assert got == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_plateau_cooldown_follows_keras_order():
    # patience 1, cooldown 2, a flat loss: reduce after epoch 1; epoch 2 is cooldown (counter 2 -> 1);
    # epoch 3 leaves cooldown (1 -> 0, wait reset) and then counts wait = 1 >= patience: reduce again; and so on.
    got = plateau_run([1.0] * 7, factor=0.5, patience=1, cooldown=2)
    assert got == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]


def test_plateau_min_lr():
    # 1 -> 0.1 -> max(0.01, 0.05) = 0.05, then lr is no longer above min_lr and stays; as in Keras, `wait` is then
    # no longer reset: it counts the 3 epochs since the last reduction.
    schedule = get_schedule({"name": "reduce_on_plateau", "factor": 0.1, "patience": 1, "min_lr": 0.05})
    assert plateau_run([1.0] * 6, schedule=schedule) == [1.0, 0.1, 0.05, 0.05, 0.05, 0.05]
    assert schedule.wait == 3


def test_plateau_min_delta():
    # min_delta 0.1: 0.95 is not below 1.0 - 0.1 (reduce), 0.85 is below 0.9 (new best), 0.8 is not below 0.75.
    assert plateau_run([1.0, 0.95, 0.85, 0.8], factor=0.5, patience=1, min_delta=0.1) == [1.0, 0.5, 0.5, 0.25]


def test_plateau_mode_max_for_accuracy():
    values = [0.5, 0.6, 0.6, 0.7, 0.65]
    expected = [1.0, 1.0, 0.5, 0.5, 0.25]
    assert plateau_run(values, monitor="val_accuracy", factor=0.5, patience=1) == expected  # auto: "acc" -> max
    assert plateau_run(values, monitor="val_auc", factor=0.5, patience=1) == expected
    assert plateau_run(values, monitor="score", factor=0.5, patience=1, mode="max") == expected
    # minimising the same sequence: every rise is a failure to improve
    assert plateau_run(values, monitor="score", factor=0.5, patience=1, mode="min") == [1.0, 0.5, 0.25, 0.125,
                                                                                         0.0625]


def test_plateau_missing_monitor_fails_at_the_first_epoch_end():
    schedule = get_schedule({"name": "plateau"})
    with pytest.raises(TrainingError, match=r"monitors 'val_loss', which this run does not log; available: accuracy, "
                                            r"loss"):
        schedule.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.9}, 0.1)


def test_plateau_state_resumes_exactly_and_reset_forgets():
    values = [1.0, 0.9, 0.95, 0.97, 0.96, 0.99, 0.98, 0.97, 1.1, 1.2]
    kwargs = {"factor": 0.5, "patience": 2, "cooldown": 1}
    straight = plateau_run(values, **kwargs)
    first = get_schedule({"name": "reduce_on_plateau", **kwargs})
    head = plateau_run(values[:5], schedule=first, **kwargs)
    state = first.state_dict()
    assert set(state) == {"best", "wait", "cooldown_counter", "lr"}
    resumed = get_schedule(first.get_config())
    resumed.load_state_dict(state)
    tail = plateau_run(values[5:], schedule=resumed, lr=head[-1], **kwargs)
    assert head + tail == straight
    assert straight[-1] < 1.0
    resumed.reset()
    assert resumed.lr_at(0, 0.3) == 0.3 and resumed.wait == 0 and resumed.best == math.inf
    with pytest.raises(WeightsError, match="missing cooldown_counter"):
        resumed.load_state_dict({"best": 1.0, "wait": 0, "lr": 0.1})


def test_plateau_defaults_are_keras():
    schedule = get_schedule("reduce_on_plateau")
    assert isinstance(schedule, ReduceOnPlateau)
    assert schedule.get_config() == {"name": "reduce_on_plateau", "monitor": "val_loss", "factor": 0.1,
                                      "patience": 10, "mode": "auto", "min_delta": 1e-4, "cooldown": 0,
                                      "min_lr": 0.0}


# --- configuration ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", [
    {"name": "constant"}, {"name": "step", "step_size": 5, "gamma": 0.5}, {"name": "exponential", "gamma": 0.97},
    {"name": "cosine", "t_max": 30, "eta_min": 1e-5, "warmup_epochs": 3, "warmup_start_factor": 0.1},
    {"name": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 8},
    {"name": "reduce_on_plateau", "monitor": "val_accuracy", "factor": 0.5, "patience": 3, "mode": "max",
     "min_delta": 0.001, "cooldown": 2, "min_lr": 1e-6},
])
def test_config_round_trips_through_json(config):
    schedule = get_schedule(config)
    assert isinstance(schedule, Schedule)
    again = get_schedule(json.loads(json.dumps(schedule.get_config())))
    assert again.get_config() == schedule.get_config()
    assert {k: v for k, v in schedule.get_config().items() if k in config} == config


def test_every_schedule_is_registered():
    assert set(SCHEDULES.names()) == {"constant", "step", "exponential", "cosine", "linear", "reduce_on_plateau"}
    assert get_schedule({"name": "StepLR", "step_size": 2}).name == "step"
    assert get_schedule("ReduceLROnPlateau").name == "reduce_on_plateau"
    assert get_schedule({"name": "CosineAnnealingLR", "t_max": 5}).name == "cosine"
    assert get_schedule("cosine_annealing").name == "cosine"


@pytest.mark.parametrize("config,pattern", [
    ({"name": "cosinus"}, r"training\.schedule: unknown schedule 'cosinus'; nearest: 'cosine'"),
    ({"name": "step", "step": 3}, r"unknown argument 'step' for schedule 'step' \(did you mean 'step_size'\?\)"),
    ({"name": "step"}, r"training\.schedule\.step_size is required"),
    ({"name": "step", "step_size": 0}, r"training\.schedule\.step_size must be a positive integer, got 0"),
    ({"name": "step", "step_size": 2.5}, r"step_size must be an integer, got 2\.5"),
    ({"name": "exponential"}, r"training\.schedule\.gamma is required"),
    ({"name": "exponential", "gamma": -0.5}, r"training\.schedule\.gamma must be > 0, got -0\.5"),
    ({"name": "cosine", "t_max": 5, "warmup_epochs": 5}, r"t_max must be greater than warmup_epochs \(5\), got 5"),
    ({"name": "cosine", "eta_min": -1}, r"training\.schedule\.eta_min must be >= 0, got -1"),
    ({"name": "cosine", "warmup_start_factor": 0}, r"warmup_start_factor must be > 0, got 0"),
    ({"name": "linear", "start_factor": 1.5}, r"training\.schedule\.start_factor must be <= 1, got 1\.5"),
    ({"name": "linear", "total_iters": 0}, r"total_iters must be a positive integer, got 0"),
    ({"name": "reduce_on_plateau", "factor": 1.0}, r"training\.schedule\.factor must be < 1, got 1"),
    ({"name": "reduce_on_plateau", "mode": "maximum"}, r"mode must be one of auto, min, max; got 'maximum'"),
    ({"name": "reduce_on_plateau", "patience": -1}, r"patience must be an integer >= 0, got -1"),
    ({"name": "reduce_on_plateau", "monitor": ""}, r"monitor must be the name of a logged value"),
    ({"name": "reduce_on_plateau", "min_lr": -0.1}, r"min_lr must be >= 0, got -0\.1"),
])
def test_bad_configs_raise_readable_spec_errors(config, pattern):
    with pytest.raises(SpecError, match=pattern):
        get_schedule(config, "training.schedule")
