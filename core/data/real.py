"""Small real datasets that ship inside scikit-learn (no network access), as `Dataset`s with their names.

scikit-learn is imported only when one of them is asked for: it takes a second or two to import.
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError
from .dataset import Dataset

# name -> (loader function name in sklearn.datasets, keyword arguments, task, target name, description)
REAL = {
    "iris": ("load_iris", {}, "multiclass", "species",
             "Iris flowers: 150 samples, 4 measurements, 3 species"),
    "wine": ("load_wine", {}, "multiclass", "cultivar",
             "Wine recognition: 178 samples, 13 chemical measurements, 3 cultivars"),
    "breast_cancer": ("load_breast_cancer", {}, "binary", "diagnosis",
                      "Breast cancer Wisconsin: 569 samples, 30 cell-nucleus features, malignant or benign"),
    "digits": ("load_digits", {}, "multiclass", "digit",
               "Handwritten digits: 1797 8x8 grey images (values 0..16), 10 classes"),
    "diabetes": ("load_diabetes", {"scaled": False}, "regression", "progression",
                 "Diabetes: 442 patients, 10 raw baseline variables, disease progression after one year"),
    "linnerud": ("load_linnerud", {}, "regression", "",
                 "Linnerud: 20 men, 3 exercises -> 3 physiological measurements (multi-output regression)"),
}
N_FEATURES = {"iris": 4, "wine": 13, "breast_cancer": 30, "digits": 64, "diabetes": 10, "linnerud": 3}


def load_real(name: str) -> Dataset:
    """One of REAL's datasets, exactly as scikit-learn ships it (features unscaled)."""
    function, kwargs, task, target, _ = REAL[name]
    try:
        from sklearn import datasets
    except ImportError as exc:  # a broken installation, not a user mistake we can name better
        raise DataError(f"dataset {name!r} needs scikit-learn, which cannot be imported: {exc}") from None
    bunch = getattr(datasets, function)(**kwargs)
    X = np.asarray(bunch.data, dtype=np.float64)
    features = tuple(str(s) for s in bunch.feature_names)
    if task == "regression":
        y = np.asarray(bunch.target, dtype=np.float64).reshape(len(X), -1)
        targets = tuple(str(s) for s in bunch.target_names) if y.shape[1] > 1 else (target,)
        return Dataset(name, X, y, task, features, None, targets)
    classes = tuple(str(s) for s in bunch.target_names)
    image_shape = (8, 8) if name == "digits" else None
    return Dataset(name, X, np.asarray(bunch.target, dtype=np.int64), task, features, classes, (target,),
                   image_shape=image_shape)
