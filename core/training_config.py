"""The `training` section of a project: loss, optimizer, batches, epochs, seed, dtype, schedule, early stopping,
clipping, class weights, the diagnostics budget, cross-validation and the error the diagnosis aims at. Parsed
once into a frozen `TrainingConfig`."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .config import ConfigReader, check_float, describe
from .errors import SpecError

DEFAULT_OPTIMIZER = {"name": "adam", "lr": 0.001}
# Diagnostics snapshots take at most this share of training time and come at most this often. 25 a second gives a
# heat map a column every 40 ms, so even a one-second run shows how its gradients moved.
DIAGNOSTICS_BUDGET = 0.012
DIAGNOSTICS_RATE = 25.0


@dataclass(frozen=True)
class TrainingConfig:
    loss: Any = None                      # name or {"name": ..., **args}; None: chosen from the data's task
    optimizer: Any = field(default_factory=lambda: dict(DEFAULT_OPTIMIZER))
    batch_size: int = 32
    epochs: int = 100
    shuffle: bool = True
    seed: int = 0
    dtype: str = "float32"
    schedule: Any = None                  # None means constant
    early_stopping: dict | None = None
    clip_norm: float | None = None        # clip gradients by global L2 norm (torch's clip_grad_norm_)
    clip_value: float | None = None       # clip each gradient entry to [-v, v] (torch's clip_grad_value_)
    class_weight: Any = None              # None | "balanced" | [w0, w1, ...] | {"0": w0, ...}
    diagnostics_budget: float = DIAGNOSTICS_BUDGET   # fraction of training time diagnostics snapshots may take
    diagnostics_rate: float = DIAGNOSTICS_RATE   # at most this many snapshots per second
    cross_validation: Any = None          # CrossValidationSettings | None (core/cross_validation/settings.py)
    target_error: float | None = None     # the error the diagnosis measures bias against; None: the task's default

    def with_changes(self, **changes: Any) -> "TrainingConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.loss is not None:
            out["loss"] = self.loss
        out.update({"optimizer": self.optimizer, "batch_size": self.batch_size, "epochs": self.epochs,
                    "shuffle": self.shuffle, "seed": self.seed, "dtype": self.dtype})
        if self.schedule is not None:
            out["schedule"] = self.schedule
        if self.early_stopping is not None:
            out["early_stopping"] = self.early_stopping
        clip = {}
        if self.clip_norm is not None:
            clip["norm"] = self.clip_norm
        if self.clip_value is not None:
            clip["value"] = self.clip_value
        if clip:
            out["clip"] = clip
        if self.class_weight is not None:
            out["class_weight"] = self.class_weight
        if (self.diagnostics_budget, self.diagnostics_rate) != (DIAGNOSTICS_BUDGET, DIAGNOSTICS_RATE):
            out["diagnostics"] = {"budget": self.diagnostics_budget, "max_rate": self.diagnostics_rate}
        if self.cross_validation is not None:
            out["cross_validation"] = self.cross_validation.to_dict()
        if self.target_error is not None:
            out["target_error"] = self.target_error
        return out


def parse_training(obj: Any, path: str = "training") -> TrainingConfig:
    """Validate a `training` section; every problem names its path and the value received."""
    from .early_stopping import EarlyStopping
    from .losses import get_loss
    from .optimizers import get_optimizer
    from .schedules import get_schedule

    if obj is None:
        obj = {}
    r = ConfigReader(obj, path)
    loss = r.raw("loss", None)
    if loss is not None:
        get_loss(loss, f"{path}.loss")
    optimizer = r.raw("optimizer", dict(DEFAULT_OPTIMIZER))
    if isinstance(optimizer, str):
        optimizer = {"name": optimizer}
    get_optimizer(optimizer, f"{path}.optimizer")
    schedule = r.raw("schedule", None)
    if schedule is not None:
        get_schedule(schedule, f"{path}.schedule")
    early = r.raw("early_stopping", None)
    if early is not None:
        EarlyStopping.from_config(early, f"{path}.early_stopping")
    clip_norm = clip_value = None
    clip = r.raw("clip", None)
    if clip is not None:
        c = ConfigReader(clip, f"{path}.clip")
        clip_norm = c.float("norm", None, minimum=0.0, exclusive_minimum=True)
        clip_value = c.float("value", None, minimum=0.0, exclusive_minimum=True)
        c.finish()
    class_weight = _class_weight(r.raw("class_weight", None), f"{path}.class_weight")
    budget, rate = DIAGNOSTICS_BUDGET, DIAGNOSTICS_RATE
    diagnostics = r.raw("diagnostics", None)
    if diagnostics is not None:
        d = ConfigReader(diagnostics, f"{path}.diagnostics")
        budget = d.float("budget", DIAGNOSTICS_BUDGET, minimum=0.0, maximum=1.0)
        rate = d.float("max_rate", DIAGNOSTICS_RATE, minimum=0.0)
        d.finish()
    cross_validation = None
    if r.raw("cross_validation", None) is not None:
        # Imported here: core.cross_validation imports the project (and so this module) at its top.
        from .cross_validation.settings import parse_cross_validation
        cross_validation = parse_cross_validation(r.raw("cross_validation", None), f"{path}.cross_validation")
    config = TrainingConfig(
        loss=loss,
        optimizer=optimizer,
        batch_size=r.int("batch_size", 32, minimum=1, maximum=10_000_000),
        epochs=r.int("epochs", 100, minimum=1, maximum=10_000_000),
        shuffle=r.bool("shuffle", True),
        seed=r.int("seed", 0, minimum=0, maximum=2**63 - 1),
        dtype=r.str("dtype", "float32", choices=("float32", "float64")),
        schedule=schedule,
        early_stopping=early,
        clip_norm=clip_norm,
        clip_value=clip_value,
        class_weight=class_weight,
        diagnostics_budget=budget,
        diagnostics_rate=rate,
        cross_validation=cross_validation,
        target_error=r.float("target_error", None, minimum=0.0, maximum=1.0),
    )
    r.finish()
    return config


MAX_CLASS_DIGITS = 6


def _class_weight(value: Any, where: str) -> Any:
    if value is None or value == "balanced":
        return value
    if isinstance(value, list):
        for i, w in enumerate(value):
            check_float(w, f"{where}[{i}]", minimum=0.0)
        return value
    if isinstance(value, dict):
        for key, w in value.items():
            # ASCII digits only: "²" passes str.isdigit() but not int(); a class index has a few digits at most.
            if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= MAX_CLASS_DIGITS):
                raise SpecError(f"{where} keys must be class indices like \"0\" (at most {MAX_CLASS_DIGITS} "
                                f"digits), got {describe(key)}")
            check_float(w, f"{where}.{key}", minimum=0.0)
        return value
    raise SpecError(f"{where} must be \"balanced\", a list of weights or an object, got {describe(value)}")
