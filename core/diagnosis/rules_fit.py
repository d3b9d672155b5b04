"""Bias and variance from the final training and validation errors against a target error (the Computational
Intelligence notes' table): high_bias, high_variance, high_bias_and_variance or good_fit."""
from __future__ import annotations

import math

import numpy as np

from .facts import RunFacts
from .findings import Finding, cite
from .fixes import (bigger_network, deeper_network, dropout, early_stopping, l2_regularization, more_epochs, present,
                    smaller_network, use_adam)
from .thresholds import (BIAS_PROBLEM, BIAS_THRESHOLD, BIAS_VARIANCE, FINAL_WINDOW, MIN_EPOCHS, OVERFITTING,
                         UNDERFITTING,                          VARIANCE_PROBLEM, VARIANCE_THRESHOLD, VARIANCE_Z)


def bias_variance(f: RunFacts) -> list[Finding]:
    train = f.error("")
    if train is None or f.epochs < MIN_EPOCHS:
        return []
    measure = "1 - R^2" if f.task == "regression" else "1 - accuracy"
    bias = train - f.target
    evidence: dict = {"train_error": train, "target_error": f.target, "avoidable_bias": bias,
                      "bias_threshold": BIAS_THRESHOLD, "error": measure, "epochs_averaged": FINAL_WINDOW}
    high_bias = bias > BIAS_THRESHOLD
    val = f.error("val_")
    high_variance = False
    epochs: tuple[int, ...] = ()
    if val is not None:
        variance = val - train
        evidence.update(val_error=val, variance=variance, variance_threshold=VARIANCE_THRESHOLD)
        high_variance = variance > VARIANCE_THRESHOLD
        if high_variance and f.n_val and f.task != "regression":
            se = math.sqrt(max(val * (1 - val), 0.0) / f.n_val)
            evidence.update(val_rows=f.n_val, standard_error=se, z_threshold=VARIANCE_Z)
            high_variance = variance > VARIANCE_Z * se
        val_loss = f.series("val_loss")
        if val_loss is not None and np.isfinite(val_loss).any():
            best = int(np.nanargmin(np.where(np.isfinite(val_loss), val_loss, np.nan)))
            evidence.update(best_val_loss_epoch=best, best_val_loss=float(val_loss[best]),
                            final_val_loss=f.final("val_loss"))
            epochs = (best,)
    text = (f"training error {train:.1%}" + (f", validation error {val:.1%}" if val is not None else "")
            + f", target error {f.target:.1%} (error = {measure}, last {FINAL_WINDOW} epochs)")
    if high_bias and high_variance:
        severity = "problem" if bias > BIAS_PROBLEM or evidence["variance"] > VARIANCE_PROBLEM else "warning"
        message = (f"High bias and high variance: {text}. The network neither fits the training data (avoidable "
                   f"bias {bias:.1%}) nor carries what it fits to new data (variance {evidence['variance']:.1%}; "
                   f"thresholds {BIAS_THRESHOLD:.1%}). The notes advise fixing the bias first. " + cite(BIAS_VARIANCE))
        return [Finding("high_bias_and_variance", severity, message, evidence, fixes=_bias_fixes(f),
                        sources=BIAS_VARIANCE, epochs=epochs)]
    if high_bias:
        message = (f"High bias (underfitting): {text}. The avoidable bias, {bias:.1%}, is above {BIAS_THRESHOLD:.1%}: "
                   "the network does not fit even the data it trains on. A bigger network (more units, more "
                   "layers), longer training or another optimizer lower it. If this error is as good as the data "
                   "allows, set training.target_error to it. " + cite(BIAS_VARIANCE + UNDERFITTING))
        return [Finding("high_bias", "problem" if bias > BIAS_PROBLEM else "warning", message, evidence,
                        fixes=_bias_fixes(f), sources=BIAS_VARIANCE + UNDERFITTING, epochs=epochs)]
    if high_variance:
        variance = evidence["variance"]
        rise = ""
        if "best_val_loss_epoch" in evidence and evidence["final_val_loss"] > evidence["best_val_loss"]:
            rise = (f" The validation loss was lowest at epoch {evidence['best_val_loss_epoch'] + 1} "
                    f"({evidence['best_val_loss']:.3g}) and ends at {evidence['final_val_loss']:.3g}.")
        message = (f"High variance (overfitting): {text}. Validation error exceeds training error by {variance:.1%} "
                   f"(threshold {VARIANCE_THRESHOLD:.1%}): the network learns its training rows rather than the rule "
                   "behind them." + rise + " Regularisation (dropout, L2), early stopping, a smaller network or "
                   "more data lower it. " + cite(BIAS_VARIANCE + OVERFITTING))
        fixes = present(early_stopping(f.project), dropout(f.project, f.layers), l2_regularization(f.layers),
                        smaller_network(f.layers))
        return [Finding("high_variance", "problem" if variance > VARIANCE_PROBLEM else "warning", message, evidence,
                        fixes=fixes, sources=BIAS_VARIANCE + OVERFITTING, epochs=epochs)]
    if val is None:
        return []
    message = (f"Good fit: {text}. Both the avoidable bias and the variance are within {BIAS_THRESHOLD:.1%}. "
               + cite(BIAS_VARIANCE))
    return [Finding("good_fit", "info", message, evidence, sources=BIAS_VARIANCE)]


def _bias_fixes(f: RunFacts):
    return present(deeper_network(f.project, f.layers), bigger_network(f.layers), more_epochs(f.project),
                   use_adam(f.project))
