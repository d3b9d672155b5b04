"""The syntax of a setting's path: `model.layers[0].units` <-> `("model", "layers", 0, "units")`.

Apart from core/project_paths.py (which reads and writes settings by path in a project) because the project's own
`search` section names settings by path: parsing it must not import the project.
"""
from __future__ import annotations

import re
from typing import Iterable

from .errors import SpecError

Key = str | int
_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(path: str) -> tuple[Key, ...]:
    """`"model.layers[0].units"` -> `("model", "layers", 0, "units")`; a malformed path is a SpecError."""
    if not isinstance(path, str) or not path:
        raise SpecError(f"a setting's path must be text like 'training.optimizer.lr', got {path!r}")
    keys: list[Key] = []
    pos = 0
    while pos < len(path):
        if keys and path[pos] == ".":
            pos += 1
        match = _PART.match(path, pos)
        after_dot = pos > 0 and path[pos - 1] == "."
        if match is None or (match.group(1) and keys and not after_dot) or (match.group(2) and after_dot):
            raise SpecError(f"{path!r} is not a setting's path (expected names joined by '.' and list indices "
                            "like 'model.layers[0].units')")
        keys.append(match.group(1) if match.group(1) else int(match.group(2)))
        pos = match.end()
    if not isinstance(keys[0], str):
        raise SpecError(f"{path!r} must start with a name, such as 'training' or 'model'")
    return tuple(keys)


def format_path(keys: Iterable[Key]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out
