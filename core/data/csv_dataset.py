"""A CSV file as a `Dataset`: column choice, the missing-value policy, one-hot encoding and the encoder record.

The encoder (a JSON-able dict stored with the model) says how raw columns became X, so `encode_features` turns a
new CSV into the same columns at prediction time (fill values: provisional over all rows here, refitted on the
training rows by `prepare`, see fill.py):
    {"format": "csv", "version": 1, "source_columns": [...every column of the training file...],
     "features": [{"column": "age", "type": "numeric", "fill": 41.5 | null},
                  {"column": "colour", "type": "categorical", "categories": ["blue", "red"], "fill": "red" | null}],
     "targets": ["species"], "missing": {"policy": "drop", "counts": {"age": 3}, "rows_dropped": 3}}
"""
from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import DataError
from .csv_sniff import CsvLayout, sniff_layout
from .csv_table import Table, read_table
from .dataset import Dataset
from .targets import numeric_targets, text_targets

ENCODER_VERSION = 1


def _resolve(ref: str | int, layout: CsvLayout, where: str) -> int:
    names = layout.names
    if isinstance(ref, int):
        j = ref + len(names) if ref < 0 else ref
        if not 0 <= j < len(names):
            raise DataError(f"{where}: column index {ref} is out of range; {layout.label} has {len(names)} columns")
        return j
    if ref in names:
        return names.index(ref)
    near = difflib.get_close_matches(ref, names, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    shown = ", ".join(repr(n) for n in names[:12]) + (", ..." if len(names) > 12 else "")
    no_header = "" if layout.has_header else "; no header row was detected, set data.header to true if it has one"
    raise DataError(f"{where}: column {ref!r} not found in {layout.label}{hint}; columns: {shown}{no_header}")


def _single_column_hint(layout: CsvLayout, fix: str) -> str:
    """For a file read as one column: its fields are probably separated by something the sniffer did not find."""
    if len(layout.names) != 1:
        return ""
    return f"; the file reads as a single column (no , tab ; | or regular spaces between fields): {fix}"


SET_DELIMITER = "set data.delimiter if its fields are separated by something else"


def _resolve_list(refs: list[str | int], layout: CsvLayout, where: str) -> list[int]:
    """Column indices for a list of references; two entries naming one column (0 and -4, "a" and 0) are an error."""
    indices = [_resolve(ref, layout, where) for ref in refs]
    for i, j in enumerate(indices):
        if j in indices[:i]:
            first = indices.index(j)
            raise DataError(f"{where}: entries {first} ({refs[first]!r}) and {i} ({refs[i]!r}) both name column"
                            f" {layout.names[j]!r} of {layout.label}; list each column once")
    return indices


def _missing_report(table: Table, names: list[str], missing: list[np.ndarray]) -> str:
    parts = []
    for k, miss in enumerate(missing):
        count = int(miss.sum())
        if count:
            first = int(table.lines[np.argmax(miss)])
            parts.append(f"{names[k]!r} {count} row{'s' if count != 1 else ''} (first on line {first})")
    return "; ".join(parts)


def load_csv_dataset(path: Path, spec: dict[str, Any], progress: Callable[[float], None] | None = None) -> Dataset:
    """Load a CSV described by a validated csv spec (target, columns, categorical, delimiter, header, missing)."""
    delimiter = None if spec["delimiter"] == "auto" else spec["delimiter"]
    header = None if spec["header"] == "auto" else spec["header"]
    layout = sniff_layout(path, delimiter, header)
    label = layout.label
    target_refs = spec["target"] if isinstance(spec["target"], list) else [spec["target"]]
    targets = _resolve_list(target_refs, layout, "data.target")
    if spec["columns"] is not None:
        features = _resolve_list(spec["columns"], layout, "data.columns")
        clash = [layout.names[j] for j in features if j in targets]
        if clash:
            raise DataError(f"data.columns: {clash[0]!r} is the target; a column cannot be both")
    else:
        features = [j for j in range(len(layout.names)) if j not in targets]
    if not features:
        raise DataError(f"{label}: no feature columns left besides the target {layout.names[targets[0]]!r}"
                        f"{_single_column_hint(layout, SET_DELIMITER)}")
    text_columns = {_resolve(ref, layout, "data.categorical") for ref in spec["categorical"]}
    table = read_table(layout, features + targets, text_columns, progress, split=len(features))
    names = [layout.names[j] for j in table.columns]
    fills, report, filled = _apply_missing(table, names, spec["missing"])
    F = len(features)
    X, feature_names, encoded = _encode(table, names[:F], fills)
    target_names = tuple(names[F:])
    if len(targets) == 1 and table.kinds[F] == "text":
        result = text_targets(table.extra[:, 0].astype(np.int64), table.categories[F], target_names[0],
                              spec["task"], label)
    else:
        text = [n for n, kind in zip(target_names, table.kinds[F:]) if kind == "text"]
        if text:
            raise DataError(f"{label}: target {text[0]!r} holds text; several target columns must all be numbers")
        result = numeric_targets(table.extra, target_names, spec["task"], label)
    encoder = {"format": "csv", "version": ENCODER_VERSION, "source_columns": list(layout.names),
               "features": encoded, "targets": list(target_names), "missing": report}
    return Dataset(label, X, result.y, result.task, feature_names, result.class_names, result.target_names,
                   encoder=encoder, missing_cells=filled)


def _apply_missing(table: Table, names: list[str], policy: str) -> tuple[list[Any], dict, dict]:
    """Drop rows or fill cells in place per `policy`; returns per-feature fill values (codes for text columns),
    the report stored in the encoder, and the filled rows per column. The fill is over all rows: provisional,
    until `prepare` refits it on the training rows (fill.py)."""
    label = table.layout.label
    n_features = table.values.shape[1]
    missing = [np.isnan(table.column(k)) for k in range(len(names))]
    counts = [int(m.sum()) for m in missing]
    fills: list[Any] = [None] * n_features
    report = {"policy": policy, "counts": {names[k]: c for k, c in enumerate(counts) if c}, "rows_dropped": 0}
    if not any(counts):
        return fills, report, {}
    for k, kind in enumerate(table.kinds):
        if kind == "empty":
            raise DataError(f"{label}, column {names[k]!r}: every cell is missing; leave the column out with"
                            f" data.columns")
    any_missing = np.logical_or.reduce(missing)
    rows = int(any_missing.sum())
    detail = _missing_report(table, names, missing)
    if policy == "error":
        raise DataError(f"{label}: missing values in {rows} row{'s' if rows != 1 else ''}: {detail}; set"
                        f" data.missing to \"drop\" (remove those rows) or \"fill\" (column mean, or most frequent"
                        f" value for text)")
    if policy == "drop":
        if any_missing.all():
            raise DataError(f"{label}: every row has a missing value ({detail}); nothing is left after dropping")
        table.select(~any_missing)
        report["rows_dropped"] = rows
        return fills, report, {}
    if any(counts[n_features:]):
        raise DataError(f"{label}: target values are missing ({detail}); targets are never filled in, use"
                        f" data.missing \"drop\" for those rows")
    for k in range(n_features):
        if counts[k]:
            column = table.values[:, k]
            present = column[~missing[k]]
            if table.kinds[k] == "text":
                fills[k] = float(np.argmax(np.bincount(present.astype(np.int64))))   # ties: alphabetically first
            else:
                fills[k] = float(present.mean())
            column[missing[k]] = fills[k]
    return fills, report, {names[k]: np.flatnonzero(missing[k]) for k in range(n_features) if counts[k]}


def _one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    """(n,) codes in [0, k) -> (n, k) float64 of 0/1."""
    return (codes[:, None] == np.arange(k)).astype(np.float64)


def _encode(table: Table, names: list[str], fills: list[Any]) -> tuple[np.ndarray, tuple[str, ...], list[dict]]:
    """Numeric columns as they are, text columns one-hot over the categories present; plus encoder entries."""
    values = table.values
    parts, feature_names, encoded = [], [], []
    for k in range(values.shape[1]):
        if table.kinds[k] == "text":
            codes = values[:, k].astype(np.int64)
            present = np.unique(codes)
            cats = [table.categories[k][c] for c in present]
            parts.append(_one_hot(np.searchsorted(present, codes), len(cats)))
            feature_names += [f"{names[k]}={c}" for c in cats]
            fill = None if fills[k] is None else table.categories[k][int(fills[k])]
            encoded.append({"column": names[k], "type": "categorical", "categories": cats, "fill": fill})
        else:
            parts.append(values[:, k:k + 1])
            feature_names.append(names[k])
            encoded.append({"column": names[k], "type": "numeric", "fill": fills[k]})
    X = values if "text" not in table.kinds[:values.shape[1]] else np.concatenate(parts, axis=1)
    return X, tuple(feature_names), encoded


# --- prediction inputs ------------------------------------------------------------------------------------------
def _valid_feature(f: Any) -> bool:
    if not isinstance(f, dict) or not isinstance(f.get("column"), str):
        return False
    fill = f.get("fill")
    if f.get("type") == "numeric":
        return fill is None or (isinstance(fill, (int, float)) and not isinstance(fill, bool) and np.isfinite(fill))
    cats = f.get("categories")
    return (f.get("type") == "categorical" and isinstance(cats, list) and len(cats) > 0
            and all(isinstance(c, str) for c in cats) and (fill is None or fill in cats))


def _check_encoder(encoder: Any) -> list[dict]:
    ok = (isinstance(encoder, dict) and encoder.get("format") == "csv" and encoder.get("version") == ENCODER_VERSION
          and isinstance(encoder.get("features"), list) and len(encoder["features"]) > 0
          and isinstance(encoder.get("source_columns"), list)
          and all(_valid_feature(f) for f in encoder["features"]))
    if not ok:
        raise DataError("the model's CSV encoder record is malformed; re-train or re-save the model")
    return encoder["features"]


def _layout_for(path: Path, columns: list[str], source_columns: list[str]) -> CsvLayout:
    """Match the file's columns to the encoder's: by header names (every input present; other columns only if the
    training file had them, such as the target), else by position."""
    layout = sniff_layout(path)
    if layout.has_header and set(layout.names) & set(columns):
        check_header(layout, columns, source_columns, "a column of the training file")
        return layout
    layout = sniff_layout(path, layout.delimiter, False)
    count = len(layout.names)
    for names in (list(source_columns), columns):
        if count == len(names):
            return dataclasses.replace(layout, names=tuple(names))
    raise DataError(f"{layout.label}: its first line does not name the model's input columns "
                    f"({', '.join(columns[:8])}{', ...' if len(columns) > 8 else ''}), and its {count} columns match"
                    f" neither the {len(columns)} inputs nor the {len(source_columns)} columns of the training file")


def check_header(layout: CsvLayout, inputs: list[str] | tuple[str, ...], allowed: list[str] | tuple[str, ...],
                 allowed_what: str) -> None:
    """DataError in one line if a header row (whose names sniffing made unique) lacks one of the model's inputs,
    or names a column that is neither an input nor in `allowed` (a typo would otherwise be silently ignored)."""
    def shown(names) -> str:
        return ", ".join(repr(n) for n in list(names)[:8]) + (", ..." if len(names) > 8 else "")

    missing = [n for n in inputs if n not in layout.names]
    if missing:
        raise DataError(f"{layout.label}: its header has no column {shown(missing)}; the model takes "
                        f"{shown(inputs)} (matched by name, in any order)")
    unknown = [n for n in layout.names if n not in inputs and n not in allowed]
    if unknown:
        raise DataError(f"{layout.label}: its header names column {shown(unknown)}, which is neither an input of "
                        f"the model ({shown(inputs)}) nor {allowed_what}; remove or rename it")


def encode_features(path: Path, encoder: dict) -> np.ndarray:
    """A CSV encoded as the training CSV was: (n, d) float64 in the training feature order."""
    spec = _check_encoder(encoder)
    columns = [f["column"] for f in spec]
    layout = _layout_for(path, columns, encoder["source_columns"])
    used = [layout.names.index(c) for c in columns]
    text = {j for j, f in zip(used, spec) if f["type"] == "categorical"}
    table = read_table(layout, used, text)
    parts = []
    for k, f in enumerate(spec):
        column = table.values[:, k]
        missing = np.isnan(column)
        if f["type"] == "numeric":
            if table.kinds[k] == "text":
                raise DataError(f"{layout.label}, column {f['column']!r}: holds text, but the model was trained on"
                                f" numbers in this column")
            if missing.any():
                column = np.where(missing, _fill_value(missing, f, table, layout.label), column)
            parts.append(column[:, None])
            continue
        cats = f["categories"]
        lookup = np.array([cats.index(c) if c in cats else -1 for c in (table.categories[k] or ())], dtype=np.int64)
        codes = np.full(len(column), -1, dtype=np.int64)
        codes[~missing] = lookup[column[~missing].astype(np.int64)] if len(lookup) else -1
        unknown = ~missing & (codes < 0)
        if unknown.any():
            i = int(np.argmax(unknown))
            value = table.categories[k][int(column[i])]
            raise DataError(f"{layout.label} line {int(table.lines[i])}, column {f['column']!r}: {value!r} was not"
                            f" seen in training; known values: {', '.join(map(str, cats[:10]))}")
        if missing.any():
            codes[missing] = cats.index(_fill_value(missing, f, table, layout.label))
        parts.append(_one_hot(codes, len(cats)))
    return np.concatenate(parts, axis=1)


def _fill_value(missing: np.ndarray, f: dict, table: Table, label: str) -> Any:
    """The training fill value for a column's missing cells; DataError if the model has none."""
    if f.get("fill") is None:
        line = int(table.lines[int(np.argmax(missing))])
        raise DataError(f"{label} line {line}, column {f['column']!r}: the value is missing, and the model was not"
                        f" trained to fill missing values (train with data.missing \"fill\")")
    return f["fill"]


def numeric_features(path: Path, raw_width: int, feature_names: tuple[str, ...] | None = None,
                     targets: tuple[str, ...] = ()) -> np.ndarray:
    """A CSV of numbers only with `raw_width` columns. With a header and the model's `feature_names`, columns are
    matched by name (any order; a target column is ignored, any other unknown or missing column is an error);
    without a header, by position."""
    layout = sniff_layout(path)
    if layout.has_header and feature_names is not None and len(feature_names) == raw_width:
        check_header(layout, feature_names, targets, "one of its targets")
        used = [layout.names.index(n) for n in feature_names]
    else:
        if len(layout.names) != raw_width:
            raise DataError(f"{layout.label}: has {len(layout.names)} columns; the model takes {raw_width} inputs"
                            f"{_single_column_hint(layout, 'separate its fields with commas')}")
        used = list(range(raw_width))
    table = read_table(layout, used)
    for k, kind in enumerate(table.kinds):
        if kind != "numeric":
            what = "text" if kind == "text" else "no values"
            raise DataError(f"{layout.label}, column {layout.names[used[k]]!r}: holds {what}; the model takes numbers "
                            "only")
    missing = np.isnan(table.values)
    if missing.any():
        i, k = np.argwhere(missing)[0]
        raise DataError(f"{layout.label} line {int(table.lines[i])}, column {layout.names[k]!r}: missing value")
    return table.values
