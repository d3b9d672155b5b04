"""Checked reading of JSON objects: every problem names its path (`model.layers[2].units`) and what was received.

Unknown keys are errors, with the nearest known key suggested, so a typo never passes silently.
"""
from __future__ import annotations

import difflib
import math
from typing import Any, Iterable

from .errors import SpecError

REQUIRED = object()


def describe(value: Any) -> str:
    """A short rendering of a received value for error messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class ConfigReader:
    """Reads typed values out of one JSON object; call `finish()` to reject keys nobody asked for."""

    def __init__(self, obj: Any, path: str):
        if not isinstance(obj, dict):
            raise SpecError(f"{path} must be an object, got {describe(obj)}")
        self.obj = obj
        self.path = path
        self._seen: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return key in self.obj

    def raw(self, key: str, default: Any = REQUIRED) -> Any:
        self._seen.add(key)
        if key not in self.obj:
            if default is REQUIRED:
                raise SpecError(f"{self.where(key)} is required")
            return default
        return self.obj[key]

    def int(self, key: str, default: Any = REQUIRED, minimum: int | None = None, maximum: int | None = None) -> Any:
        value = self.raw(key, default)
        if value is default and default is not REQUIRED:
            return value
        return check_int(value, self.where(key), minimum, maximum)

    def float(
        self,
        key: str,
        default: Any = REQUIRED,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
        exclusive_maximum: bool = False,
    ) -> Any:
        value = self.raw(key, default)
        if value is default and default is not REQUIRED:
            return value
        return check_float(value, self.where(key), minimum, maximum, exclusive_minimum, exclusive_maximum)

    def bool(self, key: str, default: Any = REQUIRED) -> Any:
        value = self.raw(key, default)
        if value is default and default is not REQUIRED:
            return value
        if not isinstance(value, bool):
            raise SpecError(f"{self.where(key)} must be true or false, got {describe(value)}")
        return value

    def str(self, key: str, default: Any = REQUIRED, choices: Iterable[str] | None = None) -> Any:
        value = self.raw(key, default)
        if value is default and default is not REQUIRED:
            return value
        if not isinstance(value, str):
            raise SpecError(f"{self.where(key)} must be a string, got {describe(value)}")
        if choices is not None:
            choices = list(choices)
            if value not in choices:
                near = difflib.get_close_matches(value, choices, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise SpecError(f"{self.where(key)} must be one of {', '.join(choices)}; got {value!r}{hint}")
        return value

    def finish(self, extra_allowed: Iterable[str] = ()) -> None:
        """Raise on the first key that was never read (a typo or an unsupported option)."""
        allowed = self._seen | set(extra_allowed)
        for key in self.obj:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                known = ", ".join(sorted(allowed)) or "none"
                raise SpecError(f"{self.where(key)} is not a known key{hint}; known keys: {known}")


def check_int(value: Any, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
        isinstance(value, float) and (not value.is_integer())
    ):
        raise SpecError(f"{where} must be an integer, got {describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise SpecError(f"{where} must be {what}, got {value}")
    if maximum is not None and value > maximum:
        raise SpecError(f"{where} must be at most {maximum}, got {value}")
    return value


def check_float(
    value: Any,
    where: str,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{where} must be a number, got {describe(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise SpecError(f"{where} must be a finite number, got {value}")
    if minimum is not None and (value < minimum or (exclusive_minimum and value == minimum)):
        op = ">" if exclusive_minimum else ">="
        raise SpecError(f"{where} must be {op} {minimum:g}, got {value:g}")
    if maximum is not None and (value > maximum or (exclusive_maximum and value == maximum)):
        op = "<" if exclusive_maximum else "<="
        raise SpecError(f"{where} must be {op} {maximum:g}, got {value:g}")
    return value
