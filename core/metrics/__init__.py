"""Classification, ranking and regression metrics in pure NumPy, matching scikit-learn's definitions.

`evaluate(task, y_true, output, n_classes=0, curves=False)` is the one call the trainer makes at each epoch end.
"""
from .classification import (
    ClassScores,
    accuracy,
    accuracy_from_confusion,
    binary_mcc,
    class_scores,
    confusion_matrix,
    mcc,
    mcc_from_confusion,
    multilabel_confusion,
    multilabel_scores,
    precision_recall_f1,
    predicted_labels,
    scores_from_counts,
    specificity,
    subset_accuracy,
)
from .threshold_curves import (
    average_precision,
    binary_clf_counts,
    one_vs_rest,
    per_column,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)
from .evaluate import CLASSIFICATION_KEYS, REGRESSION_KEYS, TASKS, evaluate
from .regression import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    regression_metrics,
    root_mean_squared_error,
)

__all__ = [
    "CLASSIFICATION_KEYS",
    "REGRESSION_KEYS",
    "TASKS",
    "ClassScores",
    "accuracy",
    "accuracy_from_confusion",
    "average_precision",
    "binary_clf_counts",
    "binary_mcc",
    "class_scores",
    "confusion_matrix",
    "evaluate",
    "mcc",
    "mcc_from_confusion",
    "mean_absolute_error",
    "mean_squared_error",
    "multilabel_confusion",
    "multilabel_scores",
    "one_vs_rest",
    "per_column",
    "precision_recall_curve",
    "precision_recall_f1",
    "predicted_labels",
    "r2_score",
    "regression_metrics",
    "roc_auc",
    "roc_curve",
    "root_mean_squared_error",
    "scores_from_counts",
    "specificity",
    "subset_accuracy",
]
