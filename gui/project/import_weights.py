"""File > Import weights…: start the open project's network from weights in a file, as `layerlab train
--init-weights` does: a LayerLab model file (weights, checkpoint, JSON or safetensors export), or a foreign .npz /
.safetensors matched to the network by name and shape, a PyTorch `state_dict` included (core/model_files/foreign.py,
docs/export.md "Starting from foreign weights").

The file is read and matched on a pool thread, as the data is (a JSON export of a large network or another, larger
network's file takes seconds to read and check); the arrays then go into the network on the GUI thread, between
runs, and only if every one of them fits: a file that does not fit changes nothing and says why in one line.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import LayerLabError
from core.model_files.foreign import init_arrays
from gui.runtime.gc_guard import GcGuard
from gui.runtime.latest_job import LatestJob

from .context import ProjectContext
from .files import start_folder

IMPORT_FILTER = ("LayerLab model files (*.npz *.json *.safetensors);;NumPy arrays (*.npz);;"
                 "safetensors (*.safetensors);;All files (*)")
LOCKED_MESSAGE = "Training is in progress: stop it (Ctrl+.) before importing weights"
TITLE = "Cannot import weights"


class WeightsImporter(QObject):
    imported = Signal(str)      # the file whose weights are now the network's
    failed = Signal(str)        # the one-line reason shown (nothing changed)

    def __init__(self, context: ProjectContext, gc_guard: GcGuard | None = None):
        super().__init__(context.parent)
        self.context = context
        self.job = LatestJob(self, gc_guard)
        self.job.done.connect(self._read)
        self.job.failed.connect(self._fail)
        self.folder: str | None = None            # where the last imported file was: the dialog opens there next
        self._reading: tuple[Path, object] | None = None     # (file, the network it is matched to) while it is read

    @property
    def busy(self) -> bool:
        """A file is being read."""
        return self.job.busy

    def ask(self) -> bool:
        """The file dialog, then `import_file`. False when refused or cancelled."""
        if self._refused():
            return False
        if self.context.session.network is None:
            QMessageBox.warning(self.context.parent, "No network yet", "There is no network to import weights into: "
                                "the data must load and the layers must build first.")
            return False
        folder = self.folder or start_folder(self.context.document)
        path, _ = QFileDialog.getOpenFileName(self.context.parent, "Import weights", folder, IMPORT_FILTER)
        if not path:
            return False
        self.folder = str(Path(path).parent)
        return self.import_file(path)

    def import_file(self, path: str | Path) -> bool:
        """Read `path` for the network as it is now, off the GUI thread; the weights change when it has been read
        and fits (`imported`), else a dialog says why (`failed`). False when refused now (a run in progress)."""
        if self._refused():
            return False
        network = self.context.session.network
        if network is None:
            return False
        path = Path(path)
        self._reading = (path, network)
        self.context.show_message(f"Reading weights from {path.name}…", 0)
        self.job.submit(lambda: init_arrays(path, network))
        return True

    def close(self) -> None:
        """The window closes: forget the file being read and wait for its thread."""
        self.job.cancel()
        self._reading = None
        self.job.wait()

    # --- on the GUI thread, once the file is read ---------------------------------------------------------------
    def _read(self, arrays: dict) -> None:
        if self._reading is None:
            return
        (path, network), self._reading = self._reading, None
        session = self.context.session
        if self.context.document.locked:
            self._fail(f"{path}: training started while the file was read; nothing was imported")
            return
        if session.network is not network:
            self._fail(f"{path}: the network changed while the file was read; import it again")
            return
        try:
            done = session.import_weights(arrays, path)
        except LayerLabError as exc:
            self._fail(str(exc))
            return
        if not done:
            self._fail(f"{path}: a run is in progress; nothing was imported")
            return
        self.context.document.mark_weights_modified(imported=True)
        self.imported.emit(str(path))

    def _fail(self, message: str) -> None:
        self._reading = None
        self.context.show_message("", 0)
        QMessageBox.critical(self.context.parent, TITLE, message)
        self.failed.emit(message)

    def _refused(self) -> bool:
        """True (with a status-bar message) while a run is in progress: the menu entry is disabled then; this
        catches scripts and shortcuts."""
        if not self.context.document.locked:
            return False
        self.context.show_message(LOCKED_MESSAGE, 6000)
        return True
