"""What a diagnosis returns: findings, each with its evidence, its course-note sources and its fixes.

A `Fix` is a set of project edits by parameter path (`core.project_paths` syntax): one click applies all of them
with `apply_edits(project, fix.as_edits())`, so "use ReLU in the six sigmoid layers" is one fix, not six.
Everything converts to plain JSON (`to_dict()`) for `layerlab diagnose --json` and the app's panel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

SEVERITIES = ("problem", "warning", "info")

# Within one severity, causes come before the symptoms they explain: a learning rate that makes units die is
# listed before the dead units, and both before the high training error they cause.
CODES = (
    "output_mismatch",
    "model_check",
    "lr_too_high",
    "exploding_gradients",
    "bad_initialization",
    "unscaled_inputs",
    "dead_units",
    "vanishing_gradients",
    "saturation",
    "lr_too_low",
    "initial_loss",
    "high_bias_and_variance",
    "high_bias",
    "high_variance",
    "good_fit",
)


@dataclass(frozen=True)
class Source:
    """A course-note section, named as the notes title it (users never see the files' numbers)."""

    note: str
    section: str

    def __str__(self) -> str:
        return f"{self.note}, '{self.section}'"

    def to_dict(self) -> dict[str, str]:
        return {"note": self.note, "section": self.section}


@dataclass(frozen=True)
class Edit:
    """Set the project setting at `path` from `before` (None when unset) to `after`."""

    path: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "from": _plain(self.before), "to": _plain(self.after)}


@dataclass(frozen=True)
class Fix:
    label: str                     # what the button says: "Use leaky ReLU in layers 0, 1"
    edits: tuple[Edit, ...]

    def as_edits(self) -> dict[str, Any]:
        """`{path: new value}`, ready for `core.project_paths.apply_edits`."""
        return {edit.path: edit.after for edit in self.edits}

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "edits": [edit.to_dict() for edit in self.edits]}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str                  # one of SEVERITIES
    message: str                   # plain words, citing the course-note sections
    evidence: dict[str, Any]       # the numbers that triggered it, with the thresholds they crossed
    layers: tuple[int, ...] = ()   # indices in model.layers
    fixes: tuple[Fix, ...] = ()
    sources: tuple[Source, ...] = ()
    epochs: tuple[int, ...] = field(default=())   # 0-based epochs the evidence points at (for "Show me")

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "layers": list(self.layers),
            "epochs": list(self.epochs),
            "evidence": _plain(self.evidence),
            "message": self.message,
            "fixes": [fix.to_dict() for fix in self.fixes],
            "sources": [source.to_dict() for source in self.sources],
        }


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Problems first, then warnings, then information; within a severity, causes before symptoms (CODES order),
    then by layer."""
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), CODES.index(f.code), f.layers))


def _plain(value: Any) -> Any:
    """JSON-ready copy: tuples become lists, NumPy scalars Python numbers, NaN and infinities strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def cite(sources: Iterable[Source]) -> str:
    """'See X notes, 'Section'; Y notes, 'Section'.' for the end of a message."""
    return "See " + "; ".join(str(s) for s in sources) + "."
