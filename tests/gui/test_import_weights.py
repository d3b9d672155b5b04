"""File > Import weights… starts the open project's network from weights in a file, as `layerlab train
--init-weights` does: a PyTorch state_dict (here an nn.Sequential's, made with NumPy as PyTorch stores it) or a
LayerLab weights file from another window. The arrays land exactly, the training state starts over, the views
show the imported network; a file that does not fit changes nothing and says why in one line; the entry is
disabled while a run trains."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from core.cli import main as cli_main
from core.model_files import load_model
from core.project import save_project

# The default project: 2 inputs -> dense 16 relu -> dense 16 relu -> dense 1 sigmoid.
SHAPES = [(2, 16), (16, 16), (16, 1)]
TORCH_INDEX = (0, 2, 4)            # nn.Sequential(Linear, ReLU, Linear, ReLU, Linear, Sigmoid): parameters at 0, 2, 4


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def known_arrays(dtype, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {}
    for i, (n_in, n_out) in enumerate(SHAPES):
        arrays[f"layers.{i}.weight"] = rng.normal(0.0, 0.9, (n_in, n_out)).astype(dtype)
        arrays[f"layers.{i}.bias"] = rng.normal(0.0, 0.3, n_out).astype(dtype)
    return arrays


def sequential_state_dict(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What `nn.Sequential(...).state_dict()` holds for these arrays: Linear weights as (out, in)."""
    state = {}
    for i, k in enumerate(TORCH_INDEX):
        state[f"{k}.weight"] = np.ascontiguousarray(arrays[f"layers.{i}.weight"].T)
        state[f"{k}.bias"] = arrays[f"layers.{i}.bias"]
    return state


def by_hand(arrays: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """P(class 1) of relu, relu, sigmoid with these arrays, in float64."""
    h = np.asarray(X, dtype=np.float64)
    for i in (0, 1):
        h = np.maximum(h @ arrays[f"layers.{i}.weight"] + arrays[f"layers.{i}.bias"], 0.0)
    return 1.0 / (1.0 + np.exp(-(h @ arrays["layers.2.weight"] + arrays["layers.2.bias"])[:, 0]))


def import_through_menu(window, dialogs, qtbot, path, signal: str = "imported") -> list:
    """File > Import weights… with `path` chosen in the dialog; the importer's signal's arguments."""
    dialogs.open_path = str(path)
    with qtbot.waitSignal(getattr(window.importer, signal), timeout=20_000) as blocker:
        action(window, "actionImportWeights").trigger()
    return blocker.args


def test_the_entry_is_in_the_file_menu_with_a_free_mnemonic(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    entry = action(window, "actionImportWeights")
    assert entry in menu.actions() and entry.text() == "&Import weights…" and entry.isEnabled()
    keys = [a.text().split("&")[1][0].lower() for a in menu.actions() if "&" in a.text()]
    keys += [m.title().split("&")[1][0].lower() for m in window.findChildren(QMenu) if m.parent() is menu
             and "&" in m.title()]
    assert keys.count("i") == 1, keys


def test_a_pytorch_sequential_state_dict_imports_exactly(window, ui, dialogs, qtbot, tmp_path):
    ui.set_field(window, "training_epochs", "2")
    ui.train(window)                                    # a trained network, a history and an optimizer state
    s = window.session
    trainer, network = s.trainer, s.network
    assert trainer.epoch == 2 and trainer.history and trainer.optimizer.state_dict()["step"] > 0
    expected = known_arrays(network.dtype)
    path = tmp_path / "torch_mlp.npz"
    np.savez(path, **sequential_state_dict(expected))
    dashboard = window.dashboard
    old_views = dashboard.data.views
    assert old_views is not None and old_views.grid is not None

    assert import_through_menu(window, dialogs, qtbot, path) == [str(path)]
    assert not dialogs.of("critical")
    assert s.network is network and s.trainer is trainer
    arrays = network.named_arrays()
    for name, value in expected.items():
        assert arrays[name].dtype == value.dtype
        np.testing.assert_array_equal(arrays[name], value, err_msg=name)
    X = s.prepared.val.X
    np.testing.assert_allclose(network.predict(X)[:, 0], by_hand(expected, X), rtol=1e-5, atol=1e-7)
    # as --init-weights: training starts over from them
    assert trainer.epoch == 0 and trainer.step == 0 and trainer.history == {}
    assert trainer.optimizer.state_dict()["step"] == 0
    assert window.statusBar().currentMessage() == "Weights imported from torch_mlp.npz (6 arrays)"
    assert window.findChild(QAction, "actionImportWeights").isEnabled()
    # never saved, but no seed makes these weights again: closing asks
    assert window.document.is_modified() and window.document.has_work_at_stake()
    assert window.isWindowModified()
    # the decision boundary shows the imported network (its grid by hand, from the raw grid points)
    # (the run's last views may still arrive after `old_views` was read: wait for the imported network's own)
    qtbot.waitUntil(lambda: dashboard.data.views is not None and dashboard.data.views is not old_views
                    and dashboard.data.views.epoch == 0, timeout=10_000)
    assert dashboard.data.views.epoch == 0
    grid = dashboard.data.views.grid
    xx, yy = np.meshgrid(grid.x, grid.y)
    scaled = s.prepared.preprocessor.transform(np.column_stack([xx.ravel(), yy.ravel()]))
    np.testing.assert_allclose(grid.values.ravel(), by_hand(expected, scaled), rtol=1e-4, atol=1e-6)

    # and training from them is what `layerlab train --init-weights` trains, bit for bit
    project_file = tmp_path / "project.json"
    save_project(window.document.project, project_file)
    out = tmp_path / "cli.npz"
    assert cli_main(["train", str(project_file), "--init-weights", str(path), "--out", str(out), "--quiet"]) == 0
    ui.train(window)
    assert trainer.epoch == 2
    np.testing.assert_array_equal(network.params, load_model(out).network.params)


def test_weights_exported_from_another_window_import(make_window, ui, dialogs, qtbot, tmp_path):
    window, other = make_window(), make_window()
    ui.set_field(other, "training_epochs", "3")
    ui.train(other)
    exported = tmp_path / "other.weights.npz"
    dialogs.save_path = str(exported)
    action(other, "actionExportWeights").trigger()
    assert exported.exists()
    assert not np.array_equal(window.session.network.params, other.session.network.params)

    import_through_menu(window, dialogs, qtbot, exported)
    np.testing.assert_array_equal(window.session.network.params, other.session.network.params)
    np.testing.assert_array_equal(window.session.network.buffers, other.session.network.buffers)
    X = window.session.prepared.val.X
    np.testing.assert_array_equal(window.session.network.predict(X), other.session.network.predict(X))
    assert window.statusBar().currentMessage() == "Weights imported from other.weights.npz (6 arrays)"
    assert window.session.trainer.epoch == 0
    # the dialog opens where the last imported file was
    dialogs.open_path = ""
    action(window, "actionImportWeights").trigger()
    assert dialogs.of("open")[-1] == ("open", "Import weights", str(tmp_path))


def test_a_file_that_does_not_fit_changes_nothing_and_says_why(window, ui, dialogs, qtbot, tmp_path):
    s, document = window.session, window.document
    good = known_arrays(s.network.dtype)
    wrong_shape = sequential_state_dict(good) | {"0.weight": np.zeros((16, 3), s.network.dtype)}
    np.savez(tmp_path / "wrong_shape.npz", **wrong_shape)
    np.savez(tmp_path / "unknown.npz", **{"encoder.w": good["layers.0.weight"]})
    np.savez(tmp_path / "missing.npz", **{k: v for k, v in good.items() if k != "layers.2.bias"})
    np.savez(tmp_path / "nan.npz", **(good | {"layers.1.bias": np.full(16, np.nan, s.network.dtype)}))
    (tmp_path / "notes.npz").write_text("not a weights file")
    os.mkfifo(tmp_path / "pipe.npz")
    cases = {
        "wrong_shape.npz": "0.weight has shape (16, 3), but model.layers[0] (dense 16, relu) needs PyTorch's "
                           "(out, in) = (16, 2)",
        "unknown.npz": "array 'encoder.w' follows none of the layouts",
        "missing.npz": "missing layers.2.bias",
        "nan.npz": "layers.1.bias contains NaN or Inf",
        "notes.npz": "is not an .npz file",
        "pipe.npz": "is a FIFO (named pipe), not a regular file",
        "absent.npz": "does not exist",
    }

    def check(trained: bool) -> None:
        params, buffers = s.network.params.copy(), s.network.buffers.copy()
        history, epoch, step = {k: list(v) for k, v in s.trainer.history.items()}, s.trainer.epoch, s.trainer.step
        modified, at_stake = document.is_modified(), document.has_work_at_stake()
        for name, mismatch in cases.items():
            (message,) = import_through_menu(window, dialogs, qtbot, tmp_path / name, "failed")
            kind, title, text = dialogs.calls[-1]
            assert (kind, title, text) == ("critical", "Cannot import weights", message)
            assert mismatch in text and "\n" not in text, (name, text)
            assert s.network.params.tobytes() == params.tobytes() and s.network.buffers.tobytes() == buffers.tobytes()
            assert s.trainer.history == history and (s.trainer.epoch, s.trainer.step) == (epoch, step)
            assert (document.is_modified(), document.has_work_at_stake()) == (modified, at_stake)
            assert "imported" not in window.statusBar().currentMessage()
        assert (epoch > 0) == trained

    check(trained=False)                  # a fresh window: nothing to save, and still nothing after the failures
    assert not document.is_modified()
    ui.set_field(window, "training_epochs", "1")
    ui.train(window)
    check(trained=True)                   # a history and trained weights: kept as they were


def test_import_is_disabled_while_a_run_trains(window, ui, dialogs, qtbot, tmp_path):
    path = tmp_path / "torch_mlp.npz"
    np.savez(path, **sequential_state_dict(known_arrays(window.session.network.dtype)))
    entry = action(window, "actionImportWeights")
    ui.set_field(window, "training_epochs", "100000")
    s = window.session
    # a file still being read when a run starts is not put under the run's feet
    with qtbot.waitSignal(window.importer.failed, timeout=20_000) as blocker:
        assert window.importer.import_file(path) is True
        window.train()
    assert "training started while the file was read" in blocker.args[0]
    trainer = s.trainer
    qtbot.waitUntil(lambda: trainer.step > 20, timeout=10_000)
    assert not entry.isEnabled()
    opened = len(dialogs.of("open"))
    assert window.importer.ask() is False and window.importer.import_file(path) is False
    assert len(dialogs.of("open")) == opened                     # not even the file dialog
    assert "stop it" in window.statusBar().currentMessage()
    at = trainer.step
    qtbot.waitUntil(lambda: trainer.step > at + 20, timeout=10_000)      # the run goes on
    window.stop_training()
    qtbot.waitUntil(entry.isEnabled, timeout=5000)
    import_through_menu(window, dialogs, qtbot, path)
    assert trainer.epoch == 0 and window.statusBar().currentMessage().startswith("Weights imported")
