"""The data panel: pick or import a dataset, set its parameters, and see what was loaded.

The panel edits the project's `data` section and nothing else: every edit is validated by
`core.data.validate_data_spec` and, when valid and different, announced once through `specChanged`; the main window
loads the data off the GUI thread and hands the result back through `show_prepared` / `show_error`. The widgets
themselves are built in gui/data/panel_layout.py; this module is what they do.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QWidget

from core.data import CROSSES, build_crosses, builtin_datasets, output_advice, summarize, validate_data_spec
from core.errors import LayerLabError, SpecError

from .catalog import EXTRA_LABELS, file_description, file_key, file_text
from .draw_mode import DrawMode
from .files import ask_csv_file, ask_idx, ask_npz, resolve_path
from .import_dialog import CsvImportDialog
from .panel_layout import INVALID, TOGGLES_INVALID, TOGGLES_QSS, DataPanelLayout
from .summary_job import SummaryJob

DEBOUNCE_MS = 300
SYNC_SUMMARY_CELLS = 2_000_000     # bigger data get their summary computed on a worker thread
FIELD_OF = {"samples": "samples", "noise": "noise", "classes": "extra", "arms": "extra", "cells": "extra",
            "seed": "seed", "split": "split", "features": "features", "scaling": "scaling"}


class DataPanel(DataPanelLayout):
    """Dataset picker, parameters, import and preview. See the module docstring for the protocol."""

    specChanged = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__({info.name: info for info in builtin_datasets()}, parent)   # builds the widgets
        self._spec = validate_data_spec({"source": "builtin", "name": "spiral"})
        self._last_file_spec: dict | None = None
        self._base_dir: Path | None = None
        self._raw_width: int | None = None       # raw columns of the loaded file (feature crosses need <= 2)
        self._raw_names: tuple[str, ...] = ()
        self._shown: dict[str, tuple[float, Any]] = {}
        self._syncing = False
        self._summary_generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._summary_signals = SummaryJob.Signals(self)
        self._summary_signals.done.connect(self._on_summary)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._commit_widgets)
        self.draw = DrawMode(self.preview.scatter, self.spec, self)   # its edits come as draw.edited(spec, text)
        self._connect()
        self._sync_widgets()

    def _connect(self) -> None:
        """Steps of a number field are debounced into one edit; finished edits and choices commit at once."""
        self.combo.activated.connect(self._on_combo)
        self.options_button.clicked.connect(self._reopen_csv)
        for button in self.toggles.values():
            button.toggled.connect(self._commit_widgets)
        for box in (self.samples, self.noise, self.extra, self.seed, self.val, self.test):
            box.valueChanged.connect(self._value_changed)
            box.editingFinished.connect(self._commit_widgets)
        self.scaling.currentIndexChanged.connect(self._commit_widgets)

    # --- the public interface -----------------------------------------------------------------------------------
    def set_spec(self, spec: dict, base_dir: str | os.PathLike | None) -> None:
        """Show a project's data section (e.g. after opening a project, or undo); emits nothing."""
        self._debounce.stop()
        new_base = Path(base_dir) if base_dir is not None else None
        if new_base != self._base_dir:
            self._last_file_spec = None          # another project's file, relative to another folder
        self._base_dir = new_base
        try:
            normalized = validate_data_spec(copy.deepcopy(spec))
        except SpecError as exc:
            self._show_spec_error(str(exc))
            return
        if file_key(normalized) != file_key(self._spec):
            self._raw_width = None
        self._spec = normalized
        if normalized["source"] != "builtin":
            self._last_file_spec = copy.deepcopy(normalized)
        self._sync_widgets()

    def spec(self) -> dict:
        """The current (last valid) data section; a field showing an error is not part of it."""
        return copy.deepcopy(self._spec)

    def show_prepared(self, prepared: Any) -> None:
        """Preview and summary of loaded, prepared data (core.data.PreparedData)."""
        dataset = prepared.dataset
        self._summary_generation += 1
        summary = summarize(dataset) if dataset.X.size <= SYNC_SUMMARY_CELLS else None
        if summary is None:
            self._pool.start(SummaryJob(self._summary_generation, dataset, self._summary_signals))
        self.header.show_prepared(prepared, output_advice(prepared.task, prepared.n_outputs))
        self.header.show()
        if summary is not None:
            self.header.show_summary(summary)
        self.preview.show_prepared(prepared, summary)
        self.draw.show_data(prepared)
        self.progress.hide()
        self.data_error.hide()
        self.preview.set_dimmed(False)
        if self._spec["source"] != "builtin" and self._raw_width != dataset.input_width:
            self._raw_width, self._raw_names = dataset.input_width, dataset.feature_names
            self._sync_widgets()

    def show_error(self, message: str) -> None:
        """A loading problem, inline; the old preview stays, greyed out, until the input is fixed."""
        self.progress.hide()
        self.data_error.setText(message)
        self.data_error.show()
        self.preview.set_dimmed(True)

    def show_loading(self, fraction: float | None) -> None:
        """A progress bar while data loads: `fraction` in [0, 1], or None when the progress is unknown (a busy
        bar); the facts about the previous data hide meanwhile. show_prepared or show_error ends it."""
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(round(min(max(fraction, 0.0), 1.0) * 1000)))
        self.progress.show()
        self.data_error.hide()
        self.header.hide()                   # it describes the data being replaced: back with the new data
        self.preview.set_dimmed(True)

    def set_editable(self, editable: bool) -> None:
        """Off while training runs: the data a run trains on must not change under it."""
        if not editable and self._debounce.isActive():
            self._commit_widgets()
        for widget in (self.combo, self.samples, self.noise, self.extra, self.seed, self.val, self.test,
                       self.scaling, self.features, self.options_button):
            widget.setEnabled(editable)
        self.draw.set_editable(editable)

    # --- widgets <-> spec ---------------------------------------------------------------------------------------
    def _info(self):
        return self._infos.get(self._spec.get("name")) if self._spec["source"] == "builtin" else None

    def _feature_tokens(self) -> list[str]:
        """The toggles that apply: all seven for 2-D data, the x1 ones for 1-D data, none otherwise."""
        info = self._info()
        width = (2 if info.two_d else info.n_features) if info is not None else self._raw_width
        if width not in (1, 2):
            return []
        return [t for t, (_, inputs) in CROSSES.items() if max(inputs) < width]

    def _sync_widgets(self) -> None:
        """Show self._spec in every widget (no signals), and only the rows that apply to it."""
        self._syncing = True
        spec, info = self._spec, self._info()
        source = spec["source"]
        self._clear_invalid()
        self._select_combo_item()
        rows = {"File": source != "builtin", "Samples": False, "Noise": False, "Extra": False}
        self._shown = {}
        if info is not None:
            self.description.setText(info.description)
            for p in info.params:
                key = "Extra" if p.name not in ("samples", "noise") else p.name.capitalize()
                box = self.extra if key == "Extra" else getattr(self, p.name)
                rows[key] = True
                box.set_soft_range(p.minimum, p.maximum)
                box.setToolTip(f"{p.description} ({p.minimum}\u2013{p.maximum:,})")
                self._show_value(p.name, box, spec[p.name])
                if key == "Extra":
                    self.extra_label.setText(EXTRA_LABELS.get(p.name, p.name.capitalize()))
        else:
            self.description.setText(file_description(spec))
            self.file_label.set_full_text(file_text(spec), "\n".join(str(spec[k]) for k in ("path", "images", "labels")
                                                                 if k in spec))
            self.options_button.setVisible(source == "csv")
        for row, key in enumerate(("File", "Samples", "Noise", "Extra")):   # the form's first four rows
            self.form.setRowVisible(row, rows[key])
        self._show_value("seed", self.seed, spec["seed"])
        self._show_value("val", self.val, spec["split"]["val"], 100)
        self._show_value("test", self.test, spec["split"]["test"], 100)
        self.scaling.setCurrentIndex(max(0, self.scaling.findData(spec["scaling"])))
        tokens = self._feature_tokens()
        checked = spec["features"] if spec["features"] is not None else [t for t in tokens if CROSSES[t][0] ==
                                                                          "identity"]
        names = self._raw_names if info is None and self._raw_names else ("x1", "x2")
        for token, button in self.toggles.items():
            button.setVisible(token in tokens)
            button.setChecked(token in checked)
            if token in tokens:               # a two-column file shows its own names: "u*v" rather than "x1*x2"
                label = build_crosses([token], names)[0]["name"]
                button.setText(label if len(label) <= 8 else token)
                button.setToolTip(f"Feed {label} to the network")
        self.features.setVisible(bool(tokens))
        self._features_title.setVisible(bool(tokens))
        self._syncing = False

    def _show_value(self, key: str, box: QSpinBox | QDoubleSpinBox, value: Any, factor: float = 1) -> None:
        box.setValue(value * factor)
        self._shown[key] = (box.value(), value)

    def _read(self, key: str, box: QSpinBox | QDoubleSpinBox, factor: float = 1) -> Any:
        """The spec value of a field: the exact value from the spec while the field still shows it (so 1/3 or a
        64-bit seed survive a round trip through the widget), else what the user entered."""
        shown = self._shown.get(key)
        if shown is not None and shown[0] == box.value():
            return shown[1]
        value = box.value() / factor
        return int(value) if isinstance(box, QSpinBox) else round(value, 6)

    def _select_combo_item(self) -> None:
        if self._spec["source"] == "builtin":
            wanted = ("builtin", self._spec["name"])
        else:
            wanted = ("file", None)
        file_spec = self._last_file_spec
        self._file_item.setText(file_text(file_spec) if file_spec else "")
        self._file_item.setEnabled(file_spec is not None)
        row = self.combo.view()
        if hasattr(row, "setRowHidden"):
            row.setRowHidden(self._file_item.row(), file_spec is None)
        for i in range(self.combo.count()):
            if self.combo.itemData(i, Qt.ItemDataRole.UserRole) == wanted:
                self.combo.setCurrentIndex(i)
                return

    def _spec_from_widgets(self) -> dict:
        spec: dict[str, Any]
        info = self._info()
        if info is not None:
            spec = {"source": "builtin", "name": info.name}
            for p in info.params:
                box = self.extra if p.name not in ("samples", "noise") else getattr(self, p.name)
                spec[p.name] = self._read(p.name, box)
        else:
            spec = {k: copy.deepcopy(v) for k, v in self._spec.items()
                    if k not in ("seed", "split", "scaling", "features")}
        spec["seed"] = self._read("seed", self.seed)
        spec["split"] = {"val": self._read("val", self.val, 100), "test": self._read("test", self.test, 100)}
        spec["scaling"] = self.scaling.currentData()
        tokens = self._feature_tokens()
        if tokens:
            chosen = [t for t in tokens if self.toggles[t].isChecked()]
            untouched = self._spec["features"] is None and chosen == [t for t in tokens if CROSSES[t][0] == "identity"]
            spec["features"] = None if untouched else chosen
        else:
            spec["features"] = self._spec["features"]
        return spec

    # --- edits ---------------------------------------------------------------------------------------------------
    def _value_changed(self, *_args: Any) -> None:
        """Arrow keys and wheel steps arrive one by one: wait for a pause before announcing the edit."""
        if not self._syncing:
            self._debounce.start()

    def _commit_widgets(self, *_args: Any) -> None:
        """Validate what the widgets show; emit it if it is valid and new."""
        self._debounce.stop()
        if self._syncing:
            return
        self._commit(self._spec_from_widgets(), resync=False)

    def _commit(self, candidate: dict, resync: bool = True) -> bool:
        try:
            spec = validate_data_spec(candidate)
        except LayerLabError as exc:
            self._show_spec_error(str(exc))
            return False
        self._clear_invalid()
        if spec == self._spec:
            if resync:
                self._sync_widgets()
            return True
        if file_key(spec) != file_key(self._spec):
            self._raw_width = None
        self._spec = spec
        if spec["source"] != "builtin":
            self._last_file_spec = copy.deepcopy(spec)
        if resync:
            self._sync_widgets()
        else:
            self._refresh_shown()
        self.specChanged.emit(copy.deepcopy(spec))
        return True

    def _refresh_shown(self) -> None:
        """After a committed edit the widgets already show the spec: remember their values as 'unchanged'."""
        info = self._info()
        for p in info.params if info is not None else ():
            box = self.extra if p.name not in ("samples", "noise") else getattr(self, p.name)
            self._shown[p.name] = (box.value(), self._spec[p.name])
        self._shown["seed"] = (self.seed.value(), self._spec["seed"])
        self._shown["val"] = (self.val.value(), self._spec["split"]["val"])
        self._shown["test"] = (self.test.value(), self._spec["split"]["test"])

    def _show_spec_error(self, message: str) -> None:
        self._clear_invalid()
        match = re.match(r"data\.(\w+)", message)
        field = FIELD_OF.get(match.group(1)) if match else None
        widgets = {"samples": [self.samples], "noise": [self.noise], "extra": [self.extra], "seed": [self.seed],
                   "split": [self.val, self.test], "features": [self.features], "scaling": [self.scaling]}
        if match and match.group(1) == "split":
            sub = re.match(r"data\.split\.(val|test)", message)
            widgets["split"] = [self.val] if sub and sub.group(1) == "val" else \
                [self.test] if sub else [self.val, self.test]
        for widget in widgets.get(field, []):
            widget.setProperty("invalid", True)
            widget.setStyleSheet(INVALID if widget is not self.features else TOGGLES_QSS + TOGGLES_INVALID)
        self.spec_error.setText(message)
        self.spec_error.show()

    def _clear_invalid(self) -> None:
        for widget in (self.samples, self.noise, self.extra, self.seed, self.val, self.test, self.scaling):
            widget.setProperty("invalid", False)
            widget.setStyleSheet("")
        self.features.setStyleSheet(TOGGLES_QSS)
        self.spec_error.hide()

    def _on_combo(self, index: int) -> None:
        kind, value = self.combo.itemData(index, Qt.ItemDataRole.UserRole) or (None, None)
        current = self._spec
        if kind == "builtin":
            info = self._infos[value]
            candidate: dict[str, Any] = {"source": "builtin", "name": value, "seed": current["seed"],
                                         "split": current["split"]}
            old = self._info()
            if info.two_d and old is not None and old.two_d and current["features"] is not None:
                candidate["features"] = current["features"]
            self._commit(candidate)
        elif kind == "file" and self._last_file_spec is not None:
            self._commit(copy.deepcopy(self._last_file_spec))
        elif kind == "import":
            self._select_combo_item()        # the picker keeps showing the current data until an import succeeds
            {"csv": self.import_csv, "npz": self.import_npz, "idx": self.import_idx}[value]()
        else:
            self._select_combo_item()

    # --- imports -------------------------------------------------------------------------------------------------
    def _start_dir(self) -> str:
        return str(self._base_dir) if self._base_dir is not None else ""

    def _file_spec(self, keys: dict) -> dict:
        """A file source keeps the user's seed and split; scaling defaults to standard for files."""
        keep = self._spec
        spec = dict(keys)
        spec["seed"] = keep["seed"]
        spec["split"] = keep["split"]
        spec["scaling"] = keep["scaling"] if keep["source"] != "builtin" else "standard"
        if file_key(spec) == file_key(keep):   # new options for the same file keep its feature crosses
            spec["features"] = keep["features"]
        return spec

    def import_csv(self) -> None:
        """Ask for a CSV/TSV file, then show the import dialog (non-modal to the event loop: tests drive it)."""
        path = ask_csv_file(self, self._start_dir())
        if path is not None:
            self._open_csv_dialog(path, None)

    def import_npz(self) -> None:
        keys = ask_npz(self, self._start_dir(), self._base_dir)
        if keys is not None:
            self._commit(self._file_spec(keys))

    def import_idx(self) -> None:
        keys = ask_idx(self, self._start_dir(), self._base_dir)
        if keys is not None:
            self._commit(self._file_spec(keys))

    def _reopen_csv(self) -> None:
        if self._spec["source"] == "csv":
            self._open_csv_dialog(resolve_path(self._spec["path"], self._base_dir), self._spec)

    def _open_csv_dialog(self, path: Path, initial: dict | None) -> None:
        dialog = CsvImportDialog(path, self._base_dir, initial, self)
        if dialog.layout_info is None:       # not even readable as text: say why, here, in one line
            self.show_spec_message(dialog.status.text().lstrip("\u2717 "))
            dialog.deleteLater()
            return
        dialog.accepted.connect(lambda: self._csv_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _csv_accepted(self, dialog: CsvImportDialog) -> None:
        keys = dialog.data_spec()
        if keys is not None:
            self._commit(self._file_spec(keys))

    def show_spec_message(self, message: str) -> None:
        """An inline problem with the user's input that is not one field's (e.g. an unreadable file)."""
        self._clear_invalid()
        self.spec_error.setText(message)
        self.spec_error.show()

    def _on_summary(self, generation: int, summary: Any) -> None:
        if generation == self._summary_generation:
            self.header.show_summary(summary)
            self.preview.show_summary(summary)
