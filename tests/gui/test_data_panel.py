"""The data panel, clicked through as a user would: picking, editing, validating, previewing and importing data."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402

from core.data import load_dataset, prepare, validate_data_spec  # noqa: E402
from core.errors import DataError  # noqa: E402
from gui.data.files import stored_path  # noqa: E402
from gui.data.import_dialog import CsvImportDialog  # noqa: E402
from gui.data.panel import DataPanel  # noqa: E402

SPIRAL = {"source": "builtin", "name": "spiral", "samples": 500, "noise": 0.1, "scaling": "standard",
          "split": {"val": 0.2, "test": 0.0}}


@pytest.fixture
def panel(qtbot):
    widget = DataPanel()
    qtbot.addWidget(widget)
    widget.resize(400, 900)
    widget.set_spec(SPIRAL, None)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(panel):
    seen: list[dict] = []
    panel.specChanged.connect(seen.append)
    return seen


def loaded(spec: dict, base_dir=".") :
    return prepare(load_dataset(spec, base_dir), spec)


def combo_row(panel: DataPanel, kind: str, value) -> int:
    for i in range(panel.combo.count()):
        if panel.combo.itemData(i, Qt.ItemDataRole.UserRole) == (kind, value):
            return i
    raise AssertionError(f"no picker entry {kind} {value}")


def click_picker(qtbot, panel: DataPanel, kind: str, value) -> None:
    """Open the picker's list and click an entry, as a user does."""
    row = combo_row(panel, kind, value)
    panel.combo.showPopup()
    view = panel.combo.view()
    qtbot.waitUntil(view.isVisible)
    index = panel.combo.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible())


def type_into(qtbot, box, text: str) -> None:
    """Select a field's text, type a new value and press Enter."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def group_of(panel: DataPanel, row: int) -> str:
    """The title of the group an entry sits under (the nearest unselectable row above it)."""
    model = panel.combo.model()
    for i in range(row, -1, -1):
        if panel.combo.itemData(i, Qt.ItemDataRole.UserRole) is None:
            return model.item(i).text()
    return ""


# --- picking ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("group, name", [("Playground", "xor"), ("Playground", "reg-plane"),
                                         ("More toys", "spirals"), ("More toys", "sine"),
                                         ("Real datasets", "wine"), ("Real datasets", "digits")])
def test_choosing_a_dataset_from_each_group_emits_its_spec(qtbot, panel, emitted, group, name):
    assert group_of(panel, combo_row(panel, "builtin", name)) == group
    click_picker(qtbot, panel, "builtin", name)
    # Seed and split carry over; everything else takes the dataset's defaults.
    expected = validate_data_spec({"source": "builtin", "name": name, "seed": 0, "split": {"val": 0.2, "test": 0.0}})
    assert emitted == [expected]
    assert panel.spec() == expected
    assert panel.combo.currentData(Qt.ItemDataRole.UserRole) == ("builtin", name)


def test_picker_lists_every_group_and_the_imports(panel):
    titles = [panel.combo.itemText(i) for i in range(panel.combo.count())
              if panel.combo.itemData(i, Qt.ItemDataRole.UserRole) is None]
    assert titles == ["Playground", "More toys", "Real datasets", "Your data"]
    imports = [panel.combo.itemData(i, Qt.ItemDataRole.UserRole)[1] for i in range(panel.combo.count())
               if (panel.combo.itemData(i, Qt.ItemDataRole.UserRole) or ("",))[0] == "import"]
    assert imports == ["csv", "npz", "idx"]
    assert panel.combo.model().item(0).flags() == Qt.ItemFlag.NoItemFlags   # titles cannot be chosen


def test_parameters_follow_the_chosen_dataset(qtbot, panel, emitted):
    click_picker(qtbot, panel, "builtin", "spirals")
    assert panel.extra_label.text() == "Arms" and panel.extra.isVisibleTo(panel)
    assert panel.extra.value() == 3
    click_picker(qtbot, panel, "builtin", "iris")
    assert not panel.samples.isVisibleTo(panel) and not panel.noise.isVisibleTo(panel)
    assert not panel.features.isVisibleTo(panel)            # feature crosses are for 1-D / 2-D data only
    click_picker(qtbot, panel, "builtin", "sine")
    visible = [t for t, b in panel.toggles.items() if b.isVisibleTo(panel)]
    assert visible == ["x1", "x1^2", "sin(x1)"]


# --- editing ----------------------------------------------------------------------------------------------------
def test_typed_parameters_emit_once_each(qtbot, panel, emitted):
    type_into(qtbot, panel.noise, "0.25")
    type_into(qtbot, panel.samples, "2000")
    type_into(qtbot, panel.val, "30")
    type_into(qtbot, panel.seed, "7")
    qtbot.wait(400)                                          # past the debounce: nothing more may arrive
    assert [e["noise"] for e in emitted] == [0.25, 0.25, 0.25, 0.25]
    assert [e["samples"] for e in emitted] == [500, 2000, 2000, 2000]
    assert [e["split"]["val"] for e in emitted] == [0.2, 0.2, 0.3, 0.3]
    assert [e["seed"] for e in emitted] == [0, 0, 0, 7]
    assert emitted[-1] == validate_data_spec(dict(SPIRAL, noise=0.25, samples=2000, seed=7,
                                                  split={"val": 0.3, "test": 0.0}))


def test_arrow_clicks_are_debounced_into_one_edit(qtbot, panel, emitted):
    panel.samples.setFocus()
    for _ in range(3):
        qtbot.keyClick(panel.samples, Qt.Key.Key_Up)
    assert emitted == []                                     # still inside the debounce window
    qtbot.waitUntil(lambda: len(emitted) == 1, timeout=2000)
    qtbot.wait(400)
    assert len(emitted) == 1 and emitted[0]["samples"] == 800   # 500 + 3 steps of 100


def test_feature_toggles_and_scaling_emit_the_right_spec(qtbot, panel, emitted):
    qtbot.mouseClick(panel.toggles["x1*x2"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.toggles["sin(x1)"], Qt.MouseButton.LeftButton)
    assert [e["features"] for e in emitted] == [["x1", "x2", "x1*x2"], ["x1", "x2", "x1*x2", "sin(x1)"]]
    panel.scaling.setCurrentIndex(panel.scaling.findData("minmax"))
    assert len(emitted) == 3 and emitted[-1]["scaling"] == "minmax"
    assert emitted[-1]["features"] == ["x1", "x2", "x1*x2", "sin(x1)"]


def test_invalid_values_show_an_inline_message_and_emit_nothing(qtbot, panel, emitted):
    before = panel.spec()
    type_into(qtbot, panel.noise, "-1")
    assert panel.spec_error.isVisible() and "data.noise" in panel.spec_error.text()
    assert "c62828" in panel.noise.styleSheet()              # the red border
    type_into(qtbot, panel.noise, "0.1")                     # fixed: the message goes, nothing changed
    assert not panel.spec_error.isVisible() and panel.noise.styleSheet() == ""
    type_into(qtbot, panel.samples, "10")
    assert "data.samples" in panel.spec_error.text() and "50" in panel.spec_error.text()
    type_into(qtbot, panel.samples, "500")
    qtbot.wait(400)
    assert emitted == [] and panel.spec() == before
    type_into(qtbot, panel.val, "60")                        # valid on its own
    type_into(qtbot, panel.test, "50")                       # 0.6 + 0.5 >= 1
    assert "val + test must be below 1" in panel.spec_error.text()
    assert "c62828" in panel.test.styleSheet()
    assert [e["split"] for e in emitted] == [{"val": 0.6, "test": 0.0}]
    assert panel.spec()["split"] == {"val": 0.6, "test": 0.0}  # the last valid section
    type_into(qtbot, panel.test, "0")
    qtbot.wait(400)
    assert not panel.spec_error.isVisible() and len(emitted) == 1


def test_an_empty_feature_set_is_refused(qtbot, panel, emitted):
    qtbot.mouseClick(panel.toggles["x1"], Qt.MouseButton.LeftButton)
    assert emitted[-1]["features"] == ["x2"]
    qtbot.mouseClick(panel.toggles["x2"], Qt.MouseButton.LeftButton)
    assert len(emitted) == 1
    assert "data.features" in panel.spec_error.text() and panel.spec_error.isVisible()
    assert "c62828" in panel.features.styleSheet()
    assert panel.spec()["features"] == ["x2"]
    qtbot.mouseClick(panel.toggles["x2"], Qt.MouseButton.LeftButton)
    assert len(emitted) == 1 and not panel.spec_error.isVisible()


def test_set_spec_shows_a_spec_without_emitting(qtbot, panel):
    spec = {"source": "builtin", "name": "blobs", "classes": 5, "noise": 0.3, "samples": 800, "seed": 7,
            "split": {"val": 1 / 3, "test": 0.2}, "features": ["x1^2", "x1", "x2"], "scaling": "minmax"}
    with qtbot.assertNotEmitted(panel.specChanged, wait=400):
        panel.set_spec(spec, None)
    assert panel.combo.currentText() == "Blobs (k classes)"
    assert (panel.samples.value(), panel.noise.value(), panel.extra.value(), panel.seed.value()) == (800, 0.3, 5, 7)
    assert panel.extra_label.text() == "Classes"
    assert (panel.val.value(), panel.test.value()) == (33, 20)
    assert [t for t, b in panel.toggles.items() if b.isChecked()] == ["x1", "x2", "x1^2"]
    assert panel.scaling.currentData() == "minmax"
    assert panel.spec() == validate_data_spec(spec)
    # An edit elsewhere keeps the fields it did not touch exactly as they were (1/3 does not become 0.33).
    with qtbot.waitSignal(panel.specChanged, timeout=1000) as blocker:
        type_into(qtbot, panel.noise, "0.2")
    assert blocker.args[0]["split"]["val"] == 1 / 3 and blocker.args[0]["noise"] == 0.2


def test_set_editable_disables_every_input(panel):
    panel.set_editable(False)
    inputs = [panel.combo, panel.samples, panel.noise, panel.seed, panel.val, panel.test, panel.scaling,
              *panel.toggles.values()]
    assert not any(w.isEnabled() for w in inputs)
    panel.set_editable(True)
    assert all(w.isEnabled() for w in inputs)


# --- the preview ------------------------------------------------------------------------------------------------
def test_show_prepared_spiral_draws_the_points_and_the_header(panel):
    prepared = loaded(SPIRAL)
    panel.show_prepared(prepared)
    assert panel.preview.page_names() == ["Plot", "Columns", "Rows"]
    drawn = panel.preview.scatter.arrays()
    X, y = prepared.dataset.X, prepared.dataset.y
    for k in (0, 1):
        np.testing.assert_array_equal(drawn[k][0], X[y == k, 0])
        np.testing.assert_array_equal(drawn[k][1], X[y == k, 1])
    rings = np.asarray(panel.preview.scatter.held_out.getData()[0])
    np.testing.assert_array_equal(np.sort(rings), np.sort(X[prepared.val.rows, 0]))
    header = panel.header
    assert header.text("Task").startswith("binary classification") and "2 classes" in header.text("Task")
    assert "1 output" in header.text("Task")
    assert "400 train" in header.text("Split") and "100 validation" in header.text("Split")   # 500 x 0.8
    assert "0 test" in header.text("Split")
    assert "sigmoid" in header.text("Output") and "binary cross-entropy" in header.text("Output")
    assert "balance 1.00" in header.text("Classes")          # the spiral has 250 points per arm
    assert "\u22121" in panel.preview.scatter.legend.text() and "held out" in panel.preview.scatter.legend.text()


def test_show_prepared_digits_shows_image_tiles(panel):
    spec = validate_data_spec({"source": "builtin", "name": "digits"})
    prepared = loaded(spec)
    panel.show_prepared(prepared)
    assert panel.preview.page_names() == ["Images", "Columns", "Rows"]
    tiles = panel.preview.images.tiles
    assert len(tiles) == 20 and [c for _, c in tiles] == [str(k) for k in range(10) for _ in (0, 1)]
    first_three = int(np.flatnonzero(prepared.dataset.y == 3)[0])
    np.testing.assert_array_equal(tiles[6][0], prepared.dataset.X[first_three].reshape(8, 8))
    assert panel.preview.images.grid.count() == 20
    assert "10 classes" in panel.header.text("Task") and "10 outputs" in panel.header.text("Task")
    assert "10 softmax units" in panel.header.text("Output")


def test_show_prepared_iris_fills_the_tables(panel):
    from sklearn.datasets import load_iris

    reference = load_iris()
    prepared = loaded(validate_data_spec({"source": "builtin", "name": "iris"}))
    panel.show_prepared(prepared)
    assert panel.preview.page_names() == ["Columns", "Rows"]
    model = panel.preview.rows_model
    assert (model.rowCount(), model.columnCount()) == (150, 6)
    assert model.headerData(0, Qt.Orientation.Horizontal) == reference.feature_names[0]
    assert model.index(0, 0).data() == f"{reference.data[0, 0]:.4g}"
    assert model.index(149, 4).data() == reference.target_names[reference.target[149]]
    splits = [model.index(r, 5).data() for r in range(150)]
    assert splits.count("train") == 120 and splits.count("val") == 30
    stats = panel.preview.stats
    assert stats.rowCount() == 4
    assert stats.item(0, 1).text() == f"{reference.data[:, 0].min():.4g}"
    assert stats.item(2, 2).text() == f"{reference.data[:, 2].max():.4g}"
    assert "3 classes" in panel.header.text("Task") and "30 validation" in panel.header.text("Split")


def test_regression_previews_colour_by_value(panel):
    prepared = loaded(validate_data_spec({"source": "builtin", "name": "reg-plane"}))
    panel.show_prepared(prepared)
    drawn = panel.preview.scatter.arrays()
    np.testing.assert_array_equal(drawn["values"][0], prepared.dataset.X[:, 0])
    assert panel.preview.scatter._bar_shown and panel.header.text("Task").startswith("regression")
    assert "mean squared error" in panel.header.text("Output")
    sine = loaded(validate_data_spec({"source": "builtin", "name": "sine"}))
    panel.show_prepared(sine)
    drawn = panel.preview.scatter.arrays()
    np.testing.assert_array_equal(drawn["values"][1], sine.dataset.y[:, 0])   # 1-D: x against y
    assert not panel.preview.scatter._bar_shown


def test_loading_and_errors_are_shown_inline(panel):
    panel.show_prepared(loaded(SPIRAL))
    panel.show_loading(0.5)
    assert panel.progress.isVisible() and panel.progress.value() == 500
    panel.show_loading(None)
    assert panel.progress.maximum() == 0                      # a busy bar when progress is unknown
    message = "data file flowers.csv: not found (looked for /nowhere/flowers.csv)"
    panel.show_error(message)
    assert panel.data_error.isVisible() and panel.data_error.text() == message
    assert not panel.progress.isVisible()
    assert panel.preview.is_dimmed()                             # the old preview stays, greyed out
    assert panel.preview.scatter.arrays()                      # ... and still shows its points
    panel.show_prepared(loaded(SPIRAL))
    assert not panel.data_error.isVisible() and not panel.preview.is_dimmed()


# --- importing --------------------------------------------------------------------------------------------------
def write_csv(path, rows: int = 60, missing: bool = False) -> None:
    rng = np.random.default_rng(3)
    lines = ["label,height,weight,colour"]
    for i in range(rows):
        height = "" if missing and i % 10 == 4 else f"{rng.normal(170, 10):.1f}"
        lines.append(f"{['cat', 'dog', 'fox'][i % 3]},{height},{rng.normal(60, 8):.1f},{['red', 'blue'][i % 2]}")
    path.write_text("\n".join(lines) + "\n")


def open_import(qtbot, panel, monkeypatch, path) -> CsvImportDialog:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    click_picker(qtbot, panel, "import", "csv")
    dialog = panel.findChild(CsvImportDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_csv_import_emits_a_csv_spec_with_the_chosen_target(qtbot, panel, emitted, monkeypatch, tmp_path):
    path = tmp_path / "pets.csv"
    write_csv(path)
    panel.set_spec(SPIRAL, tmp_path)
    dialog = open_import(qtbot, panel, monkeypatch, path)
    assert dialog.preview.columnCount() == 4 and dialog.preview.rowCount() == 20
    assert dialog.preview.item(0, 0).text() == "cat"
    assert dialog.role_combo("colour").currentText() == "Target"   # the default: the last column
    dialog.role_combo("colour").setCurrentText("Feature")
    dialog.role_combo("label").setCurrentText("Target")
    qtbot.waitUntil(lambda: dialog.check_state == "ok", timeout=5000)
    assert "3 classes" in dialog.status.text() and "60 rows" in dialog.status.text()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(emitted) == 1)
    expected = validate_data_spec({"source": "csv", "path": "pets.csv", "target": "label", "seed": 0,
                                   "split": {"val": 0.2, "test": 0.0}, "scaling": "standard"})
    assert emitted[0] == expected                               # relative: the file is in the project folder
    assert panel.combo.currentText() == "pets.csv" and panel.options_button.isVisibleTo(panel)
    prepared = loaded(emitted[0], tmp_path)                     # what the main window will load
    panel.show_prepared(prepared)
    assert panel.preview.rows_model.rowCount() == 60


def test_csv_options_reopen_with_the_current_choices(qtbot, panel, emitted, tmp_path):
    write_csv(tmp_path / "pets.csv", missing=True)
    spec = {"source": "csv", "path": "pets.csv", "target": "label", "columns": ["height"], "header": True,
            "delimiter": ",", "missing": "fill", "split": {"val": 0.25, "test": 0.0}}
    panel.set_spec(spec, tmp_path)
    assert panel.combo.currentText() == "pets.csv" and not panel.samples.isVisibleTo(panel)
    qtbot.mouseClick(panel.options_button, Qt.MouseButton.LeftButton)
    dialog = panel.findChild(CsvImportDialog)
    assert dialog.roles_by_name() == {"label": "Target", "height": "Feature", "weight": "Ignore",
                                      "colour": "Ignore"}
    assert (dialog.header.currentData(), dialog.delimiter.currentData(), dialog.missing.currentData()) == \
        (True, ",", "fill")
    qtbot.waitUntil(lambda: dialog.check_state == "ok", timeout=5000)
    assert "filled" in dialog.status.text()
    dialog.missing.setCurrentIndex(dialog.missing.findData("drop"))
    qtbot.waitUntil(lambda: dialog.check_state == "ok" and "dropped" in dialog.status.text(), timeout=5000)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(emitted) == 1)
    assert emitted[0] == validate_data_spec(dict(spec, missing="drop"))   # everything else as it was


def test_big_data_is_summarised_off_the_gui_thread(qtbot, panel, monkeypatch):
    import gui.data.panel as module

    monkeypatch.setattr(module, "SYNC_SUMMARY_CELLS", 0)
    prepared = loaded(SPIRAL)
    panel.show_prepared(prepared)
    assert panel.header.text("Classes") == "\u2026"          # a placeholder until the worker answers
    qtbot.waitUntil(lambda: "balance 1.00" in panel.header.text("Classes"), timeout=5000)
    assert panel.preview.stats.rowCount() == 2
    qtbot.waitUntil(lambda: panel._pool.activeThreadCount() == 0)


def test_csv_missing_values_are_reported_and_a_policy_can_be_chosen(qtbot, panel, emitted, monkeypatch,
                                                                     tmp_path):
    path = tmp_path / "gaps.csv"
    write_csv(path, missing=True)
    panel.set_spec(SPIRAL, tmp_path / "elsewhere")
    dialog = open_import(qtbot, panel, monkeypatch, path)
    dialog.role_combo("colour").setCurrentText("Ignore")
    dialog.role_combo("label").setCurrentText("Target")
    qtbot.waitUntil(lambda: dialog.check_state == "error", timeout=5000)
    assert "'height' 6 rows" in dialog.status.text()             # rows 4, 14, ..., 54 have no height
    assert not dialog.import_button.isEnabled()
    dialog.missing.setCurrentIndex(dialog.missing.findData("drop"))
    qtbot.waitUntil(lambda: dialog.check_state == "ok", timeout=5000)
    assert "54 rows" in dialog.status.text() and "6 rows dropped" in dialog.status.text()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(emitted) == 1)
    spec = emitted[0]
    assert spec["path"] == str(path.resolve())                  # outside the project folder: absolute
    assert (spec["target"], spec["columns"], spec["missing"]) == ("label", ["height", "weight"], "drop")


def test_a_broken_csv_shows_the_loaders_message(qtbot, panel, emitted, monkeypatch, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    panel.set_spec(SPIRAL, tmp_path)
    dialog = open_import(qtbot, panel, monkeypatch, ragged)
    with pytest.raises(DataError) as expected:
        load_dataset({"source": "csv", "path": str(ragged), "target": "c"})
    qtbot.waitUntil(lambda: dialog.check_state == "error", timeout=5000)
    assert str(expected.value) in dialog.status.text() and "line 3" in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    dialog.reject()
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(binary), "")))
    click_picker(qtbot, panel, "import", "csv")
    with pytest.raises(DataError) as expected:
        load_dataset({"source": "csv", "path": str(binary)})
    assert panel.spec_error.isVisible() and panel.spec_error.text() == str(expected.value)
    qtbot.wait(50)
    assert not any(d.isVisible() for d in panel.findChildren(CsvImportDialog))
    assert emitted == [] and panel.combo.currentData(Qt.ItemDataRole.UserRole) == ("builtin", "spiral")


def test_npz_and_idx_imports(qtbot, panel, emitted, monkeypatch, tmp_path):
    np.savez(tmp_path / "points.npz", X=np.zeros((10, 3)), y=np.arange(10) % 2)
    panel.set_spec(SPIRAL, tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "points.npz"), "")))
    click_picker(qtbot, panel, "import", "npz")
    assert emitted[-1] == validate_data_spec({"source": "npz", "path": "points.npz", "scaling": "standard"})
    images, labels = tmp_path / "train-images-idx3-ubyte.gz", tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(images, "wb") as f:
        f.write(struct.pack(">IIII", 2051, 4, 2, 2) + bytes(16))
    with gzip.open(labels, "wb") as f:
        f.write(struct.pack(">II", 2049, 4) + bytes([0, 1, 0, 1]))
    calls = []

    def fake_open(parent, caption, directory, *args, **kwargs):
        calls.append(directory)
        return (str(images) if len(calls) == 1 else str(labels)), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    click_picker(qtbot, panel, "import", "idx")
    assert calls[1] == str(labels)                              # the labels file next to the images is offered
    assert emitted[-1]["source"] == "idx"
    assert (emitted[-1]["images"], emitted[-1]["labels"]) == (images.name, labels.name)
    click_picker(qtbot, panel, "builtin", "circle")            # away and back: the file entry keeps the file
    click_picker(qtbot, panel, "file", None)
    assert emitted[-1]["source"] == "idx" and len(emitted) == 4


def test_stored_paths_are_relative_inside_the_project_folder(tmp_path):
    inside = tmp_path / "data" / "a.csv"
    assert stored_path(inside, tmp_path) == "data/a.csv"
    assert stored_path(inside, tmp_path / "other") == str(inside.resolve())
    assert stored_path(inside, None) == str(inside.resolve())


def test_plots_without_a_context_menu_never_make_one(qtbot, monkeypatch):
    """The preview's scatter and the network graph have no context menu and never make one to drop (a drop was on
    the stack of a PySide crash: README, "Development")."""
    import importlib

    from gui.dashboard.network_graph import NetworkGraphView
    from gui.data.preview import ScatterView

    viewbox_module = importlib.import_module("pyqtgraph.graphicsItems.ViewBox.ViewBox")   # the module, not the class
    made = []

    class CountedMenu(viewbox_module.ViewBoxMenu):
        def __init__(self, view):
            made.append(view)
            super().__init__(view)

    monkeypatch.setattr(viewbox_module, "ViewBoxMenu", CountedMenu)
    scatter, graph = ScatterView(), NetworkGraphView()
    for widget in (scatter, graph):
        qtbot.addWidget(widget)
    assert scatter.plot.getViewBox() not in made and graph.view not in made     # (a colour bar makes its own)
    assert not scatter.plot.getViewBox().menuEnabled() and not graph.view.menuEnabled()
