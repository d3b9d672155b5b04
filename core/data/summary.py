"""A summary of a dataset for display: shape, task, class balance, per-column statistics, missing values."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..tasks import CLASSIFICATION_TASKS
from .dataset import Dataset


@dataclass(frozen=True)
class ColumnStats:
    name: str
    min: float
    max: float
    mean: float
    std: float          # population standard deviation, as used for standard scaling
    missing: int        # cells that were missing in the file (then dropped or filled)


@dataclass(frozen=True)
class DataSummary:
    name: str
    n_samples: int
    n_features: int
    task: str
    n_outputs: int
    columns: tuple[ColumnStats, ...]                     # one per feature column of X
    targets: tuple[ColumnStats, ...]                     # regression / multilabel target columns, else ()
    class_counts: tuple[tuple[str, int], ...] | None     # rows per class; positives per label for multilabel
    missing: dict                                        # {"policy", "counts": {column: n}, "rows_dropped"} or {}
    image_shape: tuple[int, int] | None
    predefined_splits: dict[str, int]                    # split name -> rows

    @property
    def balance(self) -> float | None:
        """Rows of the smallest class over rows of the largest (1.0 = balanced); None without classes."""
        if not self.class_counts or self.task not in CLASSIFICATION_TASKS:
            return None
        counts = [c for _, c in self.class_counts]
        return min(counts) / max(counts)

    def lines(self, max_columns: int = 12) -> list[str]:
        """Text for the CLI's `check` command."""
        out = [f"{self.name}: {self.n_samples} rows x {self.n_features} feature{'s' if self.n_features != 1 else ''}, task {self.task}, "
               f"{self.n_outputs} output{'s' if self.n_outputs != 1 else ''}"]
        if self.image_shape:
            out.append(f"  images: {self.image_shape[0]}x{self.image_shape[1]}")
        if self.class_counts:
            what = "labels (rows with each)" if self.task == "multilabel" else "classes"
            parts = [f"{name} {count} ({100 * count / self.n_samples:.1f}%)" for name, count in self.class_counts]
            balance = f"; balance {self.balance:.2f} (smallest/largest class)" if self.balance is not None else ""
            out.append(f"  {what}: {', '.join(parts[:20])}{', ...' if len(parts) > 20 else ''}{balance}")
        if self.missing.get("counts"):
            counts = ", ".join(f"{k} {v}" for k, v in self.missing["counts"].items())
            dropped = self.missing.get("rows_dropped", 0)
            action = f"{dropped} rows dropped" if dropped else "filled with column mean / most frequent value"
            out.append(f"  missing values ({self.missing['policy']}): {counts}; {action}")
        for name, rows in self.predefined_splits.items():
            out.append(f"  {name} split from the file: {rows} rows")
        for title, stats in (("feature", self.columns), ("target", self.targets)):
            if not stats:
                continue
            width = min(28, max(len(title), *(len(s.name) for s in stats)))
            out.append(f"  {title:<{width}} {'min':>10} {'max':>10} {'mean':>10} {'std':>10} {'missing':>8}")
            for s in stats[:max_columns]:
                out.append(f"  {s.name[:width]:<{width}} {s.min:>10.4g} {s.max:>10.4g} {s.mean:>10.4g} "
                           f"{s.std:>10.4g} {s.missing:>8d}")
            if len(stats) > max_columns:
                out.append(f"  ... and {len(stats) - max_columns} more {title}s")
        return out


def _stats(values: np.ndarray, names: tuple[str, ...], missing: list[int]) -> tuple[ColumnStats, ...]:
    lo, hi, mean, std = values.min(axis=0), values.max(axis=0), values.mean(axis=0), values.std(axis=0)
    return tuple(ColumnStats(names[j], float(lo[j]), float(hi[j]), float(mean[j]), float(std[j]), missing[j])
                 for j in range(values.shape[1]))


def _feature_missing(dataset: Dataset) -> list[int]:
    """Missing-cell counts of the raw column each feature came from (one-hot features share their column's)."""
    encoder = dataset.encoder or {}
    counts = (encoder.get("missing") or {}).get("counts", {})
    origins: list[str] = []
    for f in encoder.get("features", []):
        origins += [f["column"]] * (len(f["categories"]) if f["type"] == "categorical" else 1)
    if len(origins) != dataset.input_width:
        origins = list(dataset.feature_names)
    return [int(counts.get(name, 0)) for name in origins]


def summarize(dataset: Dataset) -> DataSummary:
    missing_report = dict((dataset.encoder or {}).get("missing") or {})
    counts = missing_report.get("counts", {})
    columns = _stats(dataset.X, dataset.feature_names, _feature_missing(dataset))
    targets: tuple[ColumnStats, ...] = ()
    class_counts = None
    if dataset.task in CLASSIFICATION_TASKS:
        per_class = np.bincount(dataset.y, minlength=dataset.n_classes)
        class_counts = tuple((name, int(c)) for name, c in zip(dataset.class_names, per_class))
    else:
        targets = _stats(dataset.y, dataset.target_names, [int(counts.get(n, 0)) for n in dataset.target_names])
        if dataset.task == "multilabel":
            class_counts = tuple((name, int(c)) for name, c in zip(dataset.class_names, dataset.y.sum(axis=0)))
    return DataSummary(dataset.name, dataset.n_samples, dataset.input_width, dataset.task, dataset.n_outputs,
                       columns, targets, class_counts, missing_report, dataset.image_shape,
                       {k: len(v[1]) for k, v in dataset.predefined_splits.items()})
