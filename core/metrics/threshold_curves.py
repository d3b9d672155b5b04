"""Threshold curves of a binary scorer: ROC, precision-recall, ROC-AUC and average precision.

These follow scikit-learn's definitions point for point, so numbers shown in LayerLab can be checked against it:
- samples with equal scores form ONE threshold (one curve point), as in `sklearn.metrics.roc_curve`;
- `roc_curve` starts at (0, 0) with threshold +inf and, by default (`drop_intermediate=True`), drops points that
  are collinear with their neighbours; `precision_recall_curve` keeps every threshold by default and ends with the
  point (recall 0, precision 1);
- ROC-AUC is the trapezoidal area under that ROC curve; average precision is the step sum
  `sum_n (R_n - R_{n-1}) P_n` (not interpolated).
Degenerate inputs never warn or raise: the ROC rates of an absent class are nan (so ROC-AUC is nan when only one
class is present), and a precision-recall curve without positives has recall 1 at every threshold (so its average
precision is 0.0), exactly the values scikit-learn returns, minus its warnings. With no samples at all, areas are nan.

Shapes: `y_true` (n,) of 0/1 (or bool), `scores` (n,) of any real numbers (higher means "more positive").
"""
from __future__ import annotations

import numpy as np

from ..errors import TrainingError


def _binary_inputs(y_true: np.ndarray, scores: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if y.ndim != 1 or s.shape != y.shape:
        raise TrainingError(
            f"{where}: y_true has shape {y.shape} and scores {s.shape}; expected two arrays of shape (n,)"
        )
    return y.astype(bool), s


def _check_finite(scores: np.ndarray, where: str) -> None:
    if not np.isfinite(scores).all():
        raise TrainingError(f"{where}: scores contain NaN or infinity; expected finite numbers")


def binary_clf_counts(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive counts at each distinct score, highest score first.

    Returns `fps`, `tps` (float64, cumulative, shape (t,)) and `thresholds` (decreasing distinct scores, (t,)), where
    point i counts the samples with score >= thresholds[i]. Tied scores are one point, so their order is irrelevant.
    """
    y, s = _binary_inputs(y_true, scores, "binary_clf_counts")
    _check_finite(s, "binary_clf_counts")
    return _counts(y, s, np.argsort(s)[::-1])


def _counts(y: np.ndarray, s: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`binary_clf_counts` for checked bool labels (n,) and scores (n,), with `order` sorting scores descending."""
    s = s[order]
    y = y[order]
    distinct = np.flatnonzero(np.diff(s))
    idx = np.concatenate([distinct, [s.size - 1]]) if s.size else np.zeros(0, dtype=np.intp)
    tps = np.cumsum(y, dtype=np.float64)[idx]
    fps = 1.0 + idx.astype(np.float64) - tps
    return fps, tps, s[idx]


def _roc_from_counts(
    fps: np.ndarray, tps: np.ndarray, thresholds: np.ndarray, drop_intermediate: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if drop_intermediate and fps.size > 2:
        corner = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        keep = np.flatnonzero(np.concatenate([[True], corner, [True]]))
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps = np.concatenate([[0.0], fps])
    tps = np.concatenate([[0.0], tps])
    thresholds = np.concatenate([[np.inf], thresholds.astype(np.float64)])
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, thresholds


def roc_curve(
    y_true: np.ndarray, scores: np.ndarray, *, drop_intermediate: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds), each (m,): increasing rates, decreasing thresholds starting at +inf."""
    return _roc_from_counts(*binary_clf_counts(y_true, scores), drop_intermediate)


def _auc_from_counts(fps: np.ndarray, tps: np.ndarray, thresholds: np.ndarray) -> float:
    if fps.size == 0 or fps[-1] <= 0 or tps[-1] <= 0:
        return float("nan")
    fpr, tpr, _ = _roc_from_counts(fps, tps, thresholds, True)
    return float(np.trapezoid(tpr, fpr))


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (trapezoidal, like `sklearn.metrics.roc_auc_score`); nan if a class is absent."""
    return _auc_from_counts(*binary_clf_counts(y_true, scores))


def _pr_from_counts(
    fps: np.ndarray, tps: np.ndarray, thresholds: np.ndarray, drop_intermediate: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if drop_intermediate and fps.size > 2:
        # Keep only the first and last point of each run of equal tps (a vertical segment of the plot).
        change = np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:]))
        keep = np.flatnonzero(np.concatenate([[True], change, [True]]))
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    ps = tps + fps
    precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
    recall = tps / tps[-1] if tps.size and tps[-1] > 0 else np.ones_like(tps)
    return (
        np.concatenate([precision[::-1], [1.0]]),
        np.concatenate([recall[::-1], [0.0]]),
        thresholds[::-1].astype(np.float64),
    )


def precision_recall_curve(
    y_true: np.ndarray, scores: np.ndarray, *, drop_intermediate: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision (t+1,), recall (t+1,), thresholds (t,)): thresholds increase, recall decreases to a final 0."""
    return _pr_from_counts(*binary_clf_counts(y_true, scores), drop_intermediate)


def _ap_from_counts(fps: np.ndarray, tps: np.ndarray, thresholds: np.ndarray) -> float:
    if fps.size == 0:
        return float("nan")
    if tps[-1] == 0:
        return 0.0  # recall is 1 at every threshold and precision 0 at the first: scikit-learn's value
    # Each threshold holds at least one sample, so tps + fps > 0.
    gain = np.diff(tps, prepend=0.0) / tps[-1]
    return float(max(0.0, np.sum(gain * (tps / (tps + fps)))))


def average_precision(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Average precision `sum_n (R_n - R_{n-1}) P_n`, like `sklearn.metrics.average_precision_score`."""
    return _ap_from_counts(*binary_clf_counts(y_true, scores))


def per_column(
    y_true: np.ndarray, scores: np.ndarray, *, curves: bool = False
) -> dict[str, object]:
    """ROC-AUC and average precision of each column of a 0/1 indicator (n, K) against scores (n, K).

    Returns {"auc": (K,), "ap": (K,)} and, with `curves=True`, also {"roc": {k: (fpr, tpr)}, "pr": {k: (recall,
    precision)}} (empty dicts when there are no samples). Serves one-vs-rest multi-class (indicator = one-hot labels)
    and multilabel targets alike.
    """
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(scores, dtype=np.float64)
    if p.ndim != 2 or y.shape != p.shape:
        raise TrainingError(f"per_column: y_true has shape {y.shape} and scores {p.shape}; expected two (n, K) arrays")
    _check_finite(p, "per_column")
    k = p.shape[1]
    # Class-major copies make each column contiguous; a tie's internal order is irrelevant, so the sort need not be
    # stable (an unstable sort is ~4x faster here).
    pt = np.ascontiguousarray(p.T)
    yt = np.ascontiguousarray(y.T)
    order = np.argsort(pt, axis=1)[:, ::-1]
    auc = np.full(k, np.nan)
    ap = np.full(k, np.nan)
    roc: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    pr: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for c in range(k):
        counts = _counts(yt[c], pt[c], order[c])
        auc[c] = _auc_from_counts(*counts)
        ap[c] = _ap_from_counts(*counts)
        if curves and p.shape[0]:  # no samples: no curve points to draw
            fpr, tpr, _ = _roc_from_counts(*counts, True)
            precision, recall, _ = _pr_from_counts(*counts, False)
            roc[c] = (fpr, tpr)
            pr[c] = (recall, precision)
    result: dict[str, object] = {"auc": auc, "ap": ap}
    if curves:
        result["roc"] = roc
        result["pr"] = pr
    return result


def one_vs_rest(
    y_true: np.ndarray, proba: np.ndarray, n_classes: int = 0, *, curves: bool = False
) -> dict[str, object]:
    """`per_column` for integer labels (n,) in [0, K) and class scores (n, K), each class against the rest.

    The macro ROC-AUC is `np.mean(result["auc"])`: nan when some class has no positive (or no negative) sample, as
    `roc_auc_score(y, proba, multi_class="ovr", labels=range(K))` gives.
    """
    labels = np.asarray(y_true)
    p = np.asarray(proba)
    k = p.shape[1] if p.ndim == 2 else -1
    if labels.ndim != 1 or p.ndim != 2 or p.shape[0] != labels.shape[0] or (n_classes and k != n_classes):
        raise TrainingError(
            f"one_vs_rest: y_true has shape {labels.shape} and proba {p.shape}; "
            f"expected (n,) and (n, {n_classes or 'K'})"
        )
    return per_column(labels[:, None] == np.arange(k), p, curves=curves)
