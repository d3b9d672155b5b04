"""The run store: every run remembered in one SQLite file that the app, the CLI and parallel search trials share.

Several processes may write at once: each write is one short `BEGIN IMMEDIATE` transaction, waits for the lock
(SQLite's busy timeout) and is retried until the store's timeout, so no row is lost. One `RunStore` may be shared
by threads (a view reading on the GUI thread, a recorder writing on the training thread): calls are serialised.
Opening marks `running` rows whose process has died `interrupted`.
"""
from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from .errors import RunStoreError, UnknownRunError
from .location import default_store_path, store_path
from .records import GROUP_KINDS, GROUP_STATUSES, RUN_KINDS, STATUSES, Run, RunGroup, RunSummary, dumps
from .rows import (GROUP_COLUMNS, RUN_COLUMNS, compact_history, insert_chunks, like_pattern, run_group,
                   run_summary, run_with_history, sort_value, tags_by_run)
from .schema import CURRENT_VERSION, connect, inspect, is_busy, migrate, process_alive, store_error

T = TypeVar("T")
DEFAULT_TIMEOUT = 10.0          # seconds a write waits for other writers before the store is called locked
SORT_COLUMNS = ("id", "name", "kind", "status", "project_name", "seed", "started", "finished", "updated", "duration",
                "epochs", "group_id", "group_index")
Chunks = Mapping[str, Sequence[tuple[int, Sequence[float]]]]     # {key: [(first_epoch, values), ...]}


def project_json(project: Any) -> tuple[str, dict]:
    """(exact JSON text, object) of a project given as a `Project`, a dict or JSON text."""
    if hasattr(project, "to_dict"):
        project = project.to_dict()
    if isinstance(project, str):
        return project, json.loads(project)
    return json.dumps(project), project


class RunStore:
    def __init__(self, path: str | os.PathLike | None = None, timeout: float = DEFAULT_TIMEOUT):
        """Open (or create) the store at `path` (default: `LAYERLAB_RUNS`, else the per-user store).
        RunStoreError, with the file untouched, if it is damaged, locked, newer, or not a LayerLab store."""
        self.path = store_path(path)
        self.timeout = float(timeout)
        self.host = socket.gethostname()
        self._lock = threading.RLock()
        if not self.path.parent.exists() and self.path == default_store_path():
            self.path.parent.mkdir(parents=True, exist_ok=True)     # the per-user folder, on first use
        elif not self.path.parent.is_dir():
            raise RunStoreError(f"cannot create run store {self.path}: folder {self.path.parent} does not exist",
                                "unreadable")
        self.version_found = inspect(self.path, self.timeout)
        try:
            self._conn = connect(self.path, self.timeout)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from None
        try:
            if self.version_found < CURRENT_VERSION:
                self._write(lambda c: migrate(c, f"LayerLab pid {os.getpid()}"))
            if self._retry(lambda: self._conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                self._retry(lambda: self._conn.execute("PRAGMA journal_mode = WAL").fetchone())
            self._conn.execute("PRAGMA synchronous = NORMAL")   # WAL + NORMAL: a killed process loses no commit
            self.mark_interrupted()
        except BaseException:
            self._conn.close()
            raise

    # --- connection -----------------------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return CURRENT_VERSION

    @property
    def optuna_url(self) -> str:
        """The SQLAlchemy URL of this file, for Optuna's RDB storage to keep a study beside the runs."""
        return f"sqlite:///{self.path.resolve()}"

    def _retry(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Run `fn` (holding the store's lock), trying again while another connection holds the database lock."""
        timeout = self.timeout if timeout is None else timeout
        start = time.monotonic()
        delay = 0.005
        while True:
            waited = time.monotonic() - start
            try:
                with self._lock:
                    self._conn.execute(f"PRAGMA busy_timeout = {int(1000 * max(0.0, min(timeout - waited, 1.0)))}")
                    return fn()
            except sqlite3.Error as exc:
                waited = time.monotonic() - start
                if not is_busy(exc) or waited >= timeout:
                    raise store_error(exc, self.path, waited) from None
            time.sleep(min(delay * (1 + random.random()), max(0.0, timeout - waited)))
            delay = min(delay * 2, 0.2)

    def _write(self, fn: Callable[[sqlite3.Connection], T], timeout: float | None = None) -> T:
        """`fn(conn)` in one write transaction, committed whole or not at all; retried while the store is busy."""
        def attempt() -> T:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result
        return self._retry(attempt, timeout)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(conn)` on one consistent snapshot (a read transaction)."""
        def attempt() -> T:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                return fn(conn)
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        return self._retry(attempt)

    # --- runs: writing --------------------------------------------------------------------------------------------
    def create_run(self, project: Any, *, name: str | None = None, kind: str = "run", group_id: int | None = None,
                   group_index: int | None = None, start_epoch: int = 0, target_epochs: int | None = None,
                   tags: Iterable[str] = (), notes: str = "", weights_path: str | None = None,
                   status: str = "running") -> int:
        """A new run row (status `running`, owned by this process); returns its id. The default name is the
        project's name and the run id: 'Spiral #12'."""
        text, obj = project_json(project)
        _check_choice(kind, RUN_KINDS, "run kind")
        _check_choice(status, STATUSES, "run status")
        project_name = str(obj.get("name", "Untitled"))
        seed = obj.get("training", {}).get("seed", 0) if isinstance(obj.get("training", {}), dict) else None
        tags = _clean_tags(tags)
        now = time.time()

        def insert(conn: sqlite3.Connection) -> int:
            run_id = conn.execute(
                "INSERT INTO runs (name, kind, status, project_name, project, seed, started, updated, start_epoch, "
                "target_epochs, notes, weights_path, group_id, group_index, pid, host) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ("", kind, status, project_name, text, seed, now, now, int(start_epoch), target_epochs, notes,
                 weights_path, group_id, group_index, os.getpid(), self.host)).lastrowid
            conn.execute("UPDATE runs SET name = ? WHERE id = ?",
                         (name if name else f"{project_name} #{run_id}", run_id))
            conn.executemany("INSERT INTO run_tags (run_id, tag) VALUES (?, ?)", [(run_id, t) for t in tags])
            return int(run_id)
        return self._write(insert)

    def append_history(self, run_id: int, chunks: Chunks, *, epochs: int | None = None,
                       final: Mapping[str, float] | None = None, best: Mapping[str, tuple[float, int]] | None = None,
                       timeout: float | None = None) -> None:
        """Append history chunks and update how far the run got (epochs recorded, last and best values)."""
        self._write(lambda conn: self._progress(conn, run_id, chunks, epochs, final, best, None), timeout)

    def finish_run(self, run_id: int, status: str, *, detail: str = "", chunks: Chunks | None = None,
                   epochs: int | None = None, final: Mapping[str, float] | None = None,
                   best: Mapping[str, tuple[float, int]] | None = None, test: Mapping[str, float] | None = None,
                   timeout: float | None = None) -> None:
        """The last history and the run's end status, in one transaction (its history compacted)."""
        _check_choice(status, STATUSES, "run status")

        def finish(conn: sqlite3.Connection) -> None:
            self._progress(conn, run_id, chunks or {}, epochs, final, best, test)
            conn.execute("UPDATE runs SET status = ?, detail = ?, finished = ? WHERE id = ?",
                         (status, detail, time.time() if status != "running" else None, run_id))
            compact_history(conn, run_id)
        self._write(finish, timeout)

    def reopen_run(self, run_id: int) -> None:
        """A paused run continues: `running` again, owned by this process."""
        self._write(lambda c: self._update(c, run_id, "status = 'running', finished = NULL, pid = ?, host = ?",
                                           (os.getpid(), self.host)))

    def _progress(self, conn, run_id, chunks, epochs, final, best, test) -> None:
        insert_chunks(conn, run_id, chunks)
        sets, values = ["updated = ?"], [time.time()]
        for column, value in (("epochs", epochs), ("final", final), ("best", best), ("test", test)):
            if value is not None:
                sets.append(f"{column} = ?")
                values.append(value if column == "epochs" else dumps({k: list(v) if column == "best" else v
                                                                       for k, v in value.items()}))
        self._update(conn, run_id, ", ".join(sets), values)

    def _update(self, conn: sqlite3.Connection, run_id: int, sets: str, values: Sequence[Any]) -> None:
        if conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", (*values, run_id)).rowcount == 0:
            raise UnknownRunError(f"there is no run {run_id} in {self.path}")

    def rename_run(self, run_id: int, name: str) -> None:
        name = str(name).strip()
        if not name:
            raise ValueError("a run's name cannot be empty")
        self._write(lambda c: self._update(c, run_id, "name = ?", (name,)))

    def set_notes(self, run_id: int, notes: str) -> None:
        self._write(lambda c: self._update(c, run_id, "notes = ?", (str(notes),)))

    def set_weights_path(self, run_id: int, path: str | os.PathLike | None) -> None:
        value = None if path is None else str(Path(path).resolve())
        self._write(lambda c: self._update(c, run_id, "weights_path = ?", (value,)))

    def set_tags(self, run_id: int, tags: Iterable[str]) -> None:
        """Replace the run's tags."""
        tags = _clean_tags(tags)

        def replace(conn: sqlite3.Connection) -> None:
            self._update(conn, run_id, "updated = updated", ())
            conn.execute("DELETE FROM run_tags WHERE run_id = ?", (run_id,))
            conn.executemany("INSERT INTO run_tags (run_id, tag) VALUES (?, ?)", [(run_id, t) for t in tags])
        self._write(replace)

    def delete_runs(self, run_ids: Iterable[int]) -> list[str]:
        """Delete runs with their history and tags; returns their weights paths, for the caller to delete the
        files if the user asked (the store never deletes a user's file)."""
        ids = [int(i) for i in run_ids]

        def delete(conn: sqlite3.Connection) -> list[str]:
            paths = []
            for run_id in ids:
                row = conn.execute("SELECT weights_path FROM runs WHERE id = ?", (run_id,)).fetchone()
                if row is None:
                    raise UnknownRunError(f"there is no run {run_id} in {self.path}")
                if row[0]:
                    paths.append(row[0])
                conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            return paths
        return self._write(delete)

    def delete_run(self, run_id: int) -> str | None:
        paths = self.delete_runs([run_id])
        return paths[0] if paths else None

    def mark_interrupted(self) -> int:
        """Rows `running` in a process of this machine that no longer exists become `interrupted` (their end is
        their last write). Rows of live processes and of other machines are left alone. Returns how many."""
        def dead_owners(conn: sqlite3.Connection) -> set[int]:
            pids = {pid for table in ("runs", "run_groups") for (pid,) in conn.execute(
                f"SELECT DISTINCT pid FROM {table} WHERE status = 'running' AND host = ?", (self.host,))}
            return {pid for pid in pids if pid is not None and pid != os.getpid() and not process_alive(pid)}

        def mark(conn: sqlite3.Connection) -> int:
            count = 0
            for pid in dead_owners(conn):
                for table, end in (("runs", "updated"), ("run_groups", "created")):
                    count += conn.execute(
                        f"UPDATE {table} SET status = 'interrupted', finished = coalesce(finished, {end}) "
                        "WHERE status = 'running' AND host = ? AND pid = ?", (self.host, pid)).rowcount
            return count
        # Look first (a read never waits for writers), write only when there is something to mark.
        return self._write(mark) if self._read(dead_owners) else 0

    # --- runs: reading --------------------------------------------------------------------------------------------
    def list_runs(self, *, status: str | Iterable[str] | None = None, tag: str | None = None,
                  text: str | None = None, project: str | None = None, kind: str | Iterable[str] | None = None,
                  group_id: int | None = None, sort: str = "started", descending: bool = True,
                  limit: int | None = None) -> list[RunSummary]:
        """Runs without their history, filtered (every filter given must match) and sorted. `text` matches the
        name, notes, project name or a tag, ignoring case; `sort` is a column (id, name, started, finished,
        duration, status, project_name, epochs, ...) or 'final.KEY' / 'best.KEY' / 'test.KEY' (missing values last)."""
        where, params = [], []
        for column, value in (("status", status), ("kind", kind)):
            if value is not None:
                values = [value] if isinstance(value, str) else list(value)
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params += values
        if tag is not None:
            where.append("id IN (SELECT run_id FROM run_tags WHERE tag = ?)")
            params.append(tag)
        if project is not None:
            where.append("project_name = ?")
            params.append(project)
        if group_id is not None:
            where.append("group_id = ?")
            params.append(group_id)
        if text:
            pattern = like_pattern(text)
            where.append("(name LIKE ? ESCAPE '\\' OR notes LIKE ? ESCAPE '\\' OR project_name LIKE ? ESCAPE '\\' "
                         "OR id IN (SELECT run_id FROM run_tags WHERE tag LIKE ? ESCAPE '\\'))")
            params += [pattern] * 4
        if sort not in SORT_COLUMNS and sort.split(".", 1)[0] not in ("final", "best", "test"):
            raise ValueError(f"cannot sort runs by {sort!r}; use one of {', '.join(SORT_COLUMNS)}, or final.KEY, "
                             "best.KEY, test.KEY")
        sql = f"SELECT {RUN_COLUMNS} FROM runs" + (" WHERE " + " AND ".join(where) if where else "")

        def query(conn: sqlite3.Connection) -> list[RunSummary]:
            rows = conn.execute(sql, params).fetchall()
            tags = tags_by_run(conn)
            return [run_summary(row, tags.get(row[0], ())) for row in rows]
        runs = self._read(query)
        runs.sort(key=lambda r: r.id, reverse=descending)     # ties keep the newest (or oldest) first
        keyed = [(sort_value(r, sort), r) for r in runs]
        present = sorted((kr for kr in keyed if not kr[0][0]), key=lambda kr: kr[0][1], reverse=descending)
        runs = [r for _, r in present] + [r for k, r in keyed if k[0]]
        return runs if limit is None else runs[:limit]

    def get_run(self, run_id: int) -> Run:
        """One run with its whole history."""
        def query(conn: sqlite3.Connection) -> Run:
            row = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (int(run_id),)).fetchone()
            if row is None:
                raise UnknownRunError(f"there is no run {run_id} in {self.path}")
            summary = run_summary(row, tags_by_run(conn, [row[0]]).get(row[0], ()))
            chunks = conn.execute("SELECT key, first_epoch, count, vals FROM run_history WHERE run_id = ? "
                                  "ORDER BY key, first_epoch", (int(run_id),)).fetchall()
            return run_with_history(summary, chunks)
        return self._read(query)

    def get_summary(self, run_id: int) -> RunSummary:
        """One run without its history (cheap: what a table row shows)."""
        def query(conn: sqlite3.Connection) -> RunSummary:
            row = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (int(run_id),)).fetchone()
            if row is None:
                raise UnknownRunError(f"there is no run {run_id} in {self.path}")
            return run_summary(row, tags_by_run(conn, [row[0]]).get(row[0], ()))
        return self._read(query)

    def get_runs(self, run_ids: Iterable[int]) -> list[Run]:
        return [self.get_run(i) for i in run_ids]

    def differing_settings(self, runs: Sequence[RunSummary | int]) -> dict[str, list[Any]]:
        """The settings whose values differ between these runs' projects: `{path: [value in each run]}` (paths as
        validation messages write them: `training.optimizer.lr`)."""
        from ..project_paths import differences

        summaries = [self.get_run(r) if isinstance(r, int) else r for r in runs]
        return differences([s.project for s in summaries])

    # --- groups ---------------------------------------------------------------------------------------------------
    def create_group(self, kind: str, project: Any, *, name: str | None = None,
                     settings: Mapping[str, Any] | None = None, study: str | None = None) -> int:
        _check_choice(kind, GROUP_KINDS, "group kind")
        text, obj = project_json(project)
        label = name or f"{obj.get('name', 'Untitled')} ({'cross-validation' if kind == 'cv' else 'search'})"
        return int(self._write(lambda c: c.execute(
            "INSERT INTO run_groups (kind, name, project, settings, status, created, study, pid, host) "
            "VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)",
            (kind, label, text, dumps(dict(settings or {})), time.time(), study, os.getpid(), self.host)).lastrowid))

    def finish_group(self, group_id: int, status: str, summary: Mapping[str, Any] | None = None) -> None:
        _check_choice(status, GROUP_STATUSES, "group status")

        def finish(conn: sqlite3.Connection) -> None:
            if conn.execute("UPDATE run_groups SET status = ?, summary = coalesce(?, summary), finished = ? "
                            "WHERE id = ?", (status, None if summary is None else dumps(dict(summary)),
                                             time.time(), group_id)).rowcount == 0:
                raise UnknownRunError(f"there is no group {group_id} in {self.path}")
        self._write(finish)

    def reopen_group(self, group_id: int) -> None:
        """A stopped or interrupted group goes on (a resumed search): `running` again, owned by this process."""
        def reopen(conn: sqlite3.Connection) -> None:
            if conn.execute("UPDATE run_groups SET status = 'running', finished = NULL, pid = ?, host = ? "
                            "WHERE id = ?", (os.getpid(), self.host, group_id)).rowcount == 0:
                raise UnknownRunError(f"there is no group {group_id} in {self.path}")
        self._write(reopen)

    def get_group(self, group_id: int) -> RunGroup:
        """A group with its runs (folds or trials) in fold or trial order."""
        def query(conn: sqlite3.Connection) -> RunGroup:
            row = conn.execute(f"SELECT {GROUP_COLUMNS} FROM run_groups WHERE id = ?", (int(group_id),)).fetchone()
            if row is None:
                raise UnknownRunError(f"there is no group {group_id} in {self.path}")
            rows = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE group_id = ? ORDER BY group_index, id",
                                (int(group_id),)).fetchall()
            tags = tags_by_run(conn, [r[0] for r in rows]) if rows else {}
            return run_group(row, [run_summary(r, tags.get(r[0], ())) for r in rows])
        return self._read(query)

    def list_groups(self, kind: str | None = None) -> list[RunGroup]:
        """Groups, newest first, without their runs."""
        sql = f"SELECT {GROUP_COLUMNS} FROM run_groups" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC"
        return self._read(lambda c: [run_group(r) for r in c.execute(sql, (kind,) if kind else ())])

    def delete_group(self, group_id: int, delete_runs: bool = True) -> list[str]:
        """Delete a group and (by default) its runs; returns the runs' weights paths."""
        def delete(conn: sqlite3.Connection) -> list[str]:
            ids = [r[0] for r in conn.execute("SELECT id FROM runs WHERE group_id = ?", (group_id,))]
            paths = [r[0] for r in conn.execute("SELECT weights_path FROM runs WHERE group_id = ? AND "
                                                "weights_path IS NOT NULL", (group_id,))] if delete_runs else []
            if conn.execute("DELETE FROM run_groups WHERE id = ?", (group_id,)).rowcount == 0:
                raise UnknownRunError(f"there is no group {group_id} in {self.path}")
            if delete_runs:
                conn.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in ids])
            return paths
        return self._write(delete)


def _check_choice(value: str, choices: Sequence[str], what: str) -> None:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}, got {value!r}")


def _clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags stripped, empty ones dropped, each once, in the order given."""
    if isinstance(tags, str):
        tags = [tags]
    return list(dict.fromkeys(t.strip() for t in map(str, tags) if t.strip()))
