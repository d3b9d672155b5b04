"""How the app performs while it trains: throughput, responsiveness, memory and start-up time.

    python benchmarks/bench_gui.py [--epochs 4000] [--repeats 5] [--long-steps 100000] [--skip-long]
    python benchmarks/bench_gui.py --graph-tab [--epochs 4000] [--repeats 5]

Runs on the default (spiral) project, the one `python main.py` opens:
- training throughput inside the GUI, with the dashboard live (the Training tab shown, then its tabs cycled once a
  second so every view draws), as a fraction of headless throughput of the same project and settings (target: at
  least 80%); headless and GUI runs alternate, so a machine whose speed drifts affects both sides of a pair alike;
- event-loop latency, in runs of their own: a 10 ms QTimer records how late each tick is (target: p95 < 50 ms,
  p99 < 100 ms). The probe wakes the GUI thread 100 times a second, which an app on its own never does, and every
  wake of the GUI thread costs the training thread (gui/runtime/busy_hold.py); so the throughput figures come from runs
  without it, and the throughput of the probed runs is printed beside their latency;
- memory over a 100,000-step run (resident set size sampled every half second; it must level off, because every
  live history is decimated);
- time from launching the app to a visible window, and to a window ready to train (median of 3 launches after an
  uncounted one that fills Python's bytecode cache, as for any launch but a user's very first; `--launch-only N`);
- how long Stop takes: from the click to the run's `finished` signal, and to the window ready for the next run
  (target: 200 ms).

`--graph-tab` measures only the cost of the network graph (issue 19): training throughput with the Network tab
shown (the graph computed on the training thread and drawn live) against the Training tab shown, as shares of
headless throughput, in alternating runs (target: within 5 points of each other).

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
from core.blas_threads import app_environment  # noqa: E402

app_environment()           # as `python main.py` does, before NumPy loads (both sides of every ratio run with it)
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; elsewhere the peak from resource)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


# --- headless -------------------------------------------------------------------------------------------------
def headless_rate(project, epochs: int) -> tuple[float, float]:
    """Samples per second of Trainer.fit alone (same project, same diagnostics budget): over the batch loop (the
    trainer's own clock, which leaves out each epoch's evaluation) and over the whole run (wall clock)."""
    from core.model_io import build_network, load_data
    from core.trainer import Trainer

    prepared = load_data(project)
    trainer = Trainer(build_network(project, prepared.input_width), prepared, project.training)
    start = time.perf_counter()
    last = trainer.fit(epochs)
    wall = time.perf_counter() - start
    samples = trainer.step * trainer.batch_size
    return samples / last.elapsed, samples / wall


# --- inside the GUI -------------------------------------------------------------------------------------------
class Probe:
    """A 10 ms timer that records its lateness, an RSS sampler, and tab cycling for the dashboard."""

    def __init__(self, app, window, cycle_tabs: bool, ticks: bool = True):
        from PySide6.QtCore import QTimer

        self.app, self.window = app, window
        self.lateness: list[float] = []
        self.rss: list[tuple[float, float]] = []
        self._last = None
        self.tick = QTimer()
        self.tick.setInterval(10)
        self.tick.timeout.connect(self._tick)
        self.sampler = QTimer()
        self.sampler.setInterval(500)
        self.sampler.timeout.connect(lambda: self.rss.append((time.perf_counter(), rss_mb())))
        self.cycler = QTimer()
        self.cycler.setInterval(1000)
        tabs = window.dashboard.tabs
        self.cycler.timeout.connect(lambda: tabs.setCurrentIndex((tabs.currentIndex() + 1) % tabs.count()))
        self.cycle_tabs = cycle_tabs
        self.ticks = ticks

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.lateness.append(max(0.0, now - self._last - 0.010))
        self._last = now

    def start(self) -> None:
        self._last = None
        if self.ticks:
            self.tick.start()
        self.sampler.start()
        if self.cycle_tabs:
            self.cycler.start()

    def stop(self) -> None:
        self.tick.stop()
        self.sampler.stop()
        self.cycler.stop()


def gui_run(app, window, epochs: int, cycle_tabs: bool = True, probe: bool = True, tab: str = "Training") -> dict:
    """Train `epochs` epochs from a fresh start in the window, with dashboard tab `tab` shown first; returns rate,
    latency (with `probe`) and memory figures."""
    from PySide6.QtCore import QEventLoop

    window.reset_weights()
    window.flush_dashboard()
    window.dashboard.frame_times.clear()
    getattr(window.dashboard, "paint_times", []).clear()
    project = window.document.project
    window.document.edit(project.with_changes(training=project.training.with_changes(epochs=epochs)), "bench")
    window.flush_dashboard()
    tabs = window.dashboard.tabs
    tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index(tab))
    app.processEvents()
    probe = Probe(app, window, cycle_tabs, ticks=probe)
    loop = QEventLoop()
    result: dict = {}
    window.controller.finished.connect(lambda event: (result.setdefault("event", event), loop.quit()))
    probe.start()
    start = time.perf_counter()
    window.train()
    loop.exec()
    wall = time.perf_counter() - start
    probe.stop()
    trainer = window.session.trainer
    event = result["event"]
    frames = window.dashboard.frame_times
    return {
        "rate": trainer.step * trainer.batch_size / event.elapsed,
        "wall_rate": trainer.step * trainer.batch_size / wall,
        "wall": wall,
        "steps": trainer.step,
        "lateness": probe.lateness,
        "rss": probe.rss,
        "frame_ms": [1000 * t for t in frames],
        "paint_ms": [1000 * t for t in getattr(window.dashboard, "paint_times", [])],
    }


def stop_times(app, window, repeats: int = 10) -> tuple[list[float], list[float]]:
    """Milliseconds from Stop to (a) the controller's `finished` signal, (b) the worker thread cleaned up and Train
    enabled again; each stop lands at a random moment of a run that has been going for a second or so."""
    from PySide6.QtCore import QEventLoop, QTimer

    rng = np.random.default_rng(0)
    to_finished, to_ready = [], []
    project = window.document.project
    window.document.edit(project.with_changes(training=project.training.with_changes(epochs=100_000)), "bench")
    for _ in range(repeats):
        marks: dict[str, float] = {}

        def stop() -> None:
            marks["stop"] = time.perf_counter()
            window.controller.stop()

        def finished(_event) -> None:
            marks["finished"] = time.perf_counter()

        window.controller.finished.connect(finished)
        QTimer.singleShot(int(800 + 400 * rng.random()), stop)
        window.train()
        while not ("finished" in marks and not window.controller.threads_alive
                   and window.run_bar.action("train").isEnabled()):
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        ready = time.perf_counter()
        window.controller.finished.disconnect(finished)
        to_finished.append(1000 * (marks["finished"] - marks["stop"]))
        to_ready.append(1000 * (ready - marks["stop"]))
    return to_finished, to_ready


def launch_times(repeats: int = 3) -> tuple[float, float]:
    """Median seconds from starting a Python process to (a) a visible window, (b) a window ready to train.
    Timed as a user's every launch after the first: Python's bytecode cache on (whatever PYTHONDONTWRITEBYTECODE
    says here) and filled by one launch that is not counted."""
    code = (
        "import time, sys; t0 = float(sys.argv[1]); sys.path.insert(0, sys.argv[2])\n"
        "from PySide6.QtCore import QSettings, QTimer\n"
        "import tempfile; QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())\n"
        "from gui.app import make_app\n"
        "app = make_app()\n"
        "from gui.main_window import create_window\n"
        "w = create_window(); w.show()\n"
        "while not (w.windowHandle() and w.windowHandle().isExposed()): app.processEvents()\n"
        "app.processEvents(); shown = time.time() - t0\n"
        "while w.session.trainer is None or not w.run_bar.action('train').isEnabled(): app.processEvents()\n"
        "ready = time.time() - t0\n"
        "print(f'{shown} {ready}', flush=True)\n"
        "w.document.undo_stack.setClean(); w.close()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    shown, ready = [], []
    for _ in range(repeats + 1):
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", code, repr(t0), str(ROOT)], capture_output=True, text=True,
                             timeout=120, env=env)
        a, b = out.stdout.split()[-2:]
        shown.append(float(a))
        ready.append(float(b))
    return statistics.median(shown[1:]), statistics.median(ready[1:])


def report_throughput(how: str, args, headless: list, runs: list[dict]) -> None:
    ratios = [r["rate"] / h[0] for r, h in zip(runs, headless)]
    wall_ratios = [r["wall_rate"] / h[1] for r, h in zip(runs, headless)]
    frames = [f for r in runs for f in r["frame_ms"]]
    paints = [f for r in runs for f in r["paint_ms"]]
    print(f"{how}:")
    print(f"  headless: {statistics.median(h[0] for h in headless):,.0f} samples/s in the batch loop, "
          f"{statistics.median(h[1] for h in headless):,.0f} over the whole run (median of {len(headless)} runs of "
          f"{args.epochs} epochs of the spiral project)")
    print(f"  in the GUI (dashboard live): {statistics.median([r['rate'] for r in runs]):,.0f} samples/s in the "
          f"batch loop; GUI/headless per pair {', '.join(f'{x:.0%}' for x in ratios)}, median "
          f"{statistics.median(ratios):.0%} (target >= 80%)")
    print(f"  over the whole run (Train pressed to run finished, against fit() end to end): per pair "
          f"{', '.join(f'{x:.0%}' for x in wall_ratios)}, median {statistics.median(wall_ratios):.0%}")
    if frames:
        print(f"  dashboard frames that drew: updating views median {percentile(frames, 50):.1f} ms, p95 "
              f"{percentile(frames, 95):.1f} ms; painting (as charged) median {percentile(paints, 50):.1f} ms, p95 "
              f"{percentile(paints, 95):.1f} ms (the last 200 frames of each run)")


def report_latency(how: str, headless: list, runs: list[dict]) -> None:
    lateness = [1000 * x for r in runs for x in r["lateness"]]
    ratios = [r["rate"] / h[0] for r, h in zip(runs, headless)]
    print(f"  event-loop lateness of a 10 ms timer while training ({len(runs)} runs of their own): "
          f"p50 {percentile(lateness, 50):.1f} ms, p95 {percentile(lateness, 95):.1f} ms, "
          f"p99 {percentile(lateness, 99):.1f} ms, max {max(lateness):.1f} ms ({len(lateness)} ticks; targets "
          f"p95 < 50, p99 < 100); throughput with the probe on {', '.join(f'{x:.0%}' for x in ratios)}")


def compare_graph_tab(app, window, project, args) -> None:
    """Throughput with the Network tab shown against the Training tab, each as a share of a headless run made just
    before; the two GUI runs of each round swap order every round."""
    rows = []
    for k in range(args.repeats):
        headless = headless_rate(project, args.epochs)[0]
        order = ("Training", "Network") if k % 2 == 0 else ("Network", "Training")
        rates = {tab: gui_run(app, window, args.epochs, False, probe=False, tab=tab) for tab in order}
        rows.append({tab: run["rate"] / headless for tab, run in rates.items()}
                    | {f"{tab} frames": run["frame_ms"] for tab, run in rates.items()})
    training = [r["Training"] for r in rows]
    network = [r["Network"] for r in rows]
    gaps = [100 * (t - n) for t, n in zip(training, network)]
    print(f"network graph ({args.repeats} rounds of {args.epochs} epochs of the spiral project):")
    print(f"  Training tab shown: {', '.join(f'{x:.0%}' for x in training)} of headless, median "
          f"{statistics.median(training):.0%}")
    print(f"  Network tab shown:  {', '.join(f'{x:.0%}' for x in network)} of headless, median "
          f"{statistics.median(network):.0%}")
    print(f"  Training minus Network, per round: {', '.join(f'{g:+.1f}' for g in gaps)} points, median "
          f"{statistics.median(gaps):+.1f} (target: within 5)")
    frames = [f for r in rows for f in r["Network frames"]]
    if frames:
        print(f"  Network tab frames that drew: updating views median {percentile(frames, 50):.1f} ms, p95 "
              f"{percentile(frames, 95):.1f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4000, help="epochs of each throughput/latency run")
    parser.add_argument("--long-steps", type=int, default=100_000, help="optimizer steps of the memory run")
    parser.add_argument("--skip-long", action="store_true", help="skip the memory run")
    parser.add_argument("--no-cycle", action="store_true", help="only the runs with the Training tab shown")
    parser.add_argument("--repeats", type=int, default=5, help="headless/GUI run pairs")
    parser.add_argument("--graph-tab", action="store_true",
                        help="only compare throughput with the Network tab shown against the Training tab")
    parser.add_argument("--launch-only", type=int, metavar="N", default=0,
                        help="only time N launches (median) and stop")
    args = parser.parse_args(argv)
    if args.launch_only:
        shown, ready = launch_times(args.launch_only)
        print(f"launch to visible window: {shown:.2f} s; to ready to train: {ready:.2f} s (median of "
              f"{args.launch_only})")
        return 0

    import tempfile

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from gui.app import make_app

    app = make_app()
    from core.project import default_project
    from gui.main_window import create_window
    from gui.runtime import gc_guard

    print(f"platform: {app.platformName()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if not args.graph_tab:
        shown, ready = launch_times()
        print(f"launch to visible window: {shown:.2f} s; to ready to train: {ready:.2f} s (median of 3)")

    project = default_project().with_changes(
        training=default_project().training.with_changes(epochs=args.epochs))
    window = create_window()
    window.resize(1600, 1000)
    window.show()
    while window.session.trainer is None:
        app.processEvents()
    gc_guard.freeze_startup()                                   # as the app does once its window is shown
    gui_run(app, window, 20)                                    # warm-up: first draws, caches
    if args.graph_tab:
        gui_run(app, window, 20, tab="Network")
        compare_graph_tab(app, window, project, args)
        window.document.undo_stack.setClean()
        window.document._weights_modified = False
        window.close()
        return 0
    for cycle in ([False] if args.no_cycle else [False, True]):
        how = "tabs cycling every second" if cycle else "Training tab shown"
        # Headless and GUI runs alternate, so a machine whose speed drifts affects both sides of each ratio alike.
        headless, runs = [], []
        for _ in range(args.repeats):
            headless.append(headless_rate(project, args.epochs))
            runs.append(gui_run(app, window, args.epochs, cycle, probe=False))
        report_throughput(how, args, headless, runs)
        headless, runs = [], []
        for _ in range(max(2, args.repeats // 2)):
            headless.append(headless_rate(project, args.epochs))
            runs.append(gui_run(app, window, args.epochs, cycle, probe=True))
        report_latency(how, headless, runs)

    to_finished, to_ready = stop_times(app, window)
    print(f"Stop to the run's finished signal: median {statistics.median(to_finished):.0f} ms, max "
          f"{max(to_finished):.0f} ms; to the window ready for the next run: median {statistics.median(to_ready):.0f} "
          f"ms, max {max(to_ready):.0f} ms ({len(to_ready)} stops; target 200 ms)")

    if not args.skip_long:
        steps_per_epoch = window.session.trainer.batches_per_epoch
        epochs = -(-args.long_steps // steps_per_epoch)
        long = gui_run(app, window, epochs)
        samples = long["rss"]
        t0 = samples[0][0]
        marks = [samples[min(len(samples) - 1, int(q * (len(samples) - 1)))] for q in (0, 0.25, 0.5, 0.75, 1.0)]
        second_half = marks[-1][1] - marks[2][1]
        print(f"memory over a {long['steps']:,}-step run ({long['wall']:.0f} s, {epochs:,} epochs): "
              + ", ".join(f"{m:.0f} MB at {t - t0:.0f} s" for t, m in marks)
              + f"; second half {second_half:+.1f} MB = {1024 * second_half / (epochs / 2):.2f} KB per epoch "
              "(the trainer's per-epoch history grows by ~17 floats an epoch; the live histories are bounded but "
              "still filling up to their fixed capacity early on: use --long-steps 600000 to see it level off)")
        lat = [1000 * x for x in long["lateness"]]
        print(f"  event-loop lateness during it: p95 {percentile(lat, 95):.1f} ms, p99 {percentile(lat, 99):.1f} ms")
    window.document.undo_stack.setClean()
    window.document._weights_modified = False
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
