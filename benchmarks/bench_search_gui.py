"""The app while a hyperparameter search runs: how responsive the window stays, and what the search costs the launch.

    python benchmarks/bench_search_gui.py [--trials 16] [--workers 2] [--idle 8] [--launches 3] [--before PATH]

- Event-loop latency: a 10 ms QTimer records how late each tick is, first with the window idle (`--idle` seconds),
  then while the Search panel runs a random search of the spiral example (`--trials` trials on `--workers` local
  workers; the cluster is started beforehand, as a second search finds it). Targets as for training
  (benchmarks/bench_gui.py): p95 < 50 ms, p99 < 100 ms.
- Launch: seconds from starting Python to a window ready to train (median of `--launches`), for this checkout and,
  with `--before PATH`, for another checkout (say, a worktree of main without the search) in alternation; and
  whether Optuna or Dask were imported (they must not be).

Without a display it uses Qt's offscreen platform (run it under `xvfb-run -a` to include real drawing).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

LAUNCH = (
    "import time, sys; t0 = float(sys.argv[1]); sys.path.insert(0, sys.argv[2])\n"
    "from PySide6.QtCore import QSettings\n"
    "import tempfile; QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())\n"
    "from gui.app import make_app\n"
    "app = make_app()\n"
    "from gui.main_window import create_window\n"
    "w = create_window(); w.show()\n"
    "while w.session.trainer is None or not w.run_bar.action('train').isEnabled(): app.processEvents()\n"
    "ready = time.time() - t0\n"
    "heavy = sorted({n.split('.')[0] for n in sys.modules} & {'optuna', 'dask', 'distributed'})\n"
    "print(f'{ready} {\",\".join(heavy) or \"none\"}', flush=True)\n"
    "w.document.undo_stack.setClean(); w.close(); w.deleteLater(); app.processEvents()\n"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def launch(root: Path) -> tuple[float, str]:
    out = subprocess.run([sys.executable, "-c", LAUNCH, repr(time.time()), str(root)], capture_output=True,
                         text=True, timeout=120, cwd=root, env=os.environ.copy())
    ready, heavy = out.stdout.split()[-2:]
    return float(ready), heavy


class Probe:
    """A 10 ms timer that records how late each tick is."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.lateness: list[float] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.lateness.append(max(0.0, now - self._last - 0.010))
        self._last = now

    def start(self) -> None:
        self.lateness, self._last = [], None
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return [1000 * x for x in self.lateness]


def report(name: str, lateness: list[float]) -> None:
    print(f"  {name}: p50 {percentile(lateness, 50):.1f} ms, p95 {percentile(lateness, 95):.1f} ms, p99 "
          f"{percentile(lateness, 99):.1f} ms, max {max(lateness):.1f} ms ({len(lateness)} ticks)")


def responsiveness(args) -> None:
    import tempfile

    from PySide6.QtCore import QCoreApplication, QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    os.environ["LAYERLAB_RUNS"] = str(Path(tempfile.mkdtemp()) / "runs.sqlite")
    from core.project import load_project
    from core.search.cluster import Cluster
    from core.search.spec import parse_section
    from gui.app import make_app
    from gui.main_window import create_window
    from gui.runtime import gc_guard

    app = make_app([])
    project = load_project(ROOT / "resources" / "examples" / "spiral.json")
    window = create_window(project)
    window.resize(1600, 1000)
    window.show()
    while window.session.trainer is None:
        app.processEvents()
    gc_guard.freeze_startup()             # as the app does a second after its window shows (gui/app.py)
    cluster = Cluster.start_local(args.workers)
    window.search.runner.use_cluster(cluster)
    spec = parse_section({"method": "random", "trials": args.trials, "workers": args.workers,
                          "params": {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]},
                                     "model.layers[0].units": {"int": [4, 32], "log": True}}})
    window.document.edit(project.with_changes(search=spec), "search")
    window.show_search()
    probe = Probe()

    def pump(seconds: float, until=None) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end and not (until and until()):
            app.processEvents()
            time.sleep(0.001)

    probe.start()
    pump(args.idle)
    idle = probe.stop()
    began = time.perf_counter()
    probe.start()
    window.search.start()
    pump(600, lambda: not window.search.runner.busy and time.perf_counter() - began > 1)
    searching = probe.stop()
    wall = time.perf_counter() - began
    result = window.search.result
    print(f"event-loop lateness of a 10 ms timer (window {window.width()}x{window.height()}, "
          f"{QCoreApplication.instance().platformName()}):")
    report(f"idle, {args.idle:g} s", idle)
    report(f"during a {args.trials}-trial search on {args.workers} workers ({wall:.1f} s, "
           f"{result.count('complete')} complete; the Search tab shown, live)", searching)
    window.search.shutdown()
    cluster.close()
    window.document.undo_stack.setClean()
    window.document._weights_modified = False
    window.close()
    window.deleteLater()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=float, default=8.0, help="seconds of the idle measurement")
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to compare the launch with")
    args = parser.parse_args()
    responsiveness(args)
    roots = [("this checkout", ROOT)] + ([("--before", args.before.resolve())] if args.before else [])
    times: dict[str, list[float]] = {name: [] for name, _ in roots}
    heavy: dict[str, set] = {name: set() for name, _ in roots}
    for _ in range(args.launches):
        for name, root in roots:
            ready, imported = launch(root)
            times[name].append(ready)
            heavy[name].add(imported)
    for name, _ in roots if args.launches else ():
        print(f"launch to a window ready to train, {name}: median {statistics.median(times[name]):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times[name])}); Optuna/Dask imported: {', '.join(sorted(heavy[name]))}")


if __name__ == "__main__":
    main()
