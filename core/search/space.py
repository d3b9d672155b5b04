"""A search's parameters applied to a project: each trial's project, the checks made before any trial starts, the
Optuna distributions (Optuna imported only here, only when asked), and the narrower space of a refining round.

`model.hidden_layers` sets the network's depth: the first hidden block (the first dense layer and the dropout,
normalisation or activation layers after it, up to the next dense layer) is repeated that many times, and every
other hidden layer is replaced; layers before the first dense layer and the output layer (the last dense layer and
what follows it) stay. Other parameters are applied first, so `model.layers[0].units` sets every repeated layer.
"""
from __future__ import annotations

import copy
import math
from typing import Any, Iterable, Mapping, Sequence

from ..config import describe
from ..errors import SpecError
from ..project import Project, parse_project
from ..project_paths import parse_path, with_value
from .spec import HIDDEN_LAYERS, PATH, ParamSpec, SearchSpec, parse_section, same_value

SCALARS = (str, int, float, bool, type(None))


def base_object(project: Project | Mapping) -> dict:
    """The project's JSON form without its `search` section (a trial's project searches nothing)."""
    obj = project.to_dict() if hasattr(project, "to_dict") else copy.deepcopy(dict(project))
    obj.pop("search", None)
    return obj


def trial_object(base: Mapping, params: Mapping[str, Any]) -> dict:
    """The project JSON a trial trains: `base` with each parameter's value set (the depth last)."""
    obj = copy.deepcopy(dict(base))
    for path, value in params.items():
        if path != HIDDEN_LAYERS:
            obj = with_value(obj, path, value)
    if HIDDEN_LAYERS in params:
        obj["model"]["layers"] = with_depth(obj["model"]["layers"], int(params[HIDDEN_LAYERS]))
    return obj


def with_params(project: Project, params: Mapping[str, Any]) -> Project:
    """`project` with a trial's values applied, its `search` section kept: what the app's *Use best* makes."""
    obj = trial_object(base_object(project), params)
    return parse_project(obj, project.base_dir, "the trial's project").with_changes(search=project.search)


def hidden_block(layers: Sequence[Mapping]) -> tuple[int, int, int]:
    """(start, end, output) indices: the first hidden block is layers[start:end], the output starts at `output`.
    SpecError when there is no hidden dense layer before the output layer."""
    dense = [i for i, layer in enumerate(layers) if layer.get("type") == "dense"]
    if len(dense) < 2:
        raise SpecError(f"{HIDDEN_LAYERS} repeats the first hidden dense layer, but this network has "
                        f"{'no dense layer' if not dense else 'only its output layer'}; add a hidden dense layer")
    return dense[0], dense[1], dense[-1]


def with_depth(layers: Sequence[Mapping], depth: int) -> list[dict]:
    """`layers` with `depth` copies of the first hidden block between the input layers and the output layer."""
    start, end, output = hidden_block(layers)
    block = [copy.deepcopy(dict(layer)) for layer in layers[start:end]]
    return ([copy.deepcopy(dict(layer)) for layer in layers[:start]] + [copy.deepcopy(layer) for _ in range(depth)
            for layer in block] + [copy.deepcopy(dict(layer)) for layer in layers[output:]])


def candidates(param: ParamSpec) -> list:
    """Values that stand for the whole parameter when checking it: every choice, or a range's ends and a point
    between them that is not a whole number (a setting that takes only integers refuses it)."""
    if param.kind == "choice":
        return list(param.choices)
    if param.kind == "int":
        return [int(param.low), int(param.high)]
    low, high = float(param.low), float(param.high)
    middle = math.sqrt(low * high) if param.log else (low + high) / 2
    if float(middle).is_integer():
        middle = math.nextafter(middle, high)
    return [low, middle, high]


def parse_search(obj: Any, path: str = PATH, project: Project | None = None) -> SearchSpec:
    """The `search` section validated on its own (`spec.parse_section`) and, with `project`, every parameter checked
    against it (`check_search`)."""
    spec = parse_section(obj, path)
    if project is not None:
        check_search(spec, project)
    return spec


def check_search(spec: SearchSpec, project: Project) -> None:
    """SpecError naming `search.params[...]` unless every parameter's values make a valid project (checked one
    parameter at a time, the others at the project's values), before any trial starts."""
    base = base_object(project)
    layers = base["model"]["layers"]
    if HIDDEN_LAYERS in spec.paths:
        where = spec.param(HIDDEN_LAYERS).where
        try:
            start, end, output = hidden_block(layers)
        except SpecError as exc:
            raise SpecError(f"{where}: {exc}") from None
        for param in spec.params:
            keys = parse_path(param.path) if param.path != HIDDEN_LAYERS else ()
            if keys[:2] == ("model", "layers") and len(keys) > 2 and isinstance(keys[2], int) \
                    and (keys[2] < len(layers)) and end <= keys[2] < output:
                raise SpecError(f"{param.where}: model.layers[{keys[2]}] is replaced when {HIDDEN_LAYERS} is searched "
                                f"(the hidden layers become copies of model.layers[{start}:{end}]); search a setting "
                                f"of model.layers[{start}] instead")
    for param in spec.params:
        for value in candidates(param):
            try:
                parse_project(trial_object(base, {param.path: value}), project.base_dir, "the trial's project")
            except SpecError as exc:
                raise SpecError(f"{param.where}: the value {describe(value)} would be refused: {exc}") from None


# --- Optuna's view of the space --------------------------------------------------------------------------------------
def encoded_choices(param: ParamSpec) -> list:
    """What Optuna stores for a choice: the values when all are plain (text, numbers, true/false, null), else their
    indices (a choice of optimizer objects)."""
    if all(isinstance(c, SCALARS) for c in param.choices):
        return list(param.choices)
    return list(range(len(param.choices)))


def distributions(params: Iterable[ParamSpec]) -> dict:
    """{path: Optuna distribution}."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out = {}
    for p in params:
        if p.kind == "choice":
            out[p.path] = CategoricalDistribution(encoded_choices(p))
        elif p.kind == "int":
            out[p.path] = IntDistribution(int(p.low), int(p.high), log=p.log)
        else:
            out[p.path] = FloatDistribution(float(p.low), float(p.high), log=p.log)
    return out


def grid_space(params: Iterable[ParamSpec]) -> dict[str, list]:
    """{path: values} for Optuna's GridSampler (choices encoded as Optuna stores them)."""
    return {p.path: encoded_choices(p) if p.kind == "choice" else p.grid_values() for p in params}


def decode(params: Iterable[ParamSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Optuna's parameter values -> the settings' values (choice indices back to the objects they stand for)."""
    out = {}
    for p in params:
        value = values[p.path]
        if p.kind == "choice" and encoded_choices(p) != list(p.choices):
            value = copy.deepcopy(p.choices[int(value)])
        elif p.kind == "int":
            value = int(value)
        elif p.kind != "choice":
            value = float(value)
        out[p.path] = value
    return out


# --- coarse to fine --------------------------------------------------------------------------------------------------
def narrow(params: Sequence[ParamSpec], best: Sequence[Mapping[str, Any]], keep: float) -> tuple[ParamSpec, ...]:
    """The space of the next refining round: each range shrunk to the span of the best trials' values (`best`),
    but never below `keep` of its width (widened evenly on both sides, on a log scale for log ranges, and kept
    inside the old range); each choice cut to the values the best trials used."""
    if not best:
        return tuple(params)
    out = []
    for p in params:
        values = [b[p.path] for b in best if p.path in b]
        if not values:
            out.append(p)
        elif p.kind == "choice":
            kept = tuple(c for c in p.choices if any(same_value(c, v) for v in values))
            out.append(ParamSpec(p.path, "choice", choices=kept or p.choices))
        else:
            out.append(_narrow_range(p, values, keep))
    return tuple(out)


def _narrow_range(p: ParamSpec, values: list, keep: float) -> ParamSpec:
    to = math.log if p.log else (lambda v: v)
    back = math.exp if p.log else (lambda v: v)
    lo_all, hi_all = to(float(p.low)), to(float(p.high))
    points = [to(float(v)) for v in values]
    lo, hi = min(points), max(points)
    width = keep * (hi_all - lo_all)
    if hi - lo < width:
        centre = (lo + hi) / 2
        lo, hi = centre - width / 2, centre + width / 2
        shift = max(0.0, lo_all - lo) - max(0.0, hi - hi_all)
        lo, hi = max(lo_all, lo + shift), min(hi_all, hi + shift)
    low, high = back(lo), back(hi)
    if p.kind == "int":
        low, high = max(int(p.low), math.floor(low + 1e-9)), min(int(p.high), math.ceil(high - 1e-9))
        return ParamSpec(p.path, "int", low=low, high=max(low, high), log=p.log, steps=p.steps)
    low, high = max(float(p.low), low), min(float(p.high), high)
    return ParamSpec(p.path, p.kind, low=low, high=high, log=p.log, steps=p.steps)


def encode(params: Iterable[ParamSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings' values -> Optuna's (a choice of objects by its index in `params`' choices)."""
    out = {}
    for p in params:
        value = values[p.path]
        if p.kind == "choice" and encoded_choices(p) != list(p.choices):
            value = next(i for i, c in enumerate(p.choices) if same_value(c, value))
        out[p.path] = value
    return out


def space_json(params: Iterable[ParamSpec]) -> dict[str, Any]:
    """{path: the parameter's spec JSON}: what a refining round searched."""
    return {p.path: p.to_dict() for p in params}


def space_params(saved: Mapping[str, Mapping[str, Any]]) -> tuple[ParamSpec, ...]:
    """`space_json`'s output read back (a refined range may have shrunk to one value, which a spec refuses)."""
    out = []
    for path, item in saved.items():
        if "choice" in item:
            out.append(ParamSpec(path, "choice", choices=tuple(item["choice"])))
            continue
        kind = next(k for k in ("log_uniform", "uniform", "int") if k in item)
        low, high = item[kind]
        out.append(ParamSpec(path, kind, low=low, high=high, log=kind == "log_uniform" or bool(item.get("log")),
                             steps=item.get("steps")))
    return tuple(out)
