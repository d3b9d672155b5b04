"""No stale text (issue 13): a view's header forgets the previous network's numbers, the ETA and speed go blank while
paused, the elapsed time carries on when a stopped run continues (and starts over with fresh weights), and the data
panel hides the facts about the previous data while new data load."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel

from gui.project.examples import EXAMPLES_DIR
from gui.training.run_controls import format_duration


def label(window, name: str) -> str:
    return window.findChild(QLabel, name).text()


def test_the_dead_relu_header_forgets_the_previous_network(window, ui, qtbot):
    ui.set_field(window, "training_epochs", "2")
    ui.train(window)
    window.dashboard.redraw()
    dead = window.dashboard.dead_plot
    assert " dead · " in dead._title_text                                 # "3 / 32 dead · solid: epoch, ..."
    window.files.open_example(EXAMPLES_DIR / "vanishing_gradients_sigmoid.json")
    qtbot.waitUntil(lambda: window.session.network is not None and len(window.session.network.layers) == 7,
                    timeout=10_000)
    window.flush_dashboard()
    window.dashboard.redraw()
    assert dead.message.isVisible() and not dead.applicable                # "No ReLU-family layer ..."
    assert "&nbsp;" not in dead._title_text                                # the title alone, no details


def test_eta_and_speed_go_blank_while_paused(window, ui, qtbot):
    ui.set_field(window, "training_epochs", "100000")
    window.train()
    qtbot.waitUntil(lambda: label(window, "statusEtaLabel").startswith("ETA"), timeout=10_000)
    window.controller.pause()
    qtbot.waitUntil(lambda: window.controller.state == "paused", timeout=5000)
    qtbot.wait(300)                                                        # frames go on while paused
    assert label(window, "statusEtaLabel") == "" and label(window, "statusSpeedLabel") == ""
    assert label(window, "statusElapsedLabel").startswith("elapsed")
    window.controller.resume()
    qtbot.waitUntil(lambda: label(window, "statusEtaLabel").startswith("ETA"), timeout=10_000)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.controller.threads_alive, timeout=5000)


def test_elapsed_time_carries_on_when_a_stopped_run_continues(window, ui, qtbot):
    ui.set_field(window, "training_epochs", "100000")
    window.train()
    qtbot.waitUntil(lambda: window.session.trainer.epoch >= 3, timeout=20_000)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.controller.threads_alive and not window.controller.busy, timeout=5000)
    status = window.status
    first = status.run_seconds
    assert first > 0
    with qtbot.waitSignal(window.controller.started, timeout=5000):
        window.train()                                                     # continue the stopped run
    qtbot.waitUntil(lambda: status.run_seconds > 0, timeout=10_000)
    window.stop_training()
    qtbot.waitUntil(lambda: not window.controller.threads_alive and not window.controller.busy, timeout=5000)
    assert status.trained_before == first                                  # the first run's time is kept
    assert label(window, "statusElapsedLabel") in (
        f"elapsed {format_duration(first + status.run_seconds)}", "")      # "" only if no frame showed it yet
    window.reset_weights()                                                 # fresh weights: no time behind them
    assert status.trained_before == 0 and label(window, "statusElapsedLabel") == ""


def test_the_data_panel_hides_the_previous_data_while_new_data_load(window, ui, qtbot):
    header = window.data_panel.header
    assert header.isVisible() and "binary" in header.text("Task")
    ui.choose(ui.find(window, "datasetCombo", QComboBox), ("builtin", "iris"))
    assert window.session.loader.busy or window.session.prepared is None
    assert not header.isVisible()                                          # no spiral facts beside "Iris"
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == "multiclass",
                    timeout=10_000)
    assert header.isVisible() and "multi-class" in header.text("Task")
