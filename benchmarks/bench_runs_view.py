"""How fast the Runs tab opens on a store of 1,000 runs (target: under 300 ms): from showing the view (the window
builds it at start-up, empty) to its first paint: opening the store, listing every run, finding the settings that
differ, filling the table model, sizing its columns and painting, on the GUI thread as the app does. Building the
view is timed apart. Offscreen Qt, so it runs without a display.

    python benchmarks/bench_runs_view.py [--runs 1000] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_run_store import big_store  # noqa: E402


def open_view(path: Path, app) -> tuple[float, float, int, int, float]:
    """(seconds until the table is filled, seconds until it is painted, rows, columns, seconds to build the view)."""
    from PySide6.QtCore import QCoreApplication

    from gui.runs.view import RunsView

    start = time.perf_counter()
    view = RunsView(lambda: path)
    view.resize(1200, 800)
    built = time.perf_counter() - start
    start = time.perf_counter()
    view.show()                       # showEvent: open the store, list, diff, fill the model, size the columns
    filled = time.perf_counter() - start
    view.repaint()                    # paint the visible rows now
    QCoreApplication.processEvents()
    painted = time.perf_counter() - start
    rows, columns = view.model.rowCount(), view.model.columnCount()
    view.close_store()
    view.deleteLater()
    QCoreApplication.processEvents()
    return filled, painted, rows, columns, built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "runs.sqlite"
        big_store(path, args.runs)
        open_view(path, app)          # warm-up: imports, fonts
        results = [open_view(path, app) for _ in range(args.repeats)]
    filled = statistics.median(r[0] for r in results)
    painted = statistics.median(r[1] for r in results)
    rows, columns = results[-1][2:4]
    built = statistics.median(r[4] for r in results)
    print(f"Runs tab on {rows} runs ({columns} columns) opens in {1000 * painted:.0f} ms (table filled in "
          f"{1000 * filled:.0f} ms, then painted; medians of {args.repeats}, best "
          f"{1000 * min(r[1] for r in results):.0f} ms); building the empty view at start-up: {1000 * built:.0f} ms")


if __name__ == "__main__":
    main()
