"""The Export menu: weights (the trainer's .npz, optionally a checkpoint), the per-epoch history as CSV, every plot,
and the other model formats of `core.export` (ONNX, JSON, safetensors, PyTorch and Keras scripts)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import LayerLabError
from core.export import DESCRIPTIONS, FORMATS, SUFFIXES, export_model
from core.fileio import FileWriteError
from core.history_csv import write_history_csv
from core.model_files import load_model
from core.model_io import save_model
from gui.dashboard import Dashboard

from .context import ProjectContext
from .files import start_folder


def export_formats() -> list[str]:
    return list(FORMATS)


def format_filter(fmt: str) -> str:
    """A file-dialog filter for `fmt`, from core.export's own description and suffix."""
    return f"{DESCRIPTIONS[fmt].split(' (')[0]} (*{SUFFIXES[fmt]})"


class Exporter:
    def __init__(self, context: ProjectContext, dashboard: Dashboard):
        """`dashboard`: whose plots Export > Plots writes."""
        self.context = context
        self.dashboard = dashboard

    def _ask(self, title: str, name: str, pattern: str) -> Path | None:
        folder = start_folder(self.context.document)
        path, _ = QFileDialog.getSaveFileName(self.context.parent, title, str(Path(folder) / name), pattern)
        return Path(path) if path else None

    def _stem(self) -> str:
        document = self.context.document
        return document.path.stem if document.path is not None else document.project.name.lower()

    def _ready(self) -> bool:
        self.context.stop_training()       # exports read the weights: no run may be writing them
        session = self.context.session
        if session.network is None or session.prepared is None:
            QMessageBox.warning(self.context.parent, "Nothing to export", "There is no network yet: the data must load "
                                "and the layers must build first.")
            return False
        return True

    def _failed(self, exc: Exception) -> None:
        QMessageBox.critical(self.context.parent, "Export failed", str(exc))

    def weights(self, checkpoint: bool = False) -> Path | None:
        if not self._ready():
            return None
        what = "checkpoint" if checkpoint else "weights"
        path = self._ask(f"Export {what}", f"{self._stem()}.{what}.npz", "LayerLab weights (*.npz)")
        if path is None:
            return None
        s = self.context.session
        try:
            save_model(path, self.context.document.project, s.prepared, s.network, s.trainer, checkpoint=checkpoint)
        except (LayerLabError, FileWriteError, OSError) as exc:
            self._failed(exc)
            return None
        self.context.show_message(f"{what.capitalize()} written to {path}", 5000)
        return path

    def history(self) -> Path | None:
        self.context.stop_training()
        trainer = self.context.session.trainer
        if trainer is None or not trainer.history:
            QMessageBox.warning(self.context.parent, "Nothing to export", "Train for at least one epoch first.")
            return None
        path = self._ask("Export training history", f"{self._stem()}.history.csv", "CSV files (*.csv)")
        if path is None:
            return None
        try:
            write_history_csv(path, trainer.history)
        except (LayerLabError, FileWriteError, OSError) as exc:
            self._failed(exc)
            return None
        self.context.show_message(f"History written to {path}", 5000)
        return path

    def plots(self) -> list[str]:
        folder = QFileDialog.getExistingDirectory(self.context.parent, "Export every plot into a folder",
                                                  start_folder(self.context.document))
        if not folder:
            return []
        try:
            paths = self.dashboard.save_all(folder, "png")
        except OSError as exc:
            self._failed(exc)
            return []
        self.context.show_message(f"{len(paths)} plots written to {folder}", 5000)
        return paths

    def model(self) -> Path | None:
        """Another format via core.export: the weights go through a temporary .npz, exactly as the CLI does."""
        formats = export_formats()
        if not formats or not self._ready():
            return None
        filters = [format_filter(fmt) for fmt in formats]
        folder = start_folder(self.context.document)
        path, chosen = QFileDialog.getSaveFileName(self.context.parent, "Export model as",
                                                   str(Path(folder) / self._stem()), ";;".join(filters))
        if not path:
            return None
        fmt = formats[filters.index(chosen)] if chosen in filters else formats[0]
        suffix = SUFFIXES[fmt]
        path = Path(path)
        if suffix and not path.suffix:
            path = path.with_suffix(suffix)
        s = self.context.session
        try:
            with tempfile.TemporaryDirectory() as tmp:
                weights = Path(tmp) / "model.weights.npz"
                save_model(weights, self.context.document.project, s.prepared, s.network, s.trainer)
                written = export_model(load_model(weights), fmt, path)
        except (LayerLabError, FileWriteError, OSError) as exc:
            self._failed(exc)
            return None
        names = ", ".join(Path(p).name for p in (written or [path]))
        self.context.show_message(f"Exported as {fmt}: {names}", 6000)
        return path
