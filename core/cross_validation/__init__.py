"""k-fold cross-validation on the training and validation rows (the test rows stay held out), with
scikit-learn's splitters, one run in the store per fold, and the mean and standard deviation of every metric.

    result = cross_validate(project, {"folds": 5})       # or CrossValidation(project, ...).run(listener)
    result.mean["val_accuracy"], result.std["val_accuracy"], result.to_json()
"""
from .folds import FoldPlan, fold_data, plan_folds
from .runner import (CrossValidation, CrossValidationResult, FoldResult, cross_validate, fold_metrics, summarize,
                     train_fold, train_prepared_fold)
from .settings import (PATH, CrossValidationSettings, ResolvedCrossValidation, check_folds,
                       parse_cross_validation)

__all__ = [
    "CrossValidation", "CrossValidationResult", "CrossValidationSettings", "FoldPlan", "FoldResult", "PATH",
    "ResolvedCrossValidation", "check_folds", "cross_validate", "fold_data", "fold_metrics", "parse_cross_validation",
    "plan_folds", "summarize", "train_fold", "train_prepared_fold",
]
