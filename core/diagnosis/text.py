"""Findings as words for people: a title per code, evidence as "key value" text, a message's first sentence and
its explanation without the citation. The CLI and the app's Diagnosis panel show findings the same way."""
from __future__ import annotations

import json
from typing import Any

TITLES = {
    "output_mismatch": "Output does not fit the task",
    "model_check": "A layer that cannot learn",
    "lr_too_high": "Learning rate too high",
    "exploding_gradients": "Exploding gradients",
    "bad_initialization": "Bad initialization",
    "unscaled_inputs": "Unscaled inputs",
    "dead_units": "Dead units",
    "vanishing_gradients": "Vanishing gradients",
    "saturation": "Saturated units",
    "lr_too_low": "Learning rate too low",
    "initial_loss": "Initial loss too high",
    "high_bias_and_variance": "High bias and high variance",
    "high_bias": "High bias (underfitting)",
    "high_variance": "High variance (overfitting)",
    "good_fit": "Good fit",
}


def title(finding: Any) -> str:
    """"Dead units · layer 1", "Vanishing gradients · layers 0, 1, 2"."""
    text = TITLES.get(finding.code, finding.code)
    if finding.layers:
        text += f" · layer{'s' if len(finding.layers) > 1 else ''} {', '.join(map(str, finding.layers))}"
    return text


def format_value(value: Any) -> str:
    """Numbers to three significant digits; a whole layer list as its length (the fix's label says what changes)."""
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else "none"
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) for v in value):
            return f"[{len(value)} items]"
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)


def format_evidence(evidence: dict, separator: str = ", ") -> str:
    return separator.join(f"{key} {format_value(value)}" for key, value in evidence.items())


def format_edits(fix: Any) -> str:
    """"training.optimizer.lr: 0.5 -> 0.05; ..." (what the fix's edits change)."""
    return "; ".join(f"{e.path}: {format_value(e.before)} -> {format_value(e.after)}" for e in fix.edits)


def format_sources(sources: Any) -> str:
    """Course-note sections grouped by note: "X notes, 'A', 'B'; Y notes, 'C'"."""
    notes: dict[str, list[str]] = {}
    for source in sources:
        notes.setdefault(source.note, []).append(f"'{source.section}'")
    return "; ".join(f"{note}, {', '.join(sections)}" for note, sections in notes.items())


def explanation(message: str) -> str:
    """The message without its closing "See <notes>." citation (shown apart, from the finding's sources)."""
    at = message.rfind(" See ")
    return message[:at] if at > 0 and message.endswith(".") else message


def first_sentence(message: str, limit: int = 160) -> str:
    end = message.find(". ")
    sentence = message if end < 0 else message[:end + 1]
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind("; ", 0, limit)          # whole reasons rather than half a word
    return (sentence[:cut] if cut > 0 else sentence[:limit - 1].rstrip()) + "…"
