"""The run store's file: migrated from older versions; refused, and left byte for byte as it was, when it is damaged,
locked, from a newer LayerLab, or not a LayerLab store; runs of dead processes marked interrupted on open."""
import sqlite3
import subprocess
import sys

import pytest

from core.runs import CURRENT_VERSION, RunStore, RunStoreError
from core.runs.records import encode_values
from runs_support import private_store, small_project  # noqa: F401  (private_store: a fixture)

# Version 1 of the schema as it was released, frozen here: the migration test must not follow later edits.
V1_SCHEMA = """
PRAGMA application_id = 1280070227;
CREATE TABLE layerlab_schema (version INTEGER PRIMARY KEY, applied REAL NOT NULL, by TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, project_name TEXT NOT NULL, project TEXT NOT NULL,
    seed INTEGER, status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', started REAL NOT NULL, finished REAL,
    updated REAL NOT NULL, start_epoch INTEGER NOT NULL DEFAULT 0, epochs INTEGER NOT NULL DEFAULT 0,
    target_epochs INTEGER, final TEXT NOT NULL DEFAULT '{}', best TEXT NOT NULL DEFAULT '{}',
    test TEXT NOT NULL DEFAULT '{}', weights_path TEXT, notes TEXT NOT NULL DEFAULT '', pid INTEGER, host TEXT);
CREATE INDEX runs_started ON runs (started);
CREATE TABLE run_tags (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)) WITHOUT ROWID;
CREATE TABLE run_history (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, key TEXT NOT NULL,
    first_epoch INTEGER NOT NULL, count INTEGER NOT NULL, vals BLOB NOT NULL,
    PRIMARY KEY (run_id, key, first_epoch));
INSERT INTO layerlab_schema VALUES (1, 0, 'test');
"""


def raw(path, script: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    conn.commit()
    conn.close()


def refused(path, reason: str, match: str, **kwargs) -> RunStoreError:
    before = path.read_bytes()
    with pytest.raises(RunStoreError, match=match) as info:
        RunStore(path, **kwargs)
    assert info.value.reason == reason
    assert path.read_bytes() == before
    return info.value


def filled_store(path, runs: int = 40, long_history: int = 0) -> None:
    with RunStore(path) as store:
        for i in range(runs):
            run = store.create_run(small_project(f"Project {i}"), notes="x" * 300)
            store.finish_run(run, "finished", chunks={"loss": [(0, [0.5] * 50)]}, final={"loss": 0.5})
        if long_history:
            run = store.create_run(small_project("Long"))
            store.finish_run(run, "finished", chunks={"loss": [(0, [0.25] * long_history)]})


def test_a_version_1_store_is_migrated_and_keeps_its_runs(tmp_path):
    path = tmp_path / "v1.sqlite"
    raw(path, V1_SCHEMA)
    conn = sqlite3.connect(path)
    project = small_project().to_json()
    conn.execute("INSERT INTO runs (name, project_name, project, seed, status, started, finished, updated, epochs, "
                 "final) VALUES ('old run', 'Moons', ?, 0, 'finished', 100, 160, 160, 3, '{\"loss\": 0.25}')",
                 (project,))
    conn.execute("INSERT INTO run_tags VALUES (1, 'kept')")
    conn.execute("INSERT INTO run_history VALUES (1, 'loss', 0, 3, ?)", (encode_values([0.75, 0.5, 0.25]),))
    conn.commit()
    conn.close()
    with RunStore(path) as store:
        assert store.version_found == 1
        run = store.get_run(1)
        assert (run.name, run.status, run.kind, run.group_id, run.tags) == ("old run", "finished", "run", None,
                                                                           ("kept",))
        assert run.history == {"loss": [0.75, 0.5, 0.25]} and run.final == {"loss": 0.25} and run.duration == 60
        group = store.create_group("cv", project)                 # version 2's table works
        store.create_run(project, kind="cv-fold", group_id=group, group_index=0)
        assert len(store.get_group(group).runs) == 1
    versions = sqlite3.connect(path).execute("SELECT version FROM layerlab_schema ORDER BY version").fetchall()
    assert [v for (v,) in versions] == list(range(1, CURRENT_VERSION + 1))
    with RunStore(path) as store:                                 # a current store opens without migrating
        assert store.version_found == CURRENT_VERSION


def test_a_store_from_a_newer_layerlab_is_refused_untouched(tmp_path):
    path = tmp_path / "newer.sqlite"
    filled_store(path, 2)
    raw(path, f"INSERT INTO layerlab_schema VALUES ({CURRENT_VERSION + 1}, 0, 'LayerLab 9')")
    error = refused(path, "newer", "newer LayerLab")
    assert f"version {CURRENT_VERSION + 1}" in str(error) and "\n" not in str(error)


@pytest.mark.parametrize("content", [b"hello, this is a note\n", b"\x89PNG\r\n\x1a\n" + bytes(200)])
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path, content):
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    refused(path, "foreign", "is not a LayerLab run store")


def test_another_programs_database_is_refused_untouched(tmp_path):
    path = tmp_path / "contacts.sqlite"
    raw(path, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');")
    refused(path, "foreign", "not a LayerLab run store")


def test_other_programs_tables_beside_ours_are_fine(tmp_path):
    """A search keeps its Optuna study in the same file: its tables must not make the store look foreign."""
    path = tmp_path / "runs.sqlite"
    filled_store(path, 1)
    raw(path, "CREATE TABLE studies (study_id INTEGER PRIMARY KEY); CREATE TABLE trials (trial_id INTEGER);")
    with RunStore(path) as store:
        assert len(store.list_runs()) == 1


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with RunStore(path) as store:
        store.create_run(small_project())
        assert len(store.list_runs()) == 1


@pytest.mark.parametrize("damage", ["every page", "history only", "truncated"])
def test_a_damaged_store_is_refused_untouched(tmp_path, damage):
    """Damage anywhere is found on open, also in a run's history, which opening and listing never read."""
    path = tmp_path / "damaged.sqlite"
    filled_store(path, long_history=20_000)         # 160 kB of history: overflow pages at the end of the file
    data = bytearray(path.read_bytes())
    pages = len(data) // 4096
    assert pages > 40
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        for page in range(1 if damage == "every page" else pages - 10, pages - 5):   # page headers garbled
            data[page * 4096: page * 4096 + 12] = b"\xfe" * 12
    path.write_bytes(bytes(data))
    error = refused(path, "corrupt", "is damaged")
    assert "left as it is" in str(error)


def test_a_store_locked_past_the_timeout_is_refused_untouched(tmp_path):
    path = tmp_path / "locked.sqlite"
    filled_store(path, 2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE runs SET notes = 'mine' WHERE id = 1")
    try:
        before = path.read_bytes()
        with pytest.raises(RunStoreError, match="locked by another program") as info:
            RunStore(path, timeout=0.3)
        assert info.value.reason == "locked" and path.read_bytes() == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with RunStore(path) as store:
        assert [r.notes for r in store.list_runs()] == ["x" * 300] * 2


def test_a_write_waiting_for_another_writer_past_the_timeout_is_a_clear_error(tmp_path):
    path = tmp_path / "busy.sqlite"
    store = RunStore(path, timeout=0.3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert store.list_runs() == []                            # readers never wait in WAL mode
        with pytest.raises(RunStoreError, match=r"locked by another program \(waited for 0\.\d s\)"):
            store.create_run(small_project())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.create_run(small_project())
    assert len(store.list_runs()) == 1


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_running_rows_of_dead_processes_become_interrupted_on_open(tmp_path):
    path = tmp_path / "runs.sqlite"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with RunStore(path) as store:
            ids = {name: store.create_run(small_project(), name=name) for name in
                   ("dead", "alive", "elsewhere", "mine", "done")}
            group = store.create_group("search", small_project())
            store.finish_run(ids["done"], "finished")
            gone = dead_pid()
            conn = store._conn
            conn.execute("UPDATE runs SET pid = ?, updated = 1234 WHERE id IN (?, ?)", (gone, ids["dead"],
                                                                                      ids["done"]))
            conn.execute("UPDATE run_groups SET pid = ?", (gone,))
            conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (sleeper.pid, ids["alive"]))
            conn.execute("UPDATE runs SET pid = ?, host = 'another-machine' WHERE id = ?", (gone, ids["elsewhere"]))
        with RunStore(path) as store:
            status = {r.name: r.status for r in store.list_runs()}
            assert status == {"dead": "interrupted", "alive": "running", "elsewhere": "running", "mine": "running",
                              "done": "finished"}
            assert store.get_run(ids["dead"]).finished == 1234          # it ended at its last write
            assert store.get_group(group).status == "interrupted"
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the kernel's lock table, /proc/locks")
def test_opening_the_store_again_keeps_the_locks_of_its_open_connections(tmp_path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it: a second RunStore opened
    in a process whose other connection is reading must not do that, or a writer elsewhere can corrupt the file."""
    import os

    path = tmp_path / "runs.sqlite"
    RunStore(path).close()
    inode = os.stat(path).st_ino

    def our_locks() -> list[str]:
        with open("/proc/locks") as table:
            return [line for line in table if f":{inode} " in line and f" {os.getpid()} " in line]

    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM runs").fetchone()
    held = our_locks()
    assert held                                     # the reading connection's shared lock
    RunStore(path).close()
    assert our_locks() == held
    reader.close()
