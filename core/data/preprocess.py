"""What a model needs to predict on raw inputs: feature crosses, then a per-feature affine scaling.

Both steps are plain data so they can be saved with the weights and exported to ONNX node by node:
a cross is `{"name": "x1*x2", "op": "product", "inputs": [0, 1]}` (ops: identity, square, product, sin, over raw
column indices), and scaling is `x' = (x - offset) * scale` per crossed feature, fitted on training rows only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataError

# The playground's input toggles: name -> (op, raw column indices).
CROSSES: dict[str, tuple[str, tuple[int, ...]]] = {
    "x1": ("identity", (0,)),
    "x2": ("identity", (1,)),
    "x1^2": ("square", (0,)),
    "x2^2": ("square", (1,)),
    "x1*x2": ("product", (0, 1)),
    "sin(x1)": ("sin", (0,)),
    "sin(x2)": ("sin", (1,)),
}
OPS = {"identity": 1, "square": 1, "product": 2, "sin": 1}   # op -> number of inputs
SCALINGS = ("none", "standard", "minmax")
FORMAT_VERSION = 1


def _render(op: str, names: list[str]) -> str:
    return {"identity": "{0}", "square": "{0}^2", "product": "{0}*{1}", "sin": "sin({0})"}[op].format(*names)


def build_crosses(features: list[str] | None, feature_names: tuple[str, ...], where: str = "data.features") \
        -> tuple[dict, ...]:
    """Cross descriptions for the toggles in `features` (None: identity on every raw column).

    Names use the dataset's own column names: "x1*x2" for the toys, "height*weight" for a 2-column CSV.
    """
    d = len(feature_names)
    if features is None:
        return tuple({"name": name, "op": "identity", "inputs": [j]} for j, name in enumerate(feature_names))
    crosses = []
    for token in features:
        op, inputs = CROSSES[token]
        if d > 2 or max(inputs) >= d:
            raise DataError(f"{where}: {token!r} needs {max(inputs) + 1} input column{'s' if max(inputs) else ''}"
                            f" and feature crosses apply to data with one or two columns, but this data has {d}"
                            f" ({', '.join(feature_names[:4])}{', ...' if d > 4 else ''}); remove data.features to"
                            f" use every column as it is")
        crosses.append({"name": _render(op, [feature_names[j] for j in inputs]), "op": op, "inputs": list(inputs)})
    return tuple(crosses)


def apply_crosses(X: np.ndarray, crosses: tuple[dict, ...], rows: np.ndarray | None = None) -> np.ndarray:
    """(n, d) raw -> (n, len(crosses)) crossed features; with `rows`, only those rows (without copying X first)."""
    def column(j: int) -> np.ndarray:
        return X[:, j] if rows is None else X[rows, j]

    if all(c["op"] == "identity" and c["inputs"] == [k] for k, c in enumerate(crosses)) and len(crosses) == X.shape[1]:
        # Every column as it is (all data but the playground's): the rows in one gather, or one copy when they are
        # a run (every row, split without holding any out), not a strided gather per column (0.4 s instead of
        # 0.03 s on 12,800 x 784).
        if rows is not None:
            rows = np.asarray(rows)
            if (rows.dtype.kind in "iu" and len(rows) and 0 <= rows[0] and rows[-1] < X.shape[0]
                    and np.all(np.diff(rows) == 1)):          # a run of rows: a plain copy
                rows = slice(int(rows[0]), int(rows[-1]) + 1)
            else:
                return np.take(np.asarray(X, dtype=np.float64), rows, axis=0)
        return np.array(X[rows] if rows is not None else X, dtype=np.float64, order="C")
    out = np.empty((X.shape[0] if rows is None else len(rows), len(crosses)), dtype=np.float64)
    for k, cross in enumerate(crosses):
        op, inputs = cross["op"], cross["inputs"]
        a = column(inputs[0])
        if op == "identity":
            out[:, k] = a
        elif op == "square":
            np.square(a, out=out[:, k])
        elif op == "product":
            np.multiply(a, column(inputs[1]), out=out[:, k])
        else:
            np.sin(a, out=out[:, k])
    return out


# Above this magnitude a column's squares overflow float64 (1e154 ** 2 > 1.8e308).
LARGE_VALUE = 1e150


def fit_scaling(C: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(offset, scale) for crossed training features C (m, d'); a constant column keeps scale 1."""
    d = C.shape[1]
    if method == "none":
        return np.zeros(d), np.ones(d)
    if method == "standard":
        # Population standard deviation (ddof=0), as scikit-learn's StandardScaler. Columns whose squares would
        # overflow (values beyond ~1e154) are summed divided by their largest magnitude, then scaled back.
        big = np.max(np.abs(C), axis=0, initial=0.0) if C.size else np.zeros(d)
        huge = big > LARGE_VALUE
        offset = C.mean(axis=0) if not huge.any() else np.empty(d)
        spread = C.std(axis=0) if not huge.any() else np.empty(d)
        if huge.any():
            fine = ~huge
            offset[fine], spread[fine] = C[:, fine].mean(axis=0), C[:, fine].std(axis=0)
            unit = C[:, huge] / big[huge]
            offset[huge], spread[huge] = unit.mean(axis=0) * big[huge], unit.std(axis=0) * big[huge]
    else:
        offset = C.min(axis=0)
        with np.errstate(over="ignore"):
            spread = C.max(axis=0) - offset
    if not (np.all(np.isfinite(offset)) and np.all(np.isfinite(spread))):
        j = int(np.argmax(~(np.isfinite(offset) & np.isfinite(spread))))
        raise DataError(f"input {j + 1} spans values too far apart to be scaled in float64 (up to "
                        f"{np.max(np.abs(C[:, j])):.3g}); rescale that column before training")
    with np.errstate(divide="ignore", over="ignore"):
        scale = np.where(spread > 0, 1.0 / np.where(spread > 0, spread, 1.0), 1.0)
    scale[~np.isfinite(scale)] = 1.0
    return offset.astype(np.float64), scale.astype(np.float64)


def _frozen(values: Any, n: int, what: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"preprocessing: {what} must be a list of {n} numbers") from None
    if array.shape != (n,) or not np.all(np.isfinite(array)):
        raise DataError(f"preprocessing: {what} must be {n} finite numbers, got shape {array.shape}")
    array.flags.writeable = False
    return array


def _check_cross(cross: Any, i: int, raw_width: int) -> dict:
    where = f"preprocessing: crosses[{i}]"
    if not isinstance(cross, dict) or set(cross) != {"name", "op", "inputs"}:
        raise DataError(f"{where} must be an object with keys name, op, inputs, got {cross!r:.80}")
    name, op, inputs = cross["name"], cross["op"], cross["inputs"]
    if not isinstance(name, str) or not isinstance(op, str) or op not in OPS:
        raise DataError(f"{where}: needs a string name and an op among {', '.join(OPS)}, got {name!r}, {op!r}")
    if (not isinstance(inputs, (list, tuple)) or len(inputs) != OPS[op]
            or not all(isinstance(j, int) and not isinstance(j, bool) and 0 <= j < raw_width for j in inputs)):
        raise DataError(f"{where}: op {op!r} needs {OPS[op]} column indices in [0, {raw_width}), got {inputs!r}")
    return {"name": name, "op": op, "inputs": [int(j) for j in inputs]}


@dataclass(frozen=True, eq=False)
class Preprocessor:
    """Immutable: raw inputs (n, raw_width) -> crossed (n, d') -> scaled (C - offset) * scale."""

    crosses: tuple[dict, ...]
    method: str
    offset: np.ndarray     # (d',) float64
    scale: np.ndarray      # (d',) float64
    raw_width: int

    def __post_init__(self) -> None:
        if isinstance(self.raw_width, bool) or not isinstance(self.raw_width, (int, np.integer)) \
                or self.raw_width < 1:
            raise DataError(f"preprocessing: raw_width must be a positive integer, got {self.raw_width!r}")
        if self.method not in SCALINGS:
            raise DataError(f"preprocessing: method must be one of {', '.join(SCALINGS)}, got {self.method!r}")
        if not isinstance(self.crosses, (list, tuple)) or not self.crosses:
            raise DataError("preprocessing: crosses must be a non-empty list")
        crosses = tuple(_check_cross(c, i, int(self.raw_width)) for i, c in enumerate(self.crosses))
        object.__setattr__(self, "crosses", crosses)
        object.__setattr__(self, "raw_width", int(self.raw_width))
        object.__setattr__(self, "offset", _frozen(self.offset, len(crosses), "offset"))
        object.__setattr__(self, "scale", _frozen(self.scale, len(crosses), "scale"))

    @property
    def width(self) -> int:
        """d': the width of the transformed inputs (the network's input layer)."""
        return len(self.crosses)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(c["name"] for c in self.crosses)

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """(n, raw_width) raw inputs -> (n, d') network inputs; DataError on a wrong width or non-finite values."""
        try:
            X = np.asarray(X_raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError("inputs must be numbers") from None
        if X.ndim != 2 or X.shape[1] != self.raw_width:
            raise DataError(f"inputs have shape {X.shape}; this model needs (n, {self.raw_width})")
        if not np.all(np.isfinite(X)):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise DataError(f"inputs row {bad[0]}, column {bad[1]}: {X[bad[0], bad[1]]} is not a finite number")
        return self.scale_crossed(apply_crosses(X, self.crosses))

    def scale_crossed(self, C: np.ndarray) -> np.ndarray:
        """The scaling step alone, in place on crossed features C (m, d'); returns C."""
        if not (np.any(self.offset) or np.signbit(self.offset).any() or np.any(self.scale != 1.0)):
            return C       # x - (+0.0) and x * 1.0 are x bit for bit: two passes over the data saved ("none")
        C -= self.offset
        C *= self.scale
        return C

    def to_dict(self) -> dict:
        """JSON-able; floats are written with repr precision, so `from_dict` restores them bit for bit."""
        return {
            "version": FORMAT_VERSION,
            "crosses": [dict(c, inputs=list(c["inputs"])) for c in self.crosses],
            "method": self.method,
            "offset": [float(v) for v in self.offset],
            "scale": [float(v) for v in self.scale],
            "raw_width": self.raw_width,
        }

    @classmethod
    def from_dict(cls, d: Any) -> "Preprocessor":
        keys = {"version", "crosses", "method", "offset", "scale", "raw_width"}
        if not isinstance(d, dict) or set(d) != keys:
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise DataError(f"preprocessing must be an object with keys {', '.join(sorted(keys))}, got {got}")
        if d["version"] != FORMAT_VERSION:
            raise DataError(f"preprocessing: version {d['version']!r} is not supported (expected {FORMAT_VERSION})")
        for key in ("offset", "scale"):
            values = d[key]
            if not isinstance(values, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                             for v in values):
                raise DataError(f"preprocessing: {key} must be a list of numbers")
        return cls(tuple(d["crosses"]) if isinstance(d["crosses"], list) else d["crosses"], d["method"],
                   d["offset"], d["scale"], d["raw_width"])
