"""Settings addressed by their place in the project JSON: `training.optimizer.lr`, `model.layers[0].units`.

The same syntax as validation messages, so a path a user reads in an error is one they can type. Comparing runs
lists the settings that differ by path, a search varies settings by path, and a diagnosis fix edits one by path:
all three go through this module, on the project's JSON form (`Project.to_dict()`), never on live objects.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping

from .errors import SpecError
from .path_syntax import Key, format_path, parse_path
from .project import Project, parse_project

MISSING = None     # what `differences` reports for a run whose project has no value at a path


def get_value(obj: Mapping, path: str) -> Any:
    """The value at `path`; a SpecError naming the path if there is none."""
    node: Any = obj
    keys = parse_path(path)
    for depth, key in enumerate(keys):
        node = _child(node, key, keys, depth)
    return node


def has_value(obj: Mapping, path: str) -> bool:
    try:
        get_value(obj, path)
    except SpecError:
        return False
    return True


def with_value(obj: Mapping, path: str, value: Any) -> dict:
    """A deep copy of `obj` with `value` at `path`. A missing (or null) object on the way is created, so a search
    can set `training.early_stopping.patience` on a project without early stopping; a list index must exist."""
    out = copy.deepcopy(dict(obj))
    keys = parse_path(path)
    node: Any = out
    for depth, key in enumerate(keys[:-1]):
        nxt = keys[depth + 1]
        if isinstance(node, dict) and isinstance(key, str) and node.get(key) is None and isinstance(nxt, str):
            node[key] = {}
        node = _child(node, key, keys, depth)
    last = keys[-1]
    if isinstance(last, int):
        _child(node, last, keys, len(keys) - 1)          # the index must exist
        node[last] = copy.deepcopy(value)
    elif isinstance(node, dict):
        node[last] = copy.deepcopy(value)
    else:
        raise SpecError(f"{format_path(keys[:-1])} is not an object, so it has no setting {last!r}")
    return out


def flatten(obj: Any, prefix: tuple[Key, ...] = ()) -> dict[str, Any]:
    """Every leaf setting by path. Objects and lists of objects are walked into; a list of plain values (class
    weights, a schedule's milestones) is one setting; an empty object below the top is one setting too."""
    out: dict[str, Any] = {}
    _flatten_into(obj, format_path(prefix), bool(prefix), out)
    return out


def _flatten_into(obj: Any, path: str, nested: bool, out: dict[str, Any]) -> None:
    """`flatten` with the path carried as text (a Runs table flattens a thousand projects at once)."""
    if isinstance(obj, dict):
        if not obj:
            if nested:
                out[path] = {}
            return
        for key, value in obj.items():
            _flatten_into(value, f"{path}.{key}" if path else str(key), True, out)
    elif isinstance(obj, list) and any(isinstance(item, (dict, list)) for item in obj):
        for i, value in enumerate(obj):
            _flatten_into(value, f"{path}[{i}]", True, out)
    else:
        out[path] = obj


def differences(objs: list[Mapping]) -> dict[str, list[Any]]:
    """The settings whose values are not all equal across `objs`, as `{path: [value in each]}` in path order of
    first appearance (`MISSING` where an object has no such setting). Names and descriptions are not settings."""
    flats = [flatten({k: v for k, v in obj.items() if k not in ("name", "description")}) for obj in objs]
    order: dict[str, None] = {}
    for flat in flats:
        order.update(dict.fromkeys(flat))
    out = {}
    for path in order:
        values = [flat.get(path, MISSING) for flat in flats]
        if any(_differ(values[0], v) for v in values[1:]) or any(path not in flat for flat in flats):
            out[path] = values
    return out


def apply_edits(project: Project, edits: Mapping[str, Any]) -> Project:
    """`project` with each `{path: value}` applied, validated as a whole (errors name the path)."""
    obj = project.to_dict()
    for path, value in edits.items():
        obj = with_value(obj, path, value)
    return parse_project(obj, project.base_dir)


def _child(node: Any, key: Key, keys: tuple[Key, ...], depth: int) -> Any:
    where = format_path(keys[:depth + 1])
    if isinstance(key, int):
        if not isinstance(node, list):
            raise SpecError(f"{format_path(keys[:depth]) or 'the project'} is not a list, so {where} does not exist")
        if key >= len(node):
            raise SpecError(f"{where} does not exist: {format_path(keys[:depth])} has {len(node)} item(s)")
        return node[key]
    if not isinstance(node, dict):
        raise SpecError(f"{format_path(keys[:depth]) or 'the project'} is not an object, so {where} does not exist")
    if key not in node:
        raise SpecError(f"{where} is not set in this project")
    return node[key]


def _differ(a: Any, b: Any) -> bool:
    """Values differ as JSON would: 1 and 1.0 are the same setting; True and 1 are not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is not type(b) or a != b
    return a != b
