"""Learning-rate findings, read from the training-loss curve and the update-to-weight ratios."""
from __future__ import annotations

import math

import numpy as np

from .facts import RunFacts
from .findings import Finding, cite
from .fixes import clip_gradients, current_lr, lr_fixes, present
from .thresholds import (ABOVE_BASELINE, BARELY_LEARNING, FINAL_WINDOW, GIVEN_BACK, LEARNED, LEARNING_RATE,
                         LEARNING_RATE_LOW, LR_STEP, LR_STEP_FAR, MIN_EPOCHS, OSCILLATION, SLOW_PROGRESS,
                         STEADY_FRACTION, UPDATE_RATIO_HEALTHY, UPDATE_RATIO_LOW)


def lr_too_high(f: RunFacts) -> list[Finding]:
    loss = f.series("loss")
    evidence: dict = {"lr": current_lr(f.project)}
    reasons: list[str] = []
    epochs: tuple[int, ...] = ()
    if f.status == "diverged" or (loss is not None and not np.all(np.isfinite(loss))):
        evidence["diverged"] = True
        reasons.append("the run diverged (the loss or the weights exploded or stopped being finite numbers)")
        epochs = (max(f.epochs - 1, 0),)
    base = f.baseline_loss
    finite = loss[np.isfinite(loss)] if loss is not None else np.empty(0)
    if finite.size >= MIN_EPOCHS and base and base > 0:
        end = float(np.mean(finite[-FINAL_WINDOW:]))
        evidence.update(final_loss=end, baseline_loss=base)
        # The logged loss includes L1/L2 penalties, which an uninformed output does not pay: no comparison then.
        penalised = any(l.config.get("l1") or l.config.get("l2") for l in f.layers)
        if end > ABOVE_BASELINE * base and not penalised:
            evidence["above_baseline_threshold"] = ABOVE_BASELINE
            reasons.append(f"the training loss ends at {end:.3g}, {end / base:.1f}x the {base:.3g} of an output that "
                           f"knows nothing (threshold {ABOVE_BASELINE:g}x)")
        best_at = int(np.argmin(finite))
        progress = float(finite[0] - finite[best_at])
        learned = finite[best_at] <= (1 - LEARNED) * base      # the run had got somewhere before rising again
        if progress > 0 and learned and best_at < finite.size - FINAL_WINDOW:
            given_back = (end - float(finite[best_at])) / progress
            evidence["given_back"] = given_back
            if given_back >= GIVEN_BACK:
                evidence["given_back_threshold"] = GIVEN_BACK
                reasons.append(f"after its best epoch ({best_at + 1}) the training loss rose again, giving back "
                               f"{given_back:.0%} of its progress (threshold {GIVEN_BACK:.0%})")
        half = finite[finite.size // 2:]
        if half.size >= 2:
            swing = float(np.median(np.abs(np.diff(half)))) / base
            evidence["oscillation"] = swing
            if swing > OSCILLATION:
                evidence["oscillation_threshold"] = OSCILLATION
                reasons.append(f"in the second half of the run the training loss jumps by {swing:.0%} of {base:.3g} "
                               f"from one epoch to the next (threshold {OSCILLATION:.0%})")
                epochs = epochs or tuple(range(f.epochs - half.size, f.epochs))
    if not reasons:
        return []
    # Diverging, or ending worse than an uninformed output, is a problem; a loss that rises back or jumps while
    # the network still does better than chance is a warning.
    severity = "problem" if "diverged" in evidence or "above_baseline_threshold" in evidence else "warning"
    message = (f"The learning rate ({evidence['lr']:g}) looks too high: {'; '.join(reasons)}. Steps that are too big "
               "overshoot the minimum, so the loss jumps around or grows instead of settling. " + cite(LEARNING_RATE))
    step = LR_STEP_FAR if severity == "problem" else LR_STEP
    fixes = (*lr_fixes(f.project, 1 / step, f.lr_suggestion),
             *present(clip_gradients(f.project) if "diverged" in evidence else None))
    return [Finding("lr_too_high", severity, message, evidence, fixes=fixes, sources=LEARNING_RATE, epochs=epochs)]


def lr_too_low(f: RunFacts) -> list[Finding]:
    loss = f.series("loss")
    if loss is None or loss.size < max(MIN_EPOCHS, 2 * FINAL_WINDOW) or not np.all(np.isfinite(loss)) or loss[0] <= 0:
        return []
    n = loss.size
    falling = np.diff(loss) < 0
    steady = float(np.mean(falling))
    q = max(2, n // 4)
    steady_end = float(np.mean(falling[-q:]))
    progress = float((loss[0] - loss[-FINAL_WINDOW:].mean()) / loss[0])
    if not (steady >= STEADY_FRACTION and steady_end >= STEADY_FRACTION and 0 < progress < SLOW_PROGRESS):
        return []
    evidence: dict = {"lr": current_lr(f.project), "falling_epochs": steady,
                      "falling_epochs_threshold": STEADY_FRACTION,
                      "falling_epochs_last_quarter": steady_end, "progress": progress,
                      "progress_threshold": SLOW_PROGRESS}
    ratios = {}
    for layer in f.layers:
        if layer.has_kernel:
            value = f.final(f"layers.{layer.index}.update_ratio")
            if value is not None and math.isfinite(value):
                ratios[layer.index] = value
    ratio_text = ""
    if ratios:
        largest = max(ratios.values())
        evidence.update(update_ratios=ratios, largest_update_ratio=largest, healthy_update_ratio=UPDATE_RATIO_HEALTHY)
        if largest >= UPDATE_RATIO_HEALTHY:
            return []      # the steps are big enough: something else slows the descent
        ratio_text = (f" Every layer's weights move by at most {largest:.1e} of their size per step, below the healthy "
                      f"~{UPDATE_RATIO_HEALTHY:g}.")
    # A problem when it barely learns, or when even the fastest layer moves 10x slower than healthy.
    barely = progress < BARELY_LEARNING or bool(ratios and max(ratios.values()) < UPDATE_RATIO_LOW)
    message = (f"The learning rate ({evidence['lr']:g}) looks too low: the training loss fell in {steady:.0%} of the "
               f"epochs, in {steady_end:.0%} of the last quarter, but only by {progress:.0%} of its first value "
               f"over {n} epochs."
               + ratio_text + " Training is slow rather than stuck: bigger steps would get there sooner. "
               + cite(LEARNING_RATE_LOW))
    return [Finding("lr_too_low", "problem" if barely else "warning", message, evidence,
                    fixes=lr_fixes(f.project, LR_STEP, f.lr_suggestion), sources=LEARNING_RATE_LOW,
                    epochs=tuple(range(n - q, n)))]
