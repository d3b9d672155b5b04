"""The catalogue of built-in datasets (what the GUI's picker lists) and loading one from a validated spec."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import SpecError
from ..registry import Registry
from . import playground, toys
from .dataset import Dataset
from .real import N_FEATURES, REAL, load_real

MIN_SAMPLES = 50
MAX_SAMPLES = 50_000


@dataclass(frozen=True)
class ParamInfo:
    """One adjustable parameter of a generated dataset (a spec key of the same name)."""

    name: str
    kind: str            # "int" | "float"
    default: float | int
    minimum: float | int
    maximum: float | int
    description: str


@dataclass(frozen=True)
class BuiltinInfo:
    name: str                       # the spec's "name" ("reg-plane")
    kind: str                       # "classification" | "regression" | "real"
    task: str                       # task of the default configuration
    two_d: bool                     # 2 input features (the playground's plots and feature crosses apply)
    n_features: int
    params: tuple[ParamInfo, ...]   # empty for real datasets
    description: str
    aliases: tuple[str, ...] = ()

    @property
    def generated(self) -> bool:
        return self.kind != "real"

    def param(self, name: str) -> ParamInfo:
        return next(p for p in self.params if p.name == name)


def _samples(default: int) -> ParamInfo:
    return ParamInfo("samples", "int", default, MIN_SAMPLES, MAX_SAMPLES, "number of points")


def _noise(default: float, meaning: str) -> ParamInfo:
    return ParamInfo("noise", "float", default, 0.0, 0.5, meaning)


FLIP = "label noise: labels come from the point shifted by noise x the data radius (flips labels near borders)"
SHIFT = "target noise: targets come from the point shifted by noise x U(-6, 6) per coordinate"

# (info, generator(n, noise, rng, **extra) -> (X, t), class names, target names)
_ENTRIES: list[tuple[BuiltinInfo, Callable, tuple[str, ...] | None, tuple[str, ...]]] = [
    (BuiltinInfo("circle", "classification", "binary", True, 2, (_samples(500), _noise(0.0, FLIP)),
                 "Playground: a disc (+1) inside a ring (-1)"),
     playground.circle, playground.CLASS_NAMES, ("label",)),
    (BuiltinInfo("xor", "classification", "binary", True, 2, (_samples(500), _noise(0.0, FLIP)),
                 "Playground: exclusive or of the quadrants (+1 where x1*x2 >= 0)", ("exclusive_or",)),
     playground.xor, playground.CLASS_NAMES, ("label",)),
    (BuiltinInfo("gauss", "classification", "binary", True, 2,
                 (_samples(500), _noise(0.0, "spread: variance 0.5 + 7 x noise (0.5 .. 4)")),
                 "Playground: two Gaussian clusters at (2, 2) (+1) and (-2, -2) (-1)", ("gaussian",)),
     playground.gauss, playground.CLASS_NAMES, ("label",)),
    (BuiltinInfo("spiral", "classification", "binary", True, 2,
                 (_samples(500), _noise(0.0, "jitter: noise x U(-1, 1) added to each coordinate")),
                 "Playground: two interleaved spiral arms"),
     playground.spiral, playground.CLASS_NAMES, ("label",)),
    (BuiltinInfo("reg-plane", "regression", "regression", True, 2, (_samples(1200), _noise(0.0, SHIFT)),
                 "Playground regression: the plane (x1 + x2) / 10", ("plane",)),
     playground.reg_plane, None, ("y",)),
    (BuiltinInfo("reg-gauss", "regression", "regression", True, 2, (_samples(1200), _noise(0.0, SHIFT)),
                 "Playground regression: six signed cones on a 3 x 2 grid", ("multi_gaussian",)),
     playground.reg_gauss, None, ("y",)),
    (BuiltinInfo("moons", "classification", "binary", True, 2,
                 (_samples(500), _noise(0.1, "Gaussian noise, standard deviation in moon radii")),
                 "Two interleaving half circles (scikit-learn's make_moons, scaled by 3)", ("two_moons",)),
     toys.moons, ("0", "1"), ("label",)),
    (BuiltinInfo("blobs", "classification", "multiclass", True, 2,
                 (_samples(500), _noise(0.1, "spread: standard deviation 0.5 + 3 x noise"),
                  ParamInfo("classes", "int", 3, 2, 10, "number of blobs (classes)")),
                 "k Gaussian blobs on a circle (multi-class)", ("gaussian_blobs",)),
     toys.blobs, None, ("label",)),
    (BuiltinInfo("spirals", "classification", "multiclass", True, 2,
                 (_samples(500), _noise(0.0, "jitter: noise x U(-1, 1) added to each coordinate"),
                  ParamInfo("arms", "int", 3, 2, 8, "number of spiral arms (classes)")),
                 "k interleaved spiral arms (multi-class)", ("spiral_arms",)),
     toys.spirals, None, ("label",)),
    (BuiltinInfo("checkerboard", "classification", "binary", True, 2,
                 (_samples(500), _noise(0.0, FLIP), ParamInfo("cells", "int", 4, 2, 10, "cells per side")),
                 "A checkerboard of two colours", ("checkers",)),
     toys.checkerboard, ("0", "1"), ("label",)),
    (BuiltinInfo("sine", "regression", "regression", False, 1,
                 (_samples(1200), _noise(0.1, "Gaussian noise added to y, standard deviation")),
                 "1-D regression: y = sin(x) on [-6, 6] plus noise", ("sin",)),
     toys.sine, None, ("y",)),
    (BuiltinInfo("reg-multi", "regression", "regression", True, 2,
                 (_samples(1200), _noise(0.05, "Gaussian noise added to each output, standard deviation")),
                 "Multi-output regression: a wave and a bowl over the plane", ("multi_output",)),
     toys.reg_multi, None, ("wave", "bowl")),
]

# Names and aliases resolve through a registry (nearest-name suggestions); its entries are the BuiltinInfo records.
DATASETS = Registry("dataset")
_GENERATORS: dict[str, tuple[Callable, tuple[str, ...] | None, tuple[str, ...]]] = {}

for _info, _gen, _classes, _targets in _ENTRIES:
    DATASETS.add(_info.name, _info, *_info.aliases)
    _GENERATORS[_info.name] = (_gen, _classes, _targets)

for _name, (_fn, _kw, _task, _target, _description) in REAL.items():
    _info = BuiltinInfo(_name, "real", _task, False, N_FEATURES[_name], (), _description,
                        ("cancer",) if _name == "breast_cancer" else ())
    DATASETS.add(_name, _info, *_info.aliases)

_BY_KEY: dict[str, BuiltinInfo] = dict(DATASETS.items())


def builtin_datasets() -> list[BuiltinInfo]:
    """Every built-in dataset, playground ones first, for the GUI's picker."""
    return list(_BY_KEY.values())


def builtin_info(name: str, where: str = "data.name") -> BuiltinInfo:
    """Look a dataset up by name or alias ("reg_plane", "Two moons"); SpecError with the nearest name if unknown.

    The message spells names as the docs and the picker do ("reg-plane"), not as the registry's keys ("reg_plane").
    """
    if isinstance(name, str) and name not in DATASETS:
        nearest = DATASETS.nearest(name)
        hint = f"; nearest: {_BY_KEY[nearest].name!r}" if nearest else ""
        known = ", ".join(sorted(info.name for info in _BY_KEY.values()))
        raise SpecError(f"{where}: unknown dataset {name!r}{hint}; known: {known}")
    return _BY_KEY[DATASETS.canonical(name, where)]


def load_builtin(spec: dict[str, Any]) -> Dataset:
    """Generate (seeded by spec["seed"]) or load the built-in dataset of a validated spec."""
    info = builtin_info(spec["name"])
    if not info.generated:
        return load_real(info.name)
    generate, class_names, target_names = _GENERATORS[info.name]
    extra = {p.name: spec.get(p.name, p.default) for p in info.params if p.name not in ("samples", "noise")}
    rng = np.random.default_rng(spec.get("seed", 0))
    X, t = generate(int(spec.get("samples", info.param("samples").default)),
                    float(spec.get("noise", info.param("noise").default)), rng, **extra)
    features = ("x1", "x2") if X.shape[1] == 2 else ("x1",)
    if info.kind == "regression":
        y = t.reshape(len(X), -1)
        return Dataset(info.name, X, y, "regression", features, None, target_names)
    if class_names == playground.CLASS_NAMES:
        t = playground.to_classes(t)   # the playground's -1/+1 labels
    k = int(extra.get("classes", extra.get("arms", 2)))
    names = class_names or tuple(str(i) for i in range(k))
    return Dataset(info.name, X, t.astype(np.int64), "binary" if k == 2 else "multiclass", features, names,
                   target_names)
