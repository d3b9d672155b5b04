"""SQL rows to records and back: the SELECT lists, the conversions, and the history chunks' merge."""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .records import Run, RunGroup, RunSummary, decode_values, encode_values

RUN_COLUMNS = ("id, name, kind, status, detail, project_name, project, seed, started, finished, updated, "
               "start_epoch, epochs, target_epochs, final, best, test, weights_path, notes, group_id, group_index, "
               "pid, host")
GROUP_COLUMNS = "id, kind, name, status, project, settings, summary, created, finished, study"


def _json(text: str | None) -> dict:
    return json.loads(text) if text else {}


def run_summary(row: Sequence[Any], tags: Iterable[str] = ()) -> RunSummary:
    (id_, name, kind, status, detail, project_name, project, seed, started, finished, updated, start_epoch, epochs,
     target_epochs, final, best, test, weights_path, notes, group_id, group_index, pid, host) = row
    best_pairs = _json(best)
    return RunSummary(
        id=id_, name=name, kind=kind, status=status, detail=detail, project_name=project_name, project_json=project,
        seed=seed, started=started, finished=finished, updated=updated, start_epoch=start_epoch, epochs=epochs,
        target_epochs=target_epochs, final=_json(final), best={k: v[0] for k, v in best_pairs.items()},
        best_epoch={k: int(v[1]) for k, v in best_pairs.items()}, test=_json(test), weights_path=weights_path,
        notes=notes, tags=tuple(sorted(tags)), group_id=group_id, group_index=group_index, pid=pid, host=host)


def run_with_history(summary: RunSummary, chunks: Iterable[tuple[str, int, int, bytes]]) -> Run:
    """`chunks` are (key, first_epoch, count, values) rows ordered by key and first epoch."""
    history: dict[str, list[float]] = {}
    epochs: dict[str, list[int]] = {}
    for key, first, count, blob in chunks:
        values = decode_values(blob)
        history.setdefault(key, []).extend(values.tolist())
        epochs.setdefault(key, []).extend(range(first, first + count))
    # Keys in the order the trainer logged them (the last epoch's order), then any that stopped being logged.
    order = [k for k in summary.final if k in history] + sorted(k for k in history if k not in summary.final)
    history = {k: history[k] for k in order}
    epochs = {k: epochs[k] for k in order}
    fields = {name: getattr(summary, name) for name in summary.__dataclass_fields__}
    return Run(**fields, history=history, history_epochs=epochs)


def run_group(row: Sequence[Any], runs: Iterable[RunSummary] = ()) -> RunGroup:
    id_, kind, name, status, project, settings, summary, created, finished, study = row
    return RunGroup(id=id_, kind=kind, name=name, status=status, project_json=project, settings=_json(settings),
                    summary=_json(summary), created=created, finished=finished, study=study, runs=tuple(runs))


def tags_by_run(conn: sqlite3.Connection, run_ids: Sequence[int] | None = None) -> dict[int, list[str]]:
    if run_ids is None:
        rows = conn.execute("SELECT run_id, tag FROM run_tags")
    else:
        rows = conn.execute(f"SELECT run_id, tag FROM run_tags WHERE run_id IN ({','.join('?' * len(run_ids))})",
                            tuple(run_ids))
    out: dict[int, list[str]] = {}
    for run_id, tag in rows:
        out.setdefault(run_id, []).append(tag)
    return out


def insert_chunks(conn: sqlite3.Connection, run_id: int, chunks: Mapping[str, Sequence[tuple[int, Sequence[float]]]]) \
        -> None:
    """Append history chunks `{key: [(first_epoch, values), ...]}`. INSERT OR REPLACE: a retried flush writes the
    same rows again instead of failing on them."""
    conn.executemany(
        "INSERT OR REPLACE INTO run_history (run_id, key, first_epoch, count, vals) VALUES (?, ?, ?, ?, ?)",
        [(run_id, key, int(first), len(values), encode_values(values))
         for key, parts in chunks.items() for first, values in parts if len(values)])


def compact_history(conn: sqlite3.Connection, run_id: int) -> None:
    """Merge each key's chunks of consecutive epochs into one row (reading a finished run is then one row a key)."""
    rows = conn.execute("SELECT key, first_epoch, count, vals FROM run_history WHERE run_id = ? "
                        "ORDER BY key, first_epoch", (run_id,)).fetchall()
    merged: list[tuple[str, int, list[bytes], int]] = []
    for key, first, count, blob in rows:
        if merged and merged[-1][0] == key and merged[-1][1] + merged[-1][3] == first:
            merged[-1][2].append(blob)
            merged[-1] = (key, merged[-1][1], merged[-1][2], merged[-1][3] + count)
        else:
            merged.append((key, first, [blob], count))
    if len(merged) == len(rows):
        return
    conn.execute("DELETE FROM run_history WHERE run_id = ?", (run_id,))
    conn.executemany("INSERT INTO run_history (run_id, key, first_epoch, count, vals) VALUES (?, ?, ?, ?, ?)",
                     [(run_id, key, first, count, b"".join(blobs)) for key, first, blobs, count in merged])


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its % and _ taken literally (ESCAPE '\\')."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def sort_value(summary: RunSummary, key: str) -> tuple:
    """Sort key for `key`: a column (name, started, duration, ...) or 'final.<key>' / 'best.<key>' / 'test.<key>';
    missing and NaN values sort last either way (the caller reverses only the present ones)."""
    if "." in key and key.split(".", 1)[0] in ("final", "best", "test"):
        where, name = key.split(".", 1)
        value = getattr(summary, where).get(name)
    else:
        value = getattr(summary, key)
    if isinstance(value, str):
        value = value.casefold()
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    return (missing, 0 if missing else value)
