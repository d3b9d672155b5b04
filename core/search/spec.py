"""The `search` section of a project: what a hyperparameter search varies, how it chooses trials, and where they run.

    "search": {"method": "random", "seed": 0, "trials": 40, "timeout_s": null,
               "metric": "val_loss", "direction": "auto",
               "params": {"training.optimizer.lr": {"log_uniform": [1e-4, 1e-1]},
                          "model.layers[0].units": {"int": [4, 64], "log": true},
                          "model.hidden_layers": {"int": [1, 4]}},
               "pruning": "median", "folds": null, "refine": {"rounds": 0, "keep": 0.25},
               "workers": "auto", "scheduler": null}

`parse_section` checks the section alone (pure data, no project needed); `parse_search` (space.py) also checks each
parameter against the project it will edit. Every message names its place: `search.params['...'].int ...`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any

from ..config import ConfigReader, check_float, check_int, describe
from ..errors import SpecError
from ..path_syntax import parse_path

PATH = "search"
METHODS = ("grid", "random", "bayesian")
PRUNINGS = ("none", "median", "hyperband")
DIRECTIONS = ("auto", "minimize", "maximize")
KINDS = ("log_uniform", "uniform", "int", "choice")
HIDDEN_LAYERS = "model.hidden_layers"     # the network's depth: the first hidden layer (block) repeated
MAX_GRID = 10_000
MAX_TRIALS = 100_000
MAX_WORKERS = 4096
DEFAULT_TRIALS = 20
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/:]+:\d{1,5}$")


@dataclass(frozen=True)
class ParamSpec:
    """One searched setting. Ranges are [low, high] (both included); `steps` spaces a grid over a range."""

    path: str
    kind: str                           # KINDS
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False                   # log-spaced (always for log_uniform)
    choices: tuple = ()
    steps: int | None = None            # grid points over a range (log-spaced when log)

    @property
    def where(self) -> str:
        return f"{PATH}.params[{self.path!r}]"

    @property
    def numeric(self) -> bool:
        return self.kind != "choice"

    def grid_values(self) -> list:
        """The values a grid tries: every choice, `steps` points over a range, or every integer of an int range."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "int" and self.steps is None:
            return list(range(int(self.low), int(self.high) + 1))
        if self.steps is None:
            raise SpecError(f"{self.where} is a continuous range: a grid needs \"steps\": n, the number of values to "
                            "try over it")
        values = spaced(float(self.low), float(self.high), self.steps, self.log)
        if self.kind == "int":
            return list(dict.fromkeys(int(round(v)) for v in values))
        return list(dict.fromkeys(values))

    def to_dict(self) -> dict:
        if self.kind == "choice":
            return {"choice": list(self.choices)}
        out: dict[str, Any] = {self.kind: [self.low, self.high]}
        if self.kind == "int" and self.log:
            out["log"] = True
        if self.steps is not None:
            out["steps"] = self.steps
        return out


@dataclass(frozen=True)
class SearchSpec:
    params: tuple[ParamSpec, ...]
    method: str = "random"
    seed: int = 0
    trials: int | None = None           # None: the grid's size for a grid, else DEFAULT_TRIALS
    timeout_s: float | None = None      # no new trials after this many seconds (running ones finish)
    metric: str | None = None           # None: val_loss when the project has validation rows, else loss
    direction: str = "auto"             # DIRECTIONS
    pruning: str = "none"               # PRUNINGS
    folds: int | None = None            # each trial's value: the mean over k cross-validation folds
    refine_rounds: int = 0              # coarse-to-fine rounds after the first search
    refine_keep: float = 0.25           # each round searches the span of this best fraction of the trials
    workers: int | str = "auto"         # "auto": the machine's cores (local) or the whole cluster (scheduler)
    scheduler: str | None = None        # None: a local Dask cluster; "tcp://host:8786": an existing one

    def param(self, path: str) -> ParamSpec:
        for p in self.params:
            if p.path == path:
                return p
        raise KeyError(path)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.params)

    def grid_size(self) -> int:
        return math.prod(len(p.grid_values()) for p in self.params)

    @property
    def trials_per_round(self) -> int:
        if self.trials is not None:
            return min(self.trials, self.grid_size()) if self.method == "grid" else self.trials
        return self.grid_size() if self.method == "grid" else DEFAULT_TRIALS

    def with_changes(self, **changes: Any) -> "SearchSpec":
        """A copy with some fields replaced, checked again (the CLI's --trials, --workers, --scheduler)."""
        return parse_section(replace(self, **changes).to_dict())

    def to_dict(self) -> dict:
        """The JSON form (keys with their default values left out, so a project round-trips unchanged)."""
        out: dict[str, Any] = {"method": self.method}
        if self.seed:
            out["seed"] = self.seed
        if self.trials is not None:
            out["trials"] = self.trials
        if self.timeout_s is not None:
            out["timeout_s"] = self.timeout_s
        if self.metric is not None:
            out["metric"] = self.metric
        if self.direction != "auto":
            out["direction"] = self.direction
        out["params"] = {p.path: p.to_dict() for p in self.params}
        if self.pruning != "none":
            out["pruning"] = self.pruning
        if self.folds is not None:
            out["folds"] = self.folds
        if self.refine_rounds:
            out["refine"] = {"rounds": self.refine_rounds, "keep": self.refine_keep}
        if self.workers != "auto":
            out["workers"] = self.workers
        if self.scheduler is not None:
            out["scheduler"] = self.scheduler
        return out


def spaced(low: float, high: float, steps: int, log: bool) -> list[float]:
    """`steps` values from low to high, evenly spaced (in log space when `log`), the ends exact."""
    if steps == 1:
        return [low]
    if log:
        a, b = math.log(low), math.log(high)
        values = [math.exp(a + (b - a) * i / (steps - 1)) for i in range(steps)]
    else:
        values = [low + (high - low) * i / (steps - 1) for i in range(steps)]
    values[0], values[-1] = low, high
    return values


def parse_section(obj: Any, path: str = PATH) -> SearchSpec:
    """Validate the section on its own (`parse_search` in space.py also checks it against a project)."""
    r = ConfigReader(obj, path)
    method = r.str("method", "random", METHODS)
    seed = r.int("seed", 0, minimum=0, maximum=2**32 - 1)
    trials = _optional(r, "trials", lambda v, w: check_int(v, w, 1, MAX_TRIALS))
    timeout = _optional(r, "timeout_s", lambda v, w: check_float(v, w, 0, exclusive_minimum=True))
    metric = _optional(r, "metric", _check_text)
    direction = r.str("direction", "auto", DIRECTIONS)
    params = _parse_params(r.raw("params"), f"{path}.params")
    pruning = r.str("pruning", "none", PRUNINGS)
    folds = _optional(r, "folds", lambda v, w: check_int(v, w, 2, 10_000))
    rounds, keep = _parse_refine(r.raw("refine", None), f"{path}.refine")
    workers = _parse_workers(r.raw("workers", "auto"), f"{path}.workers")
    scheduler = _optional(r, "scheduler", check_scheduler)
    r.finish()
    spec = SearchSpec(params=params, method=method, seed=seed, trials=trials, timeout_s=timeout, metric=metric,
                      direction=direction, pruning=pruning, folds=folds, refine_rounds=rounds, refine_keep=keep,
                      workers=workers, scheduler=scheduler)
    if method == "grid":
        for p in params:
            p.grid_values()       # a continuous range without steps is refused here
        size = spec.grid_size()
        if size > MAX_GRID:
            counts = " x ".join(f"{len(p.grid_values())}" for p in params)
            raise SpecError(f"{path}.params: the grid has {size:,} combinations ({counts}), more than {MAX_GRID:,}; "
                            "use fewer values or \"method\": \"random\"")
    return spec


def check_scheduler(value: Any, where: str) -> str:
    """A Dask scheduler address: 'tcp://host:port' (or tls://, ws://, wss://, ucx://)."""
    if not isinstance(value, str) or not _ADDRESS.match(value.strip()):
        raise SpecError(f"{where} must be a Dask scheduler address like 'tcp://192.168.1.10:8786', got "
                        f"{describe(value)}")
    port = int(value.rsplit(":", 1)[1])
    if not 0 < port < 65536:
        raise SpecError(f"{where} has port {port}; a port is 1 to 65535")
    return value.strip()


def _optional(r: ConfigReader, key: str, check) -> Any:
    value = r.raw(key, None)
    return None if value is None else check(value, r.where(key))


def _check_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where} must be a logged key such as 'val_loss' or 'val_accuracy', got {describe(value)}")
    return value.strip()


def _parse_workers(value: Any, where: str) -> int | str:
    if value == "auto":
        return "auto"
    if isinstance(value, str):
        raise SpecError(f"{where} must be \"auto\" or a positive integer, got {describe(value)}")
    return check_int(value, where, 1, MAX_WORKERS)


def _parse_refine(value: Any, where: str) -> tuple[int, float]:
    if value is None:
        return 0, 0.25
    r = ConfigReader(value, where)
    rounds = r.int("rounds", 0, minimum=0, maximum=10)
    keep = r.float("keep", 0.25, minimum=0, maximum=1, exclusive_minimum=True, exclusive_maximum=True)
    r.finish()
    return rounds, keep


def _parse_params(value: Any, where: str) -> tuple[ParamSpec, ...]:
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be an object of setting paths and ranges, like "
                        f"{{\"training.optimizer.lr\": {{\"log_uniform\": [1e-4, 1e-1]}}}}, got {describe(value)}")
    if not value:
        raise SpecError(f"{where} is empty: the search space needs at least one parameter")
    return tuple(_parse_param(path, item, f"{where}[{path!r}]") for path, item in value.items())


def _parse_param(path: str, value: Any, where: str) -> ParamSpec:
    if path != HIDDEN_LAYERS:
        try:
            keys = parse_path(path)
        except SpecError as exc:
            raise SpecError(f"{where}: {exc}") from None
        if keys[0] not in ("data", "model", "training"):
            raise SpecError(f"{where}: only settings under data, model or training can be searched")
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be an object such as {{\"uniform\": [0, 1]}}, got {describe(value)}")
    kinds = [k for k in KINDS if k in value]
    if len(kinds) != 1:
        raise SpecError(f"{where} needs exactly one of {', '.join(KINDS)}; got "
                        f"{', '.join(map(repr, value)) or 'none'}")
    kind = kinds[0]
    r = ConfigReader(value, where)
    raw = r.raw(kind)
    if kind == "choice":
        r.finish()
        if not isinstance(raw, list) or not raw:
            raise SpecError(f"{where}.choice must be a non-empty list of values, got {describe(raw)}")
        seen: list = []
        for item in raw:
            if any(same_value(item, s) for s in seen):
                raise SpecError(f"{where}.choice lists {describe(item)} twice")
            seen.append(item)
        if path == HIDDEN_LAYERS:
            for i, item in enumerate(raw):
                check_int(item, f"{where}.choice[{i}]", 0, 64)
        return ParamSpec(path, "choice", choices=tuple(raw))
    log = kind == "log_uniform"
    if kind == "int":
        log = r.bool("log", False)
    steps = r.int("steps", None, minimum=1, maximum=MAX_GRID) if r.raw("steps", None) is not None else None
    r.finish()
    if not isinstance(raw, list) or len(raw) != 2:
        raise SpecError(f"{where}.{kind} must be [low, high], got {describe(raw)}")
    if kind == "int":
        low, high = (check_int(v, f"{where}.{kind}[{i}]") for i, v in enumerate(raw))
    else:
        low, high = (check_float(v, f"{where}.{kind}[{i}]") for i, v in enumerate(raw))
    if low >= high:
        raise SpecError(f"{where}.{kind} must have low < high, got [{low:g}, {high:g}]")
    if log and low <= 0:
        raise SpecError(f"{where} is on a log scale, so both bounds must be > 0, got [{low:g}, {high:g}]")
    if path == HIDDEN_LAYERS:
        if kind != "int":
            raise SpecError(f"{where}: the number of hidden layers takes \"int\": [low, high] or \"choice\"")
        if low < 0 or high > 64:
            raise SpecError(f"{where}.int must lie within [0, 64] hidden layers, got [{low}, {high}]")
    return ParamSpec(path, kind, low=low, high=high, log=log, steps=steps)


def same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values (True and 1 differ; 1 and 1.0 do not)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b
