"""Training throughput in the app while the window is resized without pause (a user dragging its corner).

    python benchmarks/bench_resize_storm.py [--epochs 3000] [--repeats 3] [--interval-ms 16]

Runs on the default (spiral) project with the Training tab shown. Each round trains the same epochs three times,
from a fresh start each time: headless, in the window left alone, and in the window resized every `--interval-ms`
(its width and height swept back and forth by 12 px a step between 1100 x 700 and 1600 x 1000, each new size laid
out and painted at once, as a window system asks during a drag; up to 60 sizes a second). It prints samples per
second of each, the storm's rate as a share of the quiet window's (issue 14 reported a collapse to ~3%: 7,800 -> 250
steps/s), the sizes the window managed a second, and the share of the time the GUI thread held the draw gate (the
training thread waits meanwhile; gui/runtime/busy_hold.py), a figure that depends less on how loaded the machine is.

History (Xvfb 1920x1200, the 2-core machine; sizes every 16 ms):
- 2026-12-06, loaded (load 3-6), `--epochs 150 --repeats 3`: every size laid out and repainted every plot (~90 ms
  of the GUI thread a size): 9-12 sizes a second, the storm at 1-2% of the quiet window's throughput. Plots keeping
  their picture during a drag (~27 ms a size, the rest being Qt laying out and repainting the whole window's ~200
  widgets): 28-36 sizes a second, 3-5%. Quiet, the same code: ~16 ms a size, 47-52 sizes a second, 10-12%.
- 2026-12-06, quiet (load < 1), the window covered by a picture of itself during a drag and its layout stopped
  (gui/widgets/resize_storm.py; ~3-5 ms a size, a real lay-out and a new picture once a second, ~50 ms):
  `--epochs 150`: 74%, 88%, 76% (median 76%); `--epochs 300`: 61%, 80%, 59% and 67%, 58%, 67% (medians 61%, 67%),
  at 51-56 sizes a second, the gate held 38-47% of the time (8-22% when the window is left alone); the storm trains
  at 7,000-8,700 steps a second, where issue 14 measured 250. The final code (the views drawn at a drag's end and
  into each refresh's picture), three sets of `--epochs 300`: 79-83%, 75-75%, 75-85% (medians 81%, 75%, 77%),
  9,900-11,300 steps a second while resized, 54-57 sizes a second, the gate held 34-41%.

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
