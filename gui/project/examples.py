"""File > Examples: the ready projects in resources/examples, one per course experiment and real dataset.

An example opens untitled (Save asks where), so the shipped file is never overwritten, and its description shows
above the dashboard: what the experiment shows and which view to watch. A note names its topic in words ("notes
on optimization") and the dashboard tab it talks about ("Gradients tab: ..."), which opens with it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"

# The course experiments first, in the order of docs/experiments.md; every other example (datasets) after them.
EXPERIMENTS = (
    "vanishing_gradients_sigmoid", "deep_relu", "dying_relu", "learning_rate_too_high", "learning_rate_too_low",
    "underfitting", "overfitting", "l2_regularization", "l1_regularization", "dropout", "early_stopping",
    "batch_norm", "xor_feature_cross", "weight_initialization", "optimizers", "input_scaling",
    "learning_rate_schedules", "batch_norm_learning_rate", "mse_vs_cross_entropy", "feature_cross_circle",
    "noise_injection", "gradient_clipping", "batch_size", "label_smoothing",
    "class_weights",
)


TABS = ("Training", "Gradients", "Histograms", "Weights", "Evaluation", "Test")
TAB_IN_NOTE = re.compile(r"\b(" + "|".join(TABS) + r") tab\b")


def note_tab(description: str) -> str | None:
    """The dashboard tab a note talks about first ("Gradients tab: watch ..."), or None."""
    match = TAB_IN_NOTE.search(description or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class Example:
    path: Path
    name: str
    description: str
    experiment: bool

    @property
    def tab(self) -> str | None:
        return note_tab(self.description)


def examples(folder: Path = EXAMPLES_DIR) -> list[Example]:
    """The example projects found in `folder`, experiments first (an unreadable file is skipped)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found.append(Example(path, str(doc.get("name", path.stem)), str(doc.get("description", "")),
                             path.stem in EXPERIMENTS))
    order = {stem: i for i, stem in enumerate(EXPERIMENTS)}
    return sorted(found, key=lambda e: (not e.experiment, order.get(e.path.stem, 0), e.name.lower()))
