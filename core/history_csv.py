"""The per-epoch training history as CSV (one row per epoch, one column per logged value), shared by the CLI's
`--history` and the app's Export menu so both write the same file."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .fileio import atomic_write_text


def history_csv_text(history: dict[str, list[float]]) -> str:
    """`epoch` (from 1) then every key of `history`; values as repr() so they read back bit for bit."""
    keys = list(history)
    rows = len(next(iter(history.values()), []))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for i in range(rows):
        writer.writerow([i + 1, *(repr(float(history[k][i])) for k in keys)])
    return buffer.getvalue()


def write_history_csv(path: str | Path, history: dict[str, list[float]]) -> None:
    """Write atomically: an existing file is replaced only by a complete one."""
    atomic_write_text(Path(path), history_csv_text(history), "history file")
