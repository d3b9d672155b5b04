"""The run store's tables, their migrations, and the checks that decide whether a file may be opened at all.

A store is an SQLite file in WAL mode (readers never wait for a writer; one writer at a time). Its version is the
highest row of `layerlab_schema`; a fresh file is built by running every migration from version 1, so the path an
old file takes to the current schema is the one every new store takes too. Another program's tables may share the
file (an Optuna study lives beside the runs during a search), so our tables carry names no such program uses.

Before anything is written, `inspect` looks at the file read-only: a file that is not SQLite, not a LayerLab
store, from a newer LayerLab, damaged, or locked is refused with a `RunStoreError` and never touched.
"""
from __future__ import annotations

import os
import sqlite3
import time
import urllib.parse
from pathlib import Path

from .errors import RunStoreError

SCHEMA_TABLE = "layerlab_schema"
APPLICATION_ID = 0x4C4C5253          # "LLRS": `file` and other tools can tell a LayerLab run store by its header

# Version -> statements. Never edit a released step: add a new one (and a test migrating a file of the old one).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 1: runs, their tags and their per-epoch history.
    1: (
        f"PRAGMA application_id = {APPLICATION_ID}",
        f"""CREATE TABLE {SCHEMA_TABLE} (
            version INTEGER PRIMARY KEY,
            applied REAL NOT NULL,
            by TEXT NOT NULL)""",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,     -- never reused, so 'run 12' keeps its meaning after deletes
            name TEXT NOT NULL,
            project_name TEXT NOT NULL,
            project TEXT NOT NULL,                    -- the exact project JSON it trained
            seed INTEGER,
            status TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',          -- why it diverged or failed
            started REAL NOT NULL,                    -- Unix time, seconds
            finished REAL,
            updated REAL NOT NULL,                    -- last write: how far an interrupted run got
            start_epoch INTEGER NOT NULL DEFAULT 0,   -- epochs trained before this run (a resumed checkpoint)
            epochs INTEGER NOT NULL DEFAULT 0,        -- epochs recorded by this run
            target_epochs INTEGER,
            final TEXT NOT NULL DEFAULT '{}',         -- {key: last value}
            best TEXT NOT NULL DEFAULT '{}',          -- {key: [best value, its epoch]}
            test TEXT NOT NULL DEFAULT '{}',          -- {metric: value} on the test rows, at the end
            weights_path TEXT,
            notes TEXT NOT NULL DEFAULT '',
            pid INTEGER,
            host TEXT)""",
        "CREATE INDEX runs_started ON runs (started)",
        """CREATE TABLE run_tags (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY (run_id, tag)) WITHOUT ROWID""",
        # One row per (run, key, chunk): a flush appends a chunk of consecutive epochs as little-endian float64
        # bytes, so appending never rewrites earlier values; a finished run's chunks are merged into one per key.
        """CREATE TABLE run_history (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            first_epoch INTEGER NOT NULL,
            count INTEGER NOT NULL,
            vals BLOB NOT NULL,
            PRIMARY KEY (run_id, key, first_epoch))""",
    ),
    # 2: groups: a cross-validation entry with its folds, a search with its trials.
    2: (
        """CREATE TABLE run_groups (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,                       -- 'cv' | 'search'
            name TEXT NOT NULL,
            project TEXT NOT NULL,                    -- the base project JSON
            settings TEXT NOT NULL DEFAULT '{}',      -- the cross-validation settings or the search spec
            summary TEXT NOT NULL DEFAULT '{}',       -- the cross-validation result or the search's best
            status TEXT NOT NULL,
            created REAL NOT NULL,
            finished REAL,
            study TEXT,                               -- a search's Optuna study name in this same file
            pid INTEGER,
            host TEXT)""",
        "ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'run'",
        "ALTER TABLE runs ADD COLUMN group_id INTEGER REFERENCES run_groups (id) ON DELETE SET NULL",
        "ALTER TABLE runs ADD COLUMN group_index INTEGER",     # fold index or trial number
        "CREATE INDEX runs_group ON runs (group_id, group_index)",
    ),
}
CURRENT_VERSION = max(MIGRATIONS)


def connect(path: Path, timeout: float, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any one thread at a time."""
    mode = "ro" if read_only else "rwc"
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    if not read_only:
        conn.execute("PRAGMA foreign_keys = ON")
    return conn


def inspect(path: Path, timeout: float) -> int:
    """The schema version of the store at `path` (0: no file yet, or an empty database), read without writing.
    RunStoreError when the file must not be used."""
    if not path.exists():
        return 0
    if path.is_dir():
        raise RunStoreError(f"run store {path} is a folder, not a file", "unreadable")
    # Never open() the file here: closing any descriptor of it drops every POSIX lock this process holds on it,
    # the locks of the store's other connections included, and a writer in another process could then corrupt it
    # (SQLite's "How To Corrupt", 2.2.1). SQLite itself reads the header and says SQLITE_NOTADB for a foreign file.
    try:
        if path.stat().st_size == 0:
            return 0
    except OSError as exc:
        raise RunStoreError(f"cannot read run store {path}: {exc.strerror or exc}", "unreadable") from None
    try:
        conn = connect(path, timeout, read_only=True)
    except sqlite3.Error as exc:
        raise store_error(exc, path) from None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return 0
        if SCHEMA_TABLE not in tables:
            raise RunStoreError(f"{path} is an SQLite database but not a LayerLab run store (it has no "
                                f"{SCHEMA_TABLE} table); choose another file with --runs or LAYERLAB_RUNS", "foreign")
        version = conn.execute(f"SELECT max(version) FROM {SCHEMA_TABLE}").fetchone()[0] or 0
        if version > CURRENT_VERSION:
            raise RunStoreError(f"run store {path} was written by a newer LayerLab (store version {version}; this "
                                f"one reads up to version {CURRENT_VERSION}): update LayerLab, or choose another file "
                                "with --runs or LAYERLAB_RUNS", "newer")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise RunStoreError(f"run store {path} is damaged ({problems[0]}); it was left as it is: move it "
                                "aside to start a new store, or choose another file with --runs", "corrupt")
        return int(version)
    except sqlite3.Error as exc:
        raise store_error(exc, path) from None
    finally:
        conn.close()


def migrate(conn: sqlite3.Connection, by: str) -> int:
    """Bring the store up to CURRENT_VERSION inside the caller's write transaction; returns the version found.
    Re-reading the version inside the transaction lets two processes open a new store at once."""
    has_table = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                             (SCHEMA_TABLE,)).fetchone()
    version = 0
    if has_table:
        version = conn.execute(f"SELECT max(version) FROM {SCHEMA_TABLE}").fetchone()[0] or 0
    if version > CURRENT_VERSION:   # a newer LayerLab upgraded it after we inspected it
        raise RunStoreError(f"the run store was upgraded by a newer LayerLab (store version {version}) while this "
                            f"one opened it (reads up to {CURRENT_VERSION})", "newer")
    for step in range(version + 1, CURRENT_VERSION + 1):
        for statement in MIGRATIONS[step]:
            conn.execute(statement)
        conn.execute(f"INSERT INTO {SCHEMA_TABLE} (version, applied, by) VALUES (?, ?, ?)", (step, time.time(), by))
    return version


def is_busy(exc: BaseException) -> bool:
    """Whether an SQLite error means another connection holds a lock (worth waiting and trying again)."""
    name = getattr(exc, "sqlite_errorname", "")
    if name:
        return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def store_error(exc: BaseException, path: Path, waited: float | None = None) -> RunStoreError:
    """The RunStoreError an SQLite error means, with a message a user can act on."""
    name = getattr(exc, "sqlite_errorname", "")
    if is_busy(exc):
        how_long = f" for {waited:.1f} s" if waited is not None else ""
        return RunStoreError(f"run store {path} is locked by another program (waited{how_long}); try again when "
                             "it is done, or choose another file with --runs", "locked")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_FULL",
                        "SQLITE_AUTH")):
        return RunStoreError(f"cannot use run store {path}: {exc}", "unreadable")
    if name.startswith("SQLITE_NOTADB"):
        return RunStoreError(f"{path} is not a LayerLab run store (not a readable SQLite database): {exc}",
                             "foreign")
    return RunStoreError(f"run store {path} is damaged ({exc}); it was left as it is: move it aside to start a new "
                         "store, or choose another file with --runs", "corrupt")


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine (a process of another user counts as alive)."""
    if pid <= 0:
        return False
    if os.name == "nt":    # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32     # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)     # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5               # access denied: it exists
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259                              # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return _not_a_zombie(pid)


def _not_a_zombie(pid: int) -> bool:
    """A killed child not yet reaped by its parent still has a pid; Linux's /proc tells it is a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return True
    return stat[stat.rfind(b")") + 2:][:1] != b"Z"
