"""The names a model file carries (class, label, target and input column names) checked against its outputs, so
prediction never indexes past a short list or prints a name that is not text."""
from __future__ import annotations

from ..errors import SpecError


def check_names(meta: dict, output_width: int) -> None:
    """The names prediction prints must fit the outputs: K class names for K classes (2 for one sigmoid unit), a
    name per label (multilabel) and per raw input column; SpecError naming the key otherwise."""
    task = meta.get("task")
    raw_width = meta.get("raw_width")
    _string_list(meta, "feature_names", raw_width if isinstance(raw_width, int) else None)
    if task in ("binary", "multiclass"):
        _string_list(meta, "class_names", max(2, output_width), optional=True)
    elif task == "multilabel":
        _string_list(meta, "class_names", output_width, optional=True)
    _string_list(meta, "target_names", None, optional=True)


def _string_list(meta: dict, key: str, length: int | None, optional: bool = False) -> None:
    value = meta.get(key)
    if value is None and (optional or key not in meta):
        return
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{key} must be a list of strings{' or null' if optional else ''}, got "
                           f"{type(value).__name__}")
    if length is not None and len(value) != length:
        raise SpecError(f"{key} has {len(value)} names, but the model has {length}")
