"""Per-layer findings: gradients vanishing or exploding across layers (or growing over training), dead units and
saturated units. Each reads the history's `layers.{i}.*` series and falls back to a probe when they are absent."""
from __future__ import annotations

import math

import numpy as np

from .facts import LayerInfo, RunFacts
from .findings import Finding, cite
from .fixes import (batch_norm_before_activations, clip_gradients, default_initializer, hidden_dense, present,
                    scale_lr, set_activation, weaker_penalty)
from .thresholds import (DEAD, DEAD_FRACTION, DEAD_PROBLEM, EXPLODING, EXPLODING_PROBLEM, EXPLODING_RATIO,
                         FINAL_WINDOW, GRADIENT_GROWTH, LR_STEP, SATURATION, SATURATION_FRACTION,
                         SATURATION_PROBLEM, VANISHING, VANISHING_PROBLEM, VANISHING_RATIO)

LEAKY_RELU = {"name": "leaky_relu", "negative_slope": 0.1}   # the notes' max(0.1x, x)


def _gradient_norms(f: RunFacts, layers: list[LayerInfo]) -> tuple[dict[int, float], float, str] | None:
    """Per kernel layer, its typical gradient norm; the first/last ratio; and where the numbers come from."""
    series = {l.index: f.layer_series(l.index, "grad_norm") for l in layers}
    if all(s is not None for s in series.values()):
        n = min(s.size for s in series.values())
        first, last = series[layers[0].index][:n], series[layers[-1].index][:n]
        ok = np.isfinite(first) & np.isfinite(last) & (last > 0)
        if ok.any():
            ratio = float(np.median(first[ok] / last[ok]))
            norms = {i: float(np.median(s[:n][np.isfinite(s[:n])])) if np.isfinite(s[:n]).any() else math.nan
                     for i, s in series.items()}
            return norms, ratio, "history"
    probe = f.initial_probe
    if probe is None:
        return None
    norms = {l.index: probe.layer(l.index).grad_norm for l in layers}
    first, last = norms[layers[0].index], norms[layers[-1].index]
    if not (math.isfinite(first) and math.isfinite(last) and last > 0):
        return None
    return norms, first / last, "step 0"


def gradient_flow(f: RunFacts) -> list[Finding]:
    kernels = [l for l in f.layers if l.has_kernel]
    if len(kernels) < 2:
        return []
    measured = _gradient_norms(f, kernels)
    findings = []
    if measured is not None:
        norms, ratio, where = measured
        last = norms[kernels[-1].index]
        evidence = {"ratio_first_to_last": ratio, "gradient_norms": norms, "measured": where}
        when = "over the run (median of the epochs)" if where == "history" else "at the first step"
        if ratio <= 0 or not math.isfinite(ratio):
            pass    # exactly zero gradients: dead units or zero weights, which dead_units / bad_initialization name
        elif ratio < VANISHING_RATIO:
            evidence.update(threshold=VANISHING_RATIO, problem_threshold=VANISHING_PROBLEM)
            weak = tuple(i for i, g in norms.items() if math.isfinite(g) and g < VANISHING_RATIO * last)
            squashing = [l for l in hidden_dense(f.layers) if l.saturates]
            kinds = sorted({l.activation for l in squashing})
            why = (f"typical of {'/'.join(kinds)} hidden layers, whose derivative is at most 0.25 (sigmoid) or 1 "
                   "(tanh) and near 0 when they saturate, multiplied once per layer on the way back. " if kinds else
                   "each layer multiplies the gradient by its weights and its activation's derivative on the way "
                   "back. ")
            message = (f"Gradients vanish: {when} the first layer's gradient norm is {ratio:.1e} times the last "
                       f"layer's ({math.log10(1 / ratio):.1f} orders of magnitude smaller; threshold "
                       f"{VANISHING_RATIO:g}), so the first layers barely learn. This is " + why
                       + cite(VANISHING))
            fixes = present(set_activation(squashing, "relu", "ReLU") if squashing else None,
                            batch_norm_before_activations(f.project, f.layers))
            findings.append(Finding("vanishing_gradients", "problem" if ratio < VANISHING_PROBLEM else "warning",
                                    message, evidence, layers=weak, fixes=fixes, sources=VANISHING))
        elif ratio > EXPLODING_RATIO:
            evidence.update(threshold=EXPLODING_RATIO, problem_threshold=EXPLODING_PROBLEM)
            message = (f"Gradients explode across layers: {when} the first layer's gradient norm is {ratio:.1e} times "
                       f"the last layer's (threshold {EXPLODING_RATIO:g}): values above 1 multiplied layer after layer "
                       "grow without bound. " + cite(EXPLODING))
            fixes = present(clip_gradients(f.project), scale_lr(f.project, 1 / LR_STEP),
                            default_initializer(kernels))
            findings.append(Finding("exploding_gradients", "problem" if ratio > EXPLODING_PROBLEM else "warning",
                                    message, evidence, layers=(kernels[0].index,), fixes=fixes, sources=EXPLODING))
    findings.extend(_growth_over_epochs(f, kernels))
    return findings


def _growth_over_epochs(f: RunFacts, kernels: list[LayerInfo]) -> list[Finding]:
    series = [f.layer_series(l.index, "grad_norm") for l in kernels]
    if any(s is None for s in series):
        return []
    n = min(s.size for s in series)
    total = np.sqrt(np.sum([s[:n] ** 2 for s in series], axis=0))
    if n < 2 or not math.isfinite(total[0]) or total[0] <= 0:
        return []
    late = total[-FINAL_WINDOW:]
    growth = float(np.max(late)) / float(total[0]) if np.all(np.isfinite(late)) else math.inf
    if growth <= GRADIENT_GROWTH:
        return []
    message = (f"Gradients grow during training: the total gradient norm of the last epochs is {growth:.1e} times "
               f"that of the first epoch (threshold {GRADIENT_GROWTH:g}). Growing gradients make ever bigger steps "
               "until the run diverges. " + cite(EXPLODING))
    evidence = {"growth": growth, "threshold": GRADIENT_GROWTH, "first_epoch_norm": float(total[0]),
                "last_epochs_max_norm": float(np.max(late))}
    return [Finding("exploding_gradients", "problem", message, evidence, layers=tuple(l.index for l in kernels),
                    fixes=present(clip_gradients(f.project), scale_lr(f.project, 1 / LR_STEP)), sources=EXPLODING,
                    epochs=tuple(range(n - late.size, n)))]


def dead_units(f: RunFacts) -> list[Finding]:
    findings = []
    for layer in f.layers:
        if not layer.can_die or not layer.units:
            continue
        dead = f.layer_series(layer.index, "dead")
        died = None
        if dead is not None and np.all(np.isfinite(dead)):
            fraction = dead / layer.units
            final, count = float(fraction[-1]), int(dead[-1])
            above = fraction >= DEAD_FRACTION
            if above[-1]:
                died = int(above.size - np.argmin(above[::-1])) if not above.all() else 0
            where = "history"
        else:
            probe = f.current_probe
            if probe is None or probe.layer(layer.index).dead is None:
                continue
            count = int(probe.layer(layer.index).dead)
            final, where = count / layer.units, "current weights"
        if final < DEAD_FRACTION:
            continue
        evidence = {"dead": count, "units": layer.units, "fraction": final, "threshold": DEAD_FRACTION,
                    "problem_threshold": DEAD_PROBLEM, "measured": where}
        since = ""
        if died is not None:
            evidence["died_epoch"] = died
            since = f" since epoch {died + 1}"
        penalties = {k: float(layer.config[k]) for k in ("l1", "l2") if layer.config.get(k)}
        cause = ("too high a learning rate is the usual cause" if not penalties else
                 f"here the layer's {' and '.join(k.upper() for k in penalties)} penalty "
                 f"({', '.join(f'{v:g}' for v in penalties.values())}) also pulls its weights toward zero"
                 + (" (L1: to exactly zero)" if "l1" in penalties else "") + ", and a unit whose incoming weights "
                 "have shrunk away outputs max(0, bias), 0 for a negative bias: the penalty prunes units, and a "
                 "weaker one keeps them")
        if penalties:
            evidence["penalty"] = penalties
        message = (f"Dead units: {count} of the {layer.units} {layer.activation} units of layer {layer.index} "
                   f"({final:.0%}, threshold {DEAD_FRACTION:.0%}) output 0 for every sample{since}. A ReLU whose "
                   f"weights are pushed negative outputs 0 with a zero gradient, so it never revives; {cause}. "
                   "Leaky ReLU keeps a small gradient. " + cite(DEAD))
        # Too high a rate kills units, so a lower one comes first (the dying_relu example learns at 0.05, and not
        # with leaky ReLU at 0.5), after a weaker penalty when the layer has one (the L1/L2 examples); leaky ReLU
        # goes in every layer that can die, or the next one dies instead.
        fixes = (*present(weaker_penalty(layer)), scale_lr(f.project, 1 / LR_STEP),
                 set_activation([l for l in f.layers if l.can_die], LEAKY_RELU, "leaky ReLU"))
        findings.append(Finding("dead_units", "problem" if final >= DEAD_PROBLEM else "warning", message, evidence,
                                layers=(layer.index,), fixes=fixes, sources=DEAD,
                                epochs=() if died is None else (died,)))
    return findings


def saturation(f: RunFacts) -> list[Finding]:
    findings = []
    for layer in f.layers:
        if not layer.saturates or layer.is_output:
            continue
        value = f.final(f"layers.{layer.index}.saturation")
        where = "history"
        if value is None:
            probe = f.current_probe
            if probe is None or probe.layer(layer.index).saturation is None:
                continue
            value, where = float(probe.layer(layer.index).saturation), "current weights"
        if value < SATURATION_FRACTION:
            continue
        evidence = {"saturated_fraction": value, "threshold": SATURATION_FRACTION,
                    "problem_threshold": SATURATION_PROBLEM, "measured": where}
        message = (f"Saturation: {value:.0%} of the outputs of layer {layer.index} ({layer.activation}) sit within 1% "
                   f"of its bounds (threshold {SATURATION_FRACTION:.0%}). There its derivative is almost 0, so "
                   "those units pass almost no gradient and stop learning. " + cite(SATURATION))
        fixes = present(set_activation([layer], "relu", "ReLU"), batch_norm_before_activations(f.project, f.layers))
        findings.append(Finding("saturation", "problem" if value >= SATURATION_PROBLEM else "warning", message,
                                evidence, layers=(layer.index,), fixes=fixes, sources=SATURATION))
    return findings
