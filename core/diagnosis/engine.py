"""`diagnose`: every rule over one run, findings sorted by severity."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from ..network import Network
from .facts import RunFacts
from .findings import Finding, sort_findings
from .rules_fit import bias_variance
from .rules_layers import dead_units, gradient_flow, saturation
from .rules_setup import bad_initialization, initial_loss, model_checks, unscaled_inputs
from .rules_training import lr_too_high, lr_too_low

Rule = Callable[[RunFacts], list[Finding]]
RULES: tuple[Rule, ...] = (model_checks, lr_too_high, lr_too_low, gradient_flow, dead_units, saturation,
                           bad_initialization, initial_loss, unscaled_inputs, bias_variance)


def diagnose(project: Any, history: Mapping[str, Sequence[float]], *, network: Network | None = None,
             data: Any = None, status: str | None = None, target_error: float | None = None,
             probe: bool = True) -> list[Finding]:
    """Findings about one run of `project`, most severe first.

    `history` is the trainer's per-epoch history (`loss`, metrics, `val_*`, `lr`, `layers.{i}.*`); missing keys
    silence the rules that need them or send them to a probe. `network` is the trained network (read, never
    changed: probes run on a copy); `data` the prepared data (enables the probes, the input-scale and output checks,
    and the validation size). `status` is the run's status (`"diverged"` counts as evidence of a learning rate too
    high). `target_error` is the error the run should reach (default 0 for classification, 0.1 of 1 - R^2 for
    regression); phase 2 reads it from `training.target_error`. `probe=False` never runs the network.
    """
    facts = RunFacts(project, history, network=network, data=data, status=status, target_error=target_error,
                     probe=probe)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(facts))
    return sort_findings(findings)
