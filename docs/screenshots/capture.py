"""Regenerate the screenshots in docs/screenshots from the app as it is (the README's images must show what it shows).

Run under a virtual X display whose screen is the size to show; the window opens as it would on that screen:

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python docs/screenshots/capture.py readme
    for size in 1280x720 1366x768 1920x1080; do
        xvfb-run -a -s "-screen 0 ${size}x24" .venv/bin/python docs/screenshots/capture.py sizes
    done

`readme` writes the README's images (a 1920 x 1080 screen: a 1600 x 1000 window); `sizes` writes
sizes/<example>_<screen>.png: the spiral, iris and three-spirals examples trained, on the screen at hand. Settings
go to a temporary folder, never the user's.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(signal, timeout_ms: int = 600_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def ready(window) -> None:
    while window.session.trainer is None or window.session.loader.busy:
        wait(100)
    wait(300)


def train(window) -> None:
    window.train()
    wait_for(window.controller.finished)
    wait(800)


def show(window, tab: str, path: Path) -> None:
    window.dashboard.show_tab(tab)
    wait(600)
    window.dashboard.redraw()
    wait(400)
    window.grab().save(str(path))
    print("wrote", path)


def new_window(example: str | None):
    import main
    from gui.project.examples import EXAMPLES_DIR

    window = main.create_window()
    window.show()
    wait(400)
    if example is not None:
        window.files.open_example(EXAMPLES_DIR / f"{example}.json")
    ready(window)
    return window


def close(window) -> None:
    window.document.undo_stack.setClean()
    window.document._weights_modified = False
    window.close()
    wait(100)


def set_field(window, name: str, text: str) -> None:
    from PySide6.QtWidgets import QLineEdit

    edit = window.findChild(QLineEdit, name)
    edit.setText(text)
    edit.editingFinished.emit()


def readme(out: Path) -> None:
    window = new_window("spiral")                           # a live run, part-way
    window.train()
    while window.session.trainer.epoch < 120:
        wait(50)
    window.dashboard.redraw()
    wait(300)
    window.grab().save(str(out / "live_spiral.png"))
    wait_for(window.controller.finished)
    show(window, "Histograms", out / "gradient_histograms.png")
    show(window, "Network", out / "network_graph.png")
    close(window)

    window = new_window("spiral")                           # the builder, a layer inserted, before training
    window.builder.select(1)
    window.builder.insert_layer("dropout")
    ready(window)
    window.builder.select(2)
    wait(300)
    show(window, "Training", out / "builder.png")
    close(window)

    window = new_window("dying_relu")                       # its note brings the Gradients tab forward
    train(window)
    show(window, "Gradients", out / "dead_relu.png")
    close(window)

    window = new_window("digits")
    set_field(window, "training_epochs", "40")
    train(window)
    show(window, "Projection", out / "projection_digits.png")
    close(window)

    drawn(out / "drawn_data.png")


def drawn(path: Path) -> None:
    """Points drawn by hand (two arcs), trained, with Draw mode on."""
    import numpy as np

    from core.data.points import points_spec
    from core.project import default_project, parse_project

    rng = np.random.default_rng(3)
    t = rng.uniform(0, np.pi, 35)
    upper = np.column_stack([3.5 * np.cos(t) - 0.8, 3.0 * np.sin(t) - 0.3])
    lower = np.column_stack([3.5 * np.cos(t) + 0.8, -3.0 * np.sin(t) + 0.4])
    X = np.vstack([upper, lower]) + rng.normal(0, 0.25, (70, 2))
    y = np.array([0] * 35 + [1] * 35)
    spec = default_project().to_dict()
    spec["name"] = "My points"
    spec["data"] = {**points_spec(X, y, ("-1", "+1"), ("x1", "x2"), "label", "my points"), "seed": 0,
                    "split": {"val": 0.2, "test": 0.0}, "scaling": "none"}
    import main

    window = main.create_window(parse_project(spec, HERE))
    window.show()
    ready(window)
    train(window)
    window.data_panel.draw.bar.toggle.click()
    wait(300)
    show(window, "Training", path)
    close(window)


def sizes(out: Path) -> None:
    screen = QApplication.primaryScreen().geometry()
    size = f"{screen.width()}x{screen.height()}"
    (out / "sizes").mkdir(exist_ok=True)
    for example in ("spiral", "iris", "three_spirals"):
        window = new_window(example)
        train(window)
        show(window, "Training", out / "sizes" / f"{example}_{size}.png")
        close(window)


def run(what: str, out: Path = HERE) -> None:
    settings = tempfile.mkdtemp(prefix="layerlab-screenshots-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
    from gui.app import make_app

    make_app(["capture"])
    {"readme": readme, "sizes": sizes}[what](out)


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "readme")
