"""A project's optional `experiment` section: the runs that make an example a lesson.

An experiment is a set of runs, not one project: its variants (the contrast, e.g. sigmoid vs ReLU) are small
edits of the project by parameter path (`model.layers[0].activation`, the syntax of validation messages), trained
over its seeds; `watch` names the dashboard views to look at; each effect states a measurable quantity and the
order the variants must put it in, with a margin, and the sentence of the note it backs. The section is pure data
validated here like the rest of the project (errors name their place); the edits are checked against the project
when the experiment is expanded (`core/experiments`), because applying them needs the whole project.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .config import ConfigReader, check_float, check_int, describe
from .errors import SpecError

DIRECTIONS = ("increasing", "decreasing")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*")
# The measures an effect may name (computed by core/experiments/measures.py), and the reductions of a history
# column ("last:val_loss", "min:loss").
MEASURE_NAMES = ("grad_ratio", "dead_units", "hidden_saturation", "zero_weights", "near_zero_weights",
                 "weight_norm", "val_gap", "val_rise", "diverged", "val_confidence")
REDUCTIONS = ("last", "first", "min", "max", "mean", "final", "finding")
MEASURE_HELP = (f"{', '.join(MEASURE_NAMES)}, REDUCTION:KEY with REDUCTION one of {', '.join(REDUCTIONS[:-1])} and "
                "KEY a history column such as val_loss (final: the epoch whose weights the run ends with), or "
                "finding:CODE (1 when the diagnosis reports CODE)")


def is_measure(name: str) -> bool:
    reduction, _, key = name.partition(":")
    return name in MEASURE_NAMES or (reduction in REDUCTIONS and bool(key))


@dataclass(frozen=True)
class Variant:
    name: str
    edits: dict = field(default_factory=dict)       # {parameter path: value}
    note: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"name": self.name}
        if self.edits:
            out["edits"] = dict(self.edits)
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Effect:
    """`measure` (mean over seeds) along `order` goes in `direction`, each step by at least `margin`."""
    measure: str
    order: tuple[str, ...]
    direction: str = "increasing"
    margin: float = 0.0
    claim: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"measure": self.measure, "order": list(self.order), "direction": self.direction,
                               "margin": self.margin}
        if self.claim:
            out["claim"] = self.claim
        return out


@dataclass(frozen=True)
class ExperimentSpec:
    variants: tuple[Variant, ...]
    seeds: tuple[int, ...] = (0, 1, 2)
    watch: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = ()
    question: str = ""
    topic: str = ""

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise SpecError(f"experiment has no variant {name!r}; variants: {', '.join(v.name for v in self.variants)}")

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.question:
            out["question"] = self.question
        if self.topic:
            out["topic"] = self.topic
        out["seeds"] = list(self.seeds)
        if self.watch:
            out["watch"] = list(self.watch)
        out["variants"] = [v.to_dict() for v in self.variants]
        if self.effects:
            out["effects"] = [e.to_dict() for e in self.effects]
        return out


def parse_experiment(obj: Any, path: str = "experiment") -> ExperimentSpec:
    r = ConfigReader(obj, path)
    question = r.str("question", "")
    topic = r.str("topic", "")
    seeds_raw = r.raw("seeds", [0, 1, 2])
    if not isinstance(seeds_raw, list) or not seeds_raw:
        raise SpecError(f"{path}.seeds must be a non-empty list of seeds, got {describe(seeds_raw)}")
    seeds = tuple(check_int(s, f"{path}.seeds[{i}]", minimum=0) for i, s in enumerate(seeds_raw))
    watch_raw = r.raw("watch", [])
    if not isinstance(watch_raw, list) or not all(isinstance(w, str) and w for w in watch_raw):
        raise SpecError(f"{path}.watch must be a list of view names, got {describe(watch_raw)}")
    variants_raw = r.raw("variants")
    if not isinstance(variants_raw, list) or len(variants_raw) < 2:
        raise SpecError(f"{path}.variants must be a list of at least two variants (the contrast), "
                        f"got {describe(variants_raw)}")
    variants = tuple(_variant(v, f"{path}.variants[{i}]") for i, v in enumerate(variants_raw))
    names = [v.name for v in variants]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise SpecError(f"{path}.variants[{i}].name {name!r} is used twice")
    effects_raw = r.raw("effects", [])
    if not isinstance(effects_raw, list):
        raise SpecError(f"{path}.effects must be a list, got {describe(effects_raw)}")
    effects = tuple(_effect(e, f"{path}.effects[{i}]", names) for i, e in enumerate(effects_raw))
    r.finish()
    return ExperimentSpec(variants, seeds, tuple(watch_raw), effects, question, topic)


def _variant(obj: Any, path: str) -> Variant:
    r = ConfigReader(obj, path)
    name = r.str("name")
    if not name:
        raise SpecError(f"{path}.name must not be empty")
    edits = r.raw("edits", {})
    if not isinstance(edits, dict):
        raise SpecError(f"{path}.edits must be an object of {{parameter path: value}}, got {describe(edits)}")
    for key in edits:
        if not _PATH.fullmatch(key) or key.split(".")[0].split("[")[0] not in ("data", "model", "training"):
            raise SpecError(f"{path}.edits: {key!r} is not a parameter path such as 'training.optimizer.lr' or "
                            "'model.layers[0].activation'")
    note = r.str("note", "")
    r.finish()
    return Variant(name, dict(edits), note)


def _effect(obj: Any, path: str, names: list[str]) -> Effect:
    r = ConfigReader(obj, path)
    measure = r.str("measure")
    if not is_measure(measure):
        raise SpecError(f"{path}.measure {measure!r} is not a measure; measures: {MEASURE_HELP}")
    order = r.raw("order")
    if not isinstance(order, list) or len(order) < 2 or not all(isinstance(n, str) for n in order):
        raise SpecError(f"{path}.order must list at least two variant names, got {describe(order)}")
    for i, name in enumerate(order):
        if name not in names:
            raise SpecError(f"{path}.order[{i}] {name!r} is not a variant; variants: {', '.join(names)}")
    direction = r.str("direction", "increasing", choices=DIRECTIONS)
    margin = check_float(r.raw("margin", 0.0), f"{path}.margin", minimum=0.0)
    claim = r.str("claim", "")
    r.finish()
    return Effect(measure, tuple(order), direction, margin, claim)
