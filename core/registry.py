"""One registry per kind of component (activation, loss, initializer, optimizer, ...).

Names are normalised ("Leaky ReLU" -> "leaky_relu"), aliases resolve to one canonical name, and an unknown name
fails with a message naming the nearest known one, as Keras' `get(identifier)` does.
"""
from __future__ import annotations

import difflib
import inspect
import re
from typing import Any, Callable, Iterable

from .errors import SpecError


def normalize_name(name: str) -> str:
    """Lower-case, drop parenthesised abbreviations, and join words with underscores."""
    text = re.sub(r"\(.*?\)", " ", str(name)).strip().lower()
    text = re.sub(r"[\s\-/]+", "_", text)
    return text.strip("_")


class Registry:
    """Maps canonical names (and aliases) to factories; `get` accepts a name, a dict or an instance."""

    def __init__(self, kind: str):
        self.kind = kind
        self._factories: dict[str, Callable[..., Any]] = {}
        self._aliases: dict[str, str] = {}
        self._rejected: dict[str, str] = {}
        self._suggestions: dict[str, str] = {}

    @property
    def _a(self) -> str:
        """"an activation", "a loss"."""
        return f"{'an' if self.kind[:1] in 'aeiou' else 'a'} {self.kind}"

    def register(self, name: str, *aliases: str) -> Callable:
        """Decorator: register a class or factory under `name` and its aliases."""

        def wrap(factory: Callable) -> Callable:
            self.add(name, factory, *aliases)
            return factory

        return wrap

    def add(self, name: str, factory: Callable, *aliases: str) -> None:
        key = normalize_name(name)
        if key in self._factories or key in self._aliases:
            raise RuntimeError(f"{self.kind} {name!r} registered twice")
        self._factories[key] = factory
        for alias in aliases:
            self._aliases[normalize_name(alias)] = key

    def reject(self, name: str, reason: str, *aliases: str, suggest: str | None = None) -> None:
        """Record a name that users may try (e.g. from the course notes) with the reason it is not offered, and
        optionally the supported name to point to (closer in meaning than the closest spelling)."""
        for n in (name, *aliases):
            self._rejected[normalize_name(n)] = reason
            if suggest is not None:
                self._suggestions[normalize_name(n)] = suggest

    def names(self) -> list[str]:
        return sorted(self._factories)

    def aliases(self) -> dict[str, str]:
        return dict(self._aliases)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = normalize_name(name)
        return key in self._factories or key in self._aliases

    def place(self, where: str) -> str:
        """How a message starts: "model.layers[0].activation: ", or nothing when `where` is empty or just the kind
        (get_activation's default), which every message names anyway ("unknown activation 'x'")."""
        return f"{where}: " if where and where != self.kind else ""

    def canonical(self, name: str, where: str = "") -> str:
        """The canonical name for `name`, or a SpecError naming the nearest known one."""
        prefix = self.place(where)
        if not isinstance(name, str):
            raise SpecError(f"{prefix}expected {self._a} name, got {name!r}")
        key = normalize_name(name)
        if key in self._factories:
            return key
        if key in self._aliases:
            return self._aliases[key]
        nearest = self.nearest(key)
        hint = f"; nearest: {nearest!r}" if nearest else ""
        if key in self._rejected:
            raise SpecError(f"{prefix}{self.kind} {name!r} is not supported: {self._rejected[key]}{hint}")
        raise SpecError(f"{prefix}unknown {self.kind} {name!r}{hint}; known: {', '.join(self.names())}")

    def nearest(self, key: str) -> str | None:
        if normalize_name(key) in self._suggestions:
            return self._suggestions[normalize_name(key)]
        candidates = list(self._factories) + list(self._aliases)
        match = difflib.get_close_matches(normalize_name(key), candidates, n=1, cutoff=0.4)
        if not match:
            return None
        return self._aliases.get(match[0], match[0])

    def get(self, identifier: Any, where: str = "", **extra: Any) -> Any:
        """Build a component from a name, a `{"name": ..., **kwargs}` dict, or return an instance unchanged."""
        if isinstance(identifier, str):
            return self._build(self.canonical(identifier, where), {}, where, extra)
        if isinstance(identifier, dict):
            if "name" not in identifier:
                raise SpecError(f"{self.place(where)}{self._a} object needs a 'name', got {identifier!r}")
            kwargs = {k: v for k, v in identifier.items() if k != "name"}
            return self._build(self.canonical(identifier["name"], where), kwargs, where, extra)
        if identifier is not None and not isinstance(identifier, (int, float, bool, list, tuple)):
            return identifier
        raise SpecError(f"{self.place(where)}could not interpret {self.kind} identifier {identifier!r}")

    def _build(self, key: str, kwargs: dict, where: str, extra: dict) -> Any:
        factory = self._factories[key]
        signature = inspect.signature(factory)
        accepted = [n for n, p in signature.parameters.items() if p.kind is not p.VAR_KEYWORD and n not in extra]
        for name in kwargs:
            if name not in accepted:
                nearest = difflib.get_close_matches(name, accepted, n=1)
                hint = f" (did you mean {nearest[0]!r}?)" if nearest else ""
                allowed = ", ".join(accepted) or "none"
                raise SpecError(
                    f"{self.place(where)}unknown argument {name!r} for {self.kind} {key!r}{hint}; accepted: {allowed}"
                )
        return factory(**kwargs, **extra)

    def factory(self, name: str) -> Callable[..., Any]:
        """The class or function registered under a canonical `name` (see `canonical`)."""
        return self._factories[name]

    def items(self) -> Iterable[tuple[str, Callable]]:
        return self._factories.items()
