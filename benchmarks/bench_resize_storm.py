"""Training throughput in the app while the window is resized without pause (a user dragging its corner).

    python benchmarks/bench_resize_storm.py [--epochs 3000] [--repeats 3] [--interval-ms 16]

Runs on the default (spiral) project with the Training tab shown. Each round trains the same epochs three times,
from a fresh start each time: headless, in the window left alone, and in the window resized every `--interval-ms`
(its width and height swept back and forth by 12 px a step between 1100 x 700 and 1600 x 1000, each new size laid
out and painted at once, as a window system asks during a drag; up to 60 sizes a second). It prints samples per
second of each, the storm's rate as a share of the quiet window's (issue 14 reported a collapse to ~3%: 7,800 -> 250
steps/s), the sizes the window managed a second, and the share of the time the GUI thread held the draw gate (the
training thread waits meanwhile; gui/runtime/busy_hold.py), a figure that depends less on how loaded the machine is.

Earlier (a quieter machine): the storm at 35-51% of the quiet window's throughput, the gate held 68-78% of the time
at ~30 sizes a second; capping the gate's share gave nothing back (45-61%) and cut the window to 4-8 sizes a second.

2026-12-06, Xvfb 1920x1200, the 2-core machine shared with other jobs (load 3-6), `--epochs 150 --repeats 3`,
the code before and after this change alternating (two runs each):
- before (every size laid out and repainted every plot: ~90 ms of the GUI thread per size): 9-12 sizes a second,
  the gate held 96-98% of the time, the storm at 1-2% of the quiet window's throughput (medians 1%, 1%);
- after (plots keep their picture during a drag and lay out when it pauses, gui/widgets/settling_view.py):
  28-36 sizes a second, ~27 ms per size, the gate held 91-94%, the storm at 3-5% (medians 4%, 3%).
Each size costs about a third, and the window follows three times as many sizes; but the timer asks for up to 60
sizes a second, so the GUI thread is still busy nearly all the time and training gets little more (70% would need
~5 ms a size). What a size costs now is the window itself, not the plots. Per size with no run (the same resize +
repaint, then the events that follow; 16-17 ms of GUI-thread CPU time, medians): Qt laying out the main window, its
docks and splitters 2-3 ms; repainting the window 10-12 ms, of which re-allocating its X shared-memory backing store
(munmap/mmap) about a quarter and sending it to the X server about a tenth, the rest Qt painting some 200 widgets
(hiding the Data and Network docks saves ~6 ms of the whole); the expose and layout events that follow 2-4 ms. A
plot now costs ~0.1 ms a size (its picture, scaled) and lays out again only when the drag pauses, and once a second
during a long one.

Without a display it uses Qt's offscreen platform; run it under `xvfb-run -a -s "-screen 0 1920x1200x24"` to include
real window-system resizes and painting.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gui import headless_rate  # noqa: E402  (also puts the repository on sys.path and picks the platform)


class GateMeter:
    """Seconds the GUI thread held the draw gate (the training thread waits meanwhile), from the busy hold's own
    take and let-go: a figure that depends on what the GUI thread does, not on how loaded the machine is."""

    def __init__(self) -> None:
        from gui.runtime.busy_hold import BusyHold

        self.held, self._at = 0.0, None
        take, let_go = BusyHold.eventFilter, BusyHold.let_go
        meter = self

        def metered_take(hold, obj, event):
            was = hold._held
            result = take(hold, obj, event)
            if hold._held and not was:
                meter._at = time.perf_counter()
            return result

        def metered_let_go(hold):
            if hold._held and meter._at is not None:
                meter.held += time.perf_counter() - meter._at
                meter._at = None
            let_go(hold)

        BusyHold.eventFilter, BusyHold.let_go = metered_take, metered_let_go


class Storm:
    """A timer that sweeps the window's size back and forth, counting the sizes it asked for."""

    def __init__(self, window, interval_ms: int):
        from PySide6.QtCore import QTimer

        self.window, self.sizes, self.step = window, 0, 12
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._resize)

    def _resize(self) -> None:
        w, h = self.window.width(), self.window.height()
        if not 1100 <= w + self.step <= 1600:
            self.step = -self.step
        self.window.resize(w + self.step, h + round(self.step * 0.6))
        self.window.repaint()          # as a window system asks for each new size: lay out and paint it now
        self.sizes += 1


def window_run(app, window, epochs: int, storm_ms: int | None, meter: GateMeter) -> dict:
    from PySide6.QtCore import QEventLoop

    window.reset_weights()
    window.resize(1600, 1000)
    project = window.document.project
    window.document.edit(project.with_changes(training=project.training.with_changes(epochs=epochs)), "bench")
    window.flush_dashboard()
    app.processEvents()
    storm = Storm(window, storm_ms) if storm_ms else None
    loop = QEventLoop()
    result: dict = {}
    window.controller.finished.connect(lambda event: (result.setdefault("event", event), loop.quit()))
    if storm:
        storm.timer.start()
    start, held = time.perf_counter(), meter.held
    window.train()
    loop.exec()
    wall = time.perf_counter() - start
    if storm:
        storm.timer.stop()
    window.controller.finished.disconnect()
    trainer = window.session.trainer
    samples = trainer.step * trainer.batch_size
    return {"rate": samples / result["event"].elapsed, "steps_per_s": trainer.step / wall,
            "sizes_per_s": (storm.sizes / wall) if storm else 0.0, "held": (meter.held - held) / wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3000, help="epochs of each run")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of headless / quiet / storm runs")
    parser.add_argument("--interval-ms", type=int, default=16, help="milliseconds between two resizes")
    args = parser.parse_args(argv)

    import tempfile

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from core.project import default_project
    from gui.app import make_app
    from gui.main_window import create_window
    from gui.runtime import gc_guard

    app = make_app()
    print(f"platform: {app.platformName()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    project = default_project().with_changes(training=default_project().training.with_changes(epochs=args.epochs))
    meter = GateMeter()                                               # before the window's busy hold connects
    window = create_window()
    window.show()
    while window.session.trainer is None:
        app.processEvents()
    gc_guard.freeze_startup()
    window_run(app, window, 20, None, meter)                                   # warm-up: first draws, caches
    rows = []
    for _ in range(args.repeats):
        headless = headless_rate(project, args.epochs)[0]
        quiet = window_run(app, window, args.epochs, None, meter)
        storm = window_run(app, window, args.epochs, args.interval_ms, meter)
        rows.append((headless, quiet, storm))
        print(f"  headless {headless:,.0f} samples/s; window {quiet['rate']:,.0f} ({quiet['rate'] / headless:.0%}, "
              f"{quiet['steps_per_s']:,.0f} steps/s, gate held {quiet['held']:.0%}); resized {storm['rate']:,.0f} ({storm['rate'] / headless:.0%}, "
              f"{storm['steps_per_s']:,.0f} steps/s, {storm['sizes_per_s']:.0f} sizes/s, gate held {storm['held']:.0%})", flush=True)
    shares = [s["rate"] / q["rate"] for _, q, s in rows]
    held = [s["held"] for _, _, s in rows]
    print(f"resize storm ({args.repeats} rounds of {args.epochs} epochs, a resize every {args.interval_ms} ms): "
          f"throughput while resized {', '.join(f'{x:.0%}' for x in shares)} of the quiet window's, median "
          f"{statistics.median(shares):.0%}; the GUI thread held the draw gate "
          f"{', '.join(f'{x:.0%}' for x in held)} of the time")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
