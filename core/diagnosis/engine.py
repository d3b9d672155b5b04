"""`diagnose`: every rule over one run, findings sorted by severity."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

from ..network import Network
from .facts import RunFacts
from .findings import Finding, sort_findings
from .probe import ProbeResult
from .rules_fit import bias_variance
from .rules_layers import dead_units, gradient_flow, saturation
from .rules_setup import bad_initialization, initial_loss, model_checks, unscaled_inputs
from .rules_training import lr_too_high, lr_too_low

Rule = Callable[[RunFacts], list[Finding]]
RULES: tuple[Rule, ...] = (model_checks, lr_too_high, lr_too_low, gradient_flow, dead_units, saturation,
                           bad_initialization, initial_loss, unscaled_inputs, bias_variance)


def diagnose(project: Any, history: Mapping[str, Sequence[float]], *, network: Network | None = None,
             data: Any = None, status: str | None = None, target_error: float | None = None,
             probe: bool = True, lr_suggestion: float | None = None,
             initial_probe: ProbeResult | None = None) -> list[Finding]:
    """Findings about one run of `project`, most severe first.

    `history` is the trainer's per-epoch history (`loss`, metrics, `val_*`, `lr`, `layers.{i}.*`); missing keys
    silence the rules that need them or send them to a probe. `network` is the trained network (read, never
    changed: probes run on a copy); `data` the prepared data (enables the probes, the input-scale and output checks,
    and the validation size). `status` is the run's status (`"diverged"` counts as evidence of a learning rate too
    high). `target_error` is the error the run should reach: by default the project's `training.target_error`,
    else 0 for classification and 0.1 of 1 - R^2 for regression. `probe=False` never runs the network.
    `lr_suggestion`, a range test's rate (`core.lr_finder`), becomes the first learning-rate fix when it moves the
    rate the way the finding asks. `initial_probe`, `probe.probe_initial(project, data)` computed earlier, saves
    repeating it: the initial network is the same for every diagnosis of a project (the app's live diagnosis
    reuses one while a run trains).
    """
    if target_error is None:
        target_error = project.training.target_error
    facts = RunFacts(project, history, network=network, data=data, status=status, target_error=target_error,
                     probe=probe, lr_suggestion=lr_suggestion)
    if initial_probe is not None and probe:
        facts.__dict__["initial_probe"] = initial_probe      # what the cached property would have computed
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(facts))
    return sort_findings(raise_causes(findings))


# Why a network does not fit its training data: when high bias is a problem, these explain it.
CAUSES_OF_BIAS = ("lr_too_low", "vanishing_gradients", "dead_units", "saturation")
BIAS = ("high_bias", "high_bias_and_variance")


def raise_causes(findings: list[Finding]) -> list[Finding]:
    """A cause of a problem is a problem: when high bias is a problem, a warning that explains it (a learning
    rate too low, vanishing gradients, dead or saturated units) is raised to a problem, so the list starts with
    the cause rather than the symptom. The evidence records it."""
    if not any(f.code in BIAS and f.severity == "problem" for f in findings):
        return findings
    return [replace(f, severity="problem", evidence={**f.evidence, "raised_by": "high_bias"})
            if f.code in CAUSES_OF_BIAS and f.severity == "warning" else f for f in findings]
