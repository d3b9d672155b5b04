"""Shared test set-up: Qt runs offscreen (no display needed) and the repository root is importable."""
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _session_run_store(tmp_path_factory):
    """Module- and session-scoped fixtures run before any test's own store is set: they record here, never into
    the user's real store."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAYERLAB_RUNS", str(tmp_path_factory.mktemp("session-runs") / "runs.sqlite"))
        yield


@pytest.fixture(autouse=True)
def _private_run_store(tmp_path_factory, monkeypatch):
    """No test may record into the user's real run store: every test (and every process it starts) gets a store
    of its own through LAYERLAB_RUNS."""
    monkeypatch.setenv("LAYERLAB_RUNS", str(tmp_path_factory.mktemp("runs") / "runs.sqlite"))


_GUI = TESTS / "gui"
_last_was_gui = False


def pytest_runtest_setup(item):
    """Leaving the GUI tests, collect once on this (the main) thread: garbage cycles left by their windows hold
    wrappers of Qt objects, and a later test whose worker threads run Python (Dask's client, a trainer) could
    otherwise collect them there and destroy the widgets off the GUI thread (a deadlock; see gui/runtime/gc_guard)."""
    global _last_was_gui
    is_gui = _GUI in Path(str(item.path)).parents
    if _last_was_gui and not is_gui:
        import gc
        gc.collect()
    _last_was_gui = is_gui


# --- ending the test process -----------------------------------------------------------------------------------
# After every test has passed and the summary is printed, the interpreter's own teardown of this process (which
# by then holds the remains of some hundred windows, Dask clients and pyqtgraph items) has crashed now and then in
# PySide's type checks (PyType_IsSubtype on a freed type; seen in the kernel log three times over two days, once
# failing CI with 2,433 tests passed). That teardown is not the app's: the app's own exit is tested in a process of
# its own (tests/gui/test_automation_example.py). So the test process ends as soon as pytest is done, with pytest's
# exit status.
_EXIT_STATUS = pytest.StashKey[int]()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    status = config.stash.get(_EXIT_STATUS, None)
    if status is None or os.environ.get("LAYERLAB_TEST_FULL_TEARDOWN"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
