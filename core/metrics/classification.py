"""Threshold metrics of a classifier, all derived from confusion counts (scikit-learn's definitions).

Conventions (the same as scikit-learn's defaults, so its functions are the test oracle):
- the confusion matrix is (K, K) with rows = true class and columns = predicted class;
- per-class precision, recall, F1 and specificity divide counts; a 0/0 gives 0.0, which is what scikit-learn's
  default `zero_division="warn"` returns (we return it without the warning). Specificity of class k is the recall
  of "not k" in the one-vs-rest problem, TN / (TN + FP);
- macro averages are the unweighted mean over ALL K classes (scikit-learn with `labels=range(K)`), so a class that is
  never predicted, or absent from `y_true`, pulls the average down instead of disappearing from it;
- MCC is scikit-learn's multi-class generalisation (Gorodkin's R_K); it equals the binary formula for K = 2, and is
  0.0 when its denominator is 0 (one class only in `y_true` or in the predictions), as in scikit-learn;
- with no samples at all every metric is nan.
Predictions are labels (integer or bool arrays) or probabilities (float arrays): (n, K) -> argmax (first maximum
wins a tie); (n,) or (n, 1) probability of class 1 -> class 1 when p > 0.5 (Keras' binary accuracy rule).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import TrainingError


def predicted_labels(y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Integer labels (n,) from labels, binary probabilities (n,) / (n, 1), or class probabilities (n, K)."""
    p = np.asarray(y_pred)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.dtype.kind in "biu":
        if p.ndim != 1:
            raise TrainingError(f"predicted labels have shape {p.shape}; expected (n,)")
        return p.astype(np.int64)
    if p.dtype.kind != "f" or p.ndim not in (1, 2):
        raise TrainingError(
            f"predictions have shape {p.shape} and dtype {p.dtype}; expected integer labels (n,) or "
            "float probabilities (n,), (n, 1) or (n, K)"
        )
    if p.ndim == 1:
        return (p > threshold).astype(np.int64)
    return np.argmax(p, axis=1).astype(np.int64)


def check_labels(y_true: np.ndarray, n_classes: int, where: str = "y_true") -> np.ndarray:
    """Integer labels (n,) in [0, n_classes): accepts (n,) or (n, 1), ints, bools or integral floats."""
    y = np.asarray(y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise TrainingError(f"{where} has shape {y.shape}; expected class labels of shape (n,)")
    if y.dtype.kind == "f":
        if y.size and not np.array_equal(y, np.round(y)):
            raise TrainingError(f"{where} holds non-integer values; expected class labels 0..{n_classes - 1}")
    elif y.dtype.kind not in "biu":
        raise TrainingError(f"{where} has dtype {y.dtype}; expected integer class labels 0..{n_classes - 1}")
    if y.size:
        lo, hi = y.min(), y.max()
        if lo < 0 or hi >= n_classes:
            bad = lo if lo < 0 else hi
            raise TrainingError(
                f"{where} contains label {bad:g}; expected labels 0..{n_classes - 1} for {n_classes} classes"
            )
    return y.astype(np.int64)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) int64 counts, rows = true class, columns = predicted class; y_pred may be labels or probabilities."""
    t = check_labels(y_true, n_classes)
    p = check_labels(predicted_labels(y_pred), n_classes, "predicted labels")
    if t.shape != p.shape:
        raise TrainingError(f"y_true has {t.shape[0]} rows but the predictions have {p.shape[0]}; expected equal")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0.0 where den == 0 (scikit-learn's default zero_division), without warnings."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den != 0)


@dataclass(frozen=True)
class ClassScores:
    """Per-class (one-vs-rest) scores, each (K,) float64, and the one-vs-rest counts they come from."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    specificity: np.ndarray
    mcc: np.ndarray
    accuracy: np.ndarray
    support: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray

    def macro(self, name: str) -> float:
        """Unweighted mean over all classes of one score ("precision", "recall", ...); nan if there are no samples."""
        values = getattr(self, name)
        # np.mean's own sum and division, without its Python layers
        return float(np.add.reduce(values)) / values.size if values.size else float("nan")

    @property
    def n_samples(self) -> int:
        return int(self.tp[0] + self.fp[0] + self.fn[0] + self.tn[0]) if self.tp.size else 0


def scores_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, tn: np.ndarray) -> ClassScores:
    """Per-class scores from one-vs-rest counts (K,); F1 = 2TP / (2TP + FP + FN) as in scikit-learn.

    A 0/0 ratio is 0.0 (scikit-learn's default); every score of a class is nan when there are no samples at all.
    The six ratios are one division of stacked arrays: a trainer computes them every epoch, and a dozen NumPy calls
    on K values cost more than the counting.
    """
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))
    den_mcc = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    num = np.stack([tp, tp, 2 * tp, tn, tp * tn - fp * fn, tp + tn])
    den = np.stack([tp + fp, tp + fn, 2 * tp + fp + fn, tn + fp, den_mcc, tp + tn + fp + fn])
    ratios = _ratio(num, den)
    ratios[:, den[5] == 0] = np.nan          # no samples at all
    precision, recall, f1, spec, mcc_, acc = ratios
    return ClassScores(precision=precision, recall=recall, f1=f1, specificity=spec, mcc=mcc_, accuracy=acc,
                       support=tp + fn, tp=tp, fp=fp, fn=fn, tn=tn)


def class_scores(cm: np.ndarray) -> ClassScores:
    """Per-class one-vs-rest scores from a (K, K) confusion matrix (rows true, columns predicted)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    tn = cm.sum() - tp - fp - fn
    return scores_from_counts(tp, fp, fn, tn)


def binary_mcc(tp: np.ndarray, tn: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """(TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)), elementwise; 0.0 where the denominator is 0."""
    tp, tn, fp, fn = (np.asarray(a, dtype=np.float64) for a in (tp, tn, fp, fn))
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return _ratio(tp * tn - fp * fn, den)


def mcc_from_confusion(cm: np.ndarray) -> float:
    """scikit-learn's multi-class MCC from a (K, K) confusion matrix; 0.0 if undefined, nan with no samples."""
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum()
    if n == 0:
        return float("nan")
    t_sum = cm.sum(axis=1)
    p_sum = cm.sum(axis=0)
    cov_tp = np.trace(cm) * n - t_sum @ p_sum
    cov_pp = n * n - p_sum @ p_sum
    cov_tt = n * n - t_sum @ t_sum
    den = cov_pp * cov_tt
    return 0.0 if den == 0 else float(cov_tp / np.sqrt(den))


def accuracy_from_confusion(cm: np.ndarray) -> float:
    """Fraction of correct predictions; nan with no samples."""
    cm = np.asarray(cm)
    n = cm.sum()
    return float(np.trace(cm) / n) if n else float("nan")


# Convenience wrappers: labels (n,) plus labels or probabilities.


def accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    return accuracy_from_confusion(confusion_matrix(y_true, y_pred, n_classes))


def mcc(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    return mcc_from_confusion(confusion_matrix(y_true, y_pred, n_classes))


def precision_recall_f1(
    y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, average: str | None = "macro"
) -> tuple:
    """(precision, recall, f1): per-class arrays (K,) with average=None, floats with "macro", or the positive class
    (1) with "binary" (scikit-learn's default for two classes)."""
    s = class_scores(confusion_matrix(y_true, y_pred, n_classes))
    return tuple(_pick(s, name, average) for name in ("precision", "recall", "f1"))


def specificity(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, average: str | None = "macro"):
    """TN / (TN + FP) per class (average=None), macro-averaged ("macro"), or of class 1 ("binary")."""
    return _pick(class_scores(confusion_matrix(y_true, y_pred, n_classes)), "specificity", average)


def _pick(s: ClassScores, name: str, average: str | None):
    if average is None:
        return getattr(s, name)
    if average == "macro":
        return s.macro(name)
    if average == "binary":
        if s.tp.size != 2:
            raise TrainingError(f'average="binary" needs 2 classes, got {s.tp.size}; use "macro" or None')
        return float(getattr(s, name)[1])
    raise TrainingError(f'average={average!r} is not known; expected "macro", "binary" or None')


# Multilabel: (n, k) 0/1 targets, each label its own binary problem.


def check_indicator(y_true: np.ndarray, where: str = "y_true") -> np.ndarray:
    """A (n, k) 0/1 indicator as bool; accepts ints, bools or floats equal to 0 or 1."""
    y = np.asarray(y_true)
    if y.ndim != 2:
        raise TrainingError(f"{where} has shape {y.shape}; expected multilabel targets of shape (n, k)")
    if y.dtype != bool and not np.isin(y, (0, 1)).all():
        raise TrainingError(f"{where} holds values other than 0 and 1; expected a 0/1 multilabel indicator")
    return y.astype(bool)


def multilabel_confusion(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """(k, 2, 2) counts [[TN, FP], [FN, TP]] per label, like `sklearn.metrics.multilabel_confusion_matrix`.

    `y_pred` is a 0/1 indicator (integer or bool) or probabilities (float, positive when p > threshold).
    """
    t = check_indicator(y_true)
    p = np.asarray(y_pred)
    if p.shape != t.shape:
        raise TrainingError(f"y_true has shape {t.shape} but the predictions {p.shape}; expected equal shapes")
    p = p > threshold if p.dtype.kind == "f" else check_indicator(p, "predictions")
    tp = np.count_nonzero(t & p, axis=0)
    fp = np.count_nonzero(~t & p, axis=0)
    fn = np.count_nonzero(t & ~p, axis=0)
    tn = t.shape[0] - tp - fp - fn
    return np.stack([np.stack([tn, fp], axis=1), np.stack([fn, tp], axis=1)], axis=1).astype(np.int64)


def multilabel_scores(mcm: np.ndarray) -> ClassScores:
    """Per-label scores (k,) from (k, 2, 2) multilabel confusion counts; `accuracy` is each label's accuracy."""
    mcm = np.asarray(mcm)
    return scores_from_counts(mcm[:, 1, 1], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 0, 0])


def subset_accuracy(y_true: np.ndarray, y_pred: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of rows whose every label is right (scikit-learn's `accuracy_score` on multilabel targets)."""
    t = check_indicator(y_true)
    p = np.asarray(y_pred)
    if p.shape != t.shape:
        raise TrainingError(f"y_true has shape {t.shape} but the predictions {p.shape}; expected equal shapes")
    p = p > threshold if p.dtype.kind == "f" else check_indicator(p, "predictions")
    return float(np.mean(np.all(t == p, axis=1))) if t.shape[0] else float("nan")
