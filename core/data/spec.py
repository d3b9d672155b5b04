"""Validation of the project's `data` section: every key checked, defaults filled, unknown keys rejected.

`validate_data_spec` is idempotent (validating its output returns an equal dict), so loaders can call it on
specs that may or may not have been validated already. The reference is docs/data.md.
"""
from __future__ import annotations

import difflib
from typing import Any

from ..config import ConfigReader, check_int, describe
from ..errors import SpecError
from .builtin import builtin_info
from .points import points_options
from .preprocess import CROSSES, SCALINGS
from .targets import TASK_CHOICES

SOURCES = ("builtin", "csv", "npz", "idx", "points")
MISSING_POLICIES = ("error", "drop", "fill")
DEFAULT_SPLIT = {"val": 0.2, "test": 0.0}
DELIMITERS = {"auto": None, ",": ",", ";": ";", "\t": "\t", "|": "|", "tab": "\t", "comma": ",",
              "semicolon": ";", "pipe": "|", " ": " ", "space": " "}
MAX_SEED = 2 ** 63 - 1


def validate_data_spec(obj: Any, path: str = "data") -> dict:
    """A normalised copy of a `data` section with every default filled in; SpecError naming the bad key."""
    r = ConfigReader(obj, path)
    source = r.str("source", choices=SOURCES)
    out: dict[str, Any] = {"source": source}
    two_d = False
    if source == "builtin":
        info = builtin_info(r.raw("name"), r.where("name"))
        out["name"] = info.name
        for p in info.params:
            read = r.int if p.kind == "int" else r.float
            out[p.name] = read(p.name, p.default, minimum=p.minimum, maximum=p.maximum)
        two_d = info.two_d
        default_features = ["x1", "x2"] if info.two_d else (["x1"] if info.n_features == 1 else None)
        default_scaling = "none" if info.generated else "standard"
    else:
        default_features, default_scaling = None, "standard"
        if source == "csv":
            out.update(_csv_options(r))
        elif source == "points":
            out.update(points_options(r))
            two_d = len(out["X"][0]) == 2
        elif source == "npz":
            out["path"] = _path(r, "path")
            out["task"] = r.str("task", "auto", choices=TASK_CHOICES)
        else:
            out["images"] = _path(r, "images")
            out["labels"] = _path(r, "labels")
            if r.has("test_images") or r.has("test_labels"):
                out["test_images"] = _path(r, "test_images")
                out["test_labels"] = _path(r, "test_labels")
    out["seed"] = r.int("seed", 0, minimum=0, maximum=MAX_SEED)
    out["features"] = _features(r.raw("features", default_features), r.where("features"), two_d)
    out["scaling"] = r.str("scaling", default_scaling, choices=SCALINGS)
    out["split"] = validate_split(r.raw("split", DEFAULT_SPLIT), r.where("split"))
    r.finish()
    return out


def validate_split(obj: Any, path: str) -> dict:
    r = ConfigReader(obj, path)
    val = r.float("val", DEFAULT_SPLIT["val"], minimum=0.0, maximum=1.0, exclusive_maximum=True)
    test = r.float("test", DEFAULT_SPLIT["test"], minimum=0.0, maximum=1.0, exclusive_maximum=True)
    r.finish()
    if val + test >= 1:
        raise SpecError(f"{path}: val + test must be below 1 so some rows train, got {val:g} + {test:g}")
    return {"val": val, "test": test}


def _features(value: Any, where: str, two_d: bool) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where} must be a non-empty list of feature crosses ({', '.join(CROSSES)}) or null, "
                        f"got {describe(value)}")
    seen = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in CROSSES:
            near = difflib.get_close_matches(str(name), list(CROSSES), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            extra = "" if two_d or near else "; to choose CSV columns use data.columns"
            raise SpecError(f"{where}[{i}]: unknown feature cross {name!r}{hint}; known: {', '.join(CROSSES)}{extra}")
        if name in seen:
            raise SpecError(f"{where}[{i}]: {name!r} is listed twice")
        seen.add(name)
    return [name for name in CROSSES if name in seen]   # the canonical order, so equal sets give equal inputs


def _path(r: ConfigReader, key: str) -> str:
    value = r.str(key)
    if not value.strip():
        raise SpecError(f"{r.where(key)} must be a file path, got an empty string")
    if "\0" in value:
        raise SpecError(f"{r.where(key)} must be a file path, got {describe(value)}, which contains a NUL byte")
    return value


def _column_ref(value: Any, where: str) -> str | int:
    if isinstance(value, str):
        if not value:
            raise SpecError(f"{where} must be a column name or index, got an empty string")
        return value
    return check_int(value, where)


def _column_list(value: Any, where: str, allow_empty: bool) -> list[str | int]:
    if not isinstance(value, list) or (not value and not allow_empty):
        what = "a list" if allow_empty else "a non-empty list"
        raise SpecError(f"{where} must be {what} of column names or indices, got {describe(value)}")
    refs = [_column_ref(v, f"{where}[{i}]") for i, v in enumerate(value)]
    for i, ref in enumerate(refs):
        if ref in refs[:i]:
            raise SpecError(f"{where}[{i}]: column {ref!r} is listed twice")
    return refs


def _csv_options(r: ConfigReader) -> dict:
    out: dict[str, Any] = {"path": _path(r, "path")}
    target = r.raw("target", -1)
    out["target"] = _column_list(target, r.where("target"), False) if isinstance(target, list) \
        else _column_ref(target, r.where("target"))
    columns = r.raw("columns", None)
    out["columns"] = None if columns is None else _column_list(columns, r.where("columns"), False)
    out["categorical"] = _column_list(r.raw("categorical", []), r.where("categorical"), True)
    delimiter = r.raw("delimiter", "auto")
    if delimiter not in DELIMITERS:
        raise SpecError(f"{r.where('delimiter')} must be \"auto\" or one of , ; | tab space, got {describe(delimiter)}")
    out["delimiter"] = "auto" if delimiter == "auto" else DELIMITERS[delimiter]
    header = r.raw("header", "auto")
    if header != "auto" and not isinstance(header, bool):
        raise SpecError(f"{r.where('header')} must be \"auto\", true or false, got {describe(header)}")
    out["header"] = header
    out["missing"] = r.str("missing", "error", choices=MISSING_POLICIES)
    out["task"] = r.str("task", "auto", choices=TASK_CHOICES)
    return out


def prepare_options(spec: Any, default_scaling: str, two_d: bool) -> dict:
    """The keys `prepare` uses (seed, features, scaling, split) from a full or partial spec; other keys ignored."""
    if not isinstance(spec, dict):
        raise SpecError(f"data must be an object, got {describe(spec)}")
    r = ConfigReader(spec, "data")
    return {
        "seed": r.int("seed", 0, minimum=0, maximum=MAX_SEED),
        "features": _features(r.raw("features", None), "data.features", two_d),
        "scaling": r.str("scaling", default_scaling, choices=SCALINGS),
        "split": validate_split(r.raw("split", DEFAULT_SPLIT), "data.split"),
    }

