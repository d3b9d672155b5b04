"""The live objects behind the open project: its prepared data, the network and the trainer.

What an edit rebuilds follows from how the project changed: new data reloads (off the GUI thread) and then
rebuilds; new layers or a new dtype rebuild the network and trainer (fresh weights from the seed); other training
settings only reconfigure the trainer, which keeps its weights and history. Only the GUI thread calls this, and
never while a run is in progress (the window locks editing for the duration of a run).
"""
from __future__ import annotations

import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core.errors import LayerLabError
from core.model_files import load_model
from core.model_io import build_network
from core.network_views import LiveViewsCollector, NetworkViewsRequest
from core.project import Project
from core.trainer import Trainer
from gui.data.loader import DataLoader
from gui.runtime.gc_guard import GcGuard

from .paths import resolved_data


class Session(QObject):
    dataLoading = Signal()
    dataLoaded = Signal(object)          # PreparedData
    dataFailed = Signal(str)
    networkRebuilt = Signal()            # a new network and trainer (or a build error): dashboards start over
    weightsReset = Signal(str)           # same network, new starting weights (re-initialised or imported): the
                                         # training state starts over; the message says what happened
    reconfigured = Signal()              # same weights, new training settings
    weightsRestored = Signal(str)        # weights (and maybe history) read from a file; the message says what

    def __init__(self, parent: QObject | None = None, gc_guard: GcGuard | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.prepared = None
        self.network = None
        self.trainer: Trainer | None = None
        self.collector: LiveViewsCollector | None = None
        self.views_request = NetworkViewsRequest()      # what the dashboard's network views show now
        self.data_error: str | None = None
        self.build_error: str | None = None
        self.loader = DataLoader(self, gc_guard)
        self.loader.loaded.connect(self._data_loaded)
        self.loader.failed.connect(self._data_failed)
        self._weights_to_restore: Path | None = None

    # --- following the project ----------------------------------------------------------------------------------
    def apply(self, old: Project | None, new: Project) -> None:
        self.project = new
        if old is None or resolved_data(old) != resolved_data(new):
            self._load()
        elif old.layers != new.layers or old.training.dtype != new.training.dtype:
            self.rebuild()
        elif old.training != new.training:
            self._reconfigure()

    def restore_weights_after_load(self, path: Path | None) -> None:
        """Once the data is in, load these weights if they fit the network (reopening a saved project)."""
        self._weights_to_restore = path

    def _load(self) -> None:
        self.prepared = None
        self.network = self.trainer = self.collector = None     # they belong to the old data
        self.data_error = self.build_error = None
        self.dataLoading.emit()
        self.loader.load(self.project)

    @Slot(object, object)
    def _data_loaded(self, project: Project, prepared) -> None:
        if self.project is None or resolved_data(project) != resolved_data(self.project):
            return
        self.prepared = prepared
        self.data_error = None
        self.dataLoaded.emit(prepared)         # a listener may change the layers now (the output follows the task)
        if self.network is None and self.build_error is None:      # ... and so rebuild already
            self.rebuild()

    @Slot(object, str)
    def _data_failed(self, project: Project, message: str) -> None:
        if self.project is None or resolved_data(project) != resolved_data(self.project):
            return
        self.data_error = message
        self.prepared = None
        self.network = self.trainer = self.collector = None
        self.build_error = None
        self.dataFailed.emit(message)
        self.networkRebuilt.emit()

    # --- network and trainer ------------------------------------------------------------------------------------
    @property
    def input_width(self) -> int | None:
        return None if self.prepared is None else int(self.prepared.input_width)

    def rebuild(self) -> None:
        """A fresh network and trainer for the current layers and data (weights initialised from the seed)."""
        self.network = self.trainer = self.collector = None
        self.build_error = None
        if self.prepared is None:
            return
        project = self.project
        try:
            self.network = build_network(project, self.prepared.input_width)
            self.trainer = Trainer(self.network, self.prepared, project.training)
            self.collector = LiveViewsCollector(self.network, self.prepared, self.views_request)
        except LayerLabError as exc:
            self.build_error = str(exc)
            self.trainer = self.collector = None
        except Exception as exc:  # a bug; say so rather than leave a half-built session
            traceback.print_exc()
            self.build_error = f"{type(exc).__name__}: {exc}"
            self.trainer = self.collector = None
        self.networkRebuilt.emit()
        if self._weights_to_restore is not None and self.trainer is not None:
            path, self._weights_to_restore = self._weights_to_restore, None
            self._restore(path)

    def can_train(self, problems: list) -> tuple[bool, str]:
        """Whether a run can start, and if not why (for Train's tooltip): `problems` are the network's (core.checks)."""
        if self.prepared is None:
            return False, self.data_error or "the data is still loading"
        errors = [p for p in problems if p.level == "error"]
        if errors:
            return False, f"fix first: {errors[0].message}"
        if self.trainer is None:
            return False, self.build_error or "the network could not be built"
        if self.trainer.diverged is not None:
            return False, "training diverged: reset the weights (Ctrl+R) first"
        return True, ""

    def _reconfigure(self) -> None:
        if self.trainer is None:
            self.rebuild()
            return
        try:
            self.trainer.reconfigure(self.project.training)
        except LayerLabError as exc:
            self.build_error = str(exc)
            self.trainer = None
            self.networkRebuilt.emit()
            return
        self.build_error = None
        self.reconfigured.emit()

    def reset_weights(self) -> bool:
        """Re-initialise with the configured seed: the same seed gives the same starting weights. Refused (False,
        nothing changes) while a run is in progress: its thread is using the weights."""
        if self.trainer is None or self.trainer.running:
            return False
        self.trainer.reset()
        self.collector = LiveViewsCollector(self.network, self.prepared, self.views_request)
        self.weightsReset.emit("Weights re-initialised from the seed")
        return True

    def import_weights(self, arrays: dict[str, np.ndarray], source: str | Path) -> bool:
        """Start over from `arrays` (LayerLab's names, as core.model_files.foreign.init_arrays gives them), as
        `layerlab train --init-weights` does: the weights are replaced and the training state (optimizer, epoch,
        history) starts fresh. WeightsError, nothing changed, when an array does not fit the network; refused
        (False, nothing changes) while a run is in progress."""
        if self.trainer is None or self.trainer.running:
            return False
        self.network.load_state_dict(arrays, str(source))       # checks every array before it copies any
        self.trainer.reset(initialize=False)
        self.collector = LiveViewsCollector(self.network, self.prepared, self.views_request)
        self.weightsReset.emit(f"Weights imported from {Path(source).name} ({len(arrays)} arrays)")
        return True

    def initial_views(self):
        """Evaluation views of the network as it is now (between runs only: no other thread touches it)."""
        if self.collector is None:
            return None
        try:
            return self.collector.collect(self.trainer.epoch, self.trainer.step)
        except Exception:
            traceback.print_exc()
            return None

    def _restore(self, path: Path) -> None:
        if not path.exists():
            return
        try:
            loaded = load_model(path)
            if list(loaded.project.layers) != list(self.project.layers) or \
                    resolved_data(loaded.project) != resolved_data(self.project) or \
                    loaded.network.input_width != self.network.input_width:
                self.weightsRestored.emit(f"{path.name} was saved for a different network or data; starting fresh")
                return
            self.network.load_state_dict(loaded.file.arrays, str(path))
            message = f"weights restored from {path.name}"
            wf = loaded.file
            if wf.is_checkpoint:
                try:   # the optimizer's state only fits the same optimizer: otherwise keep just the weights
                    self.trainer.load_checkpoint(wf.meta["checkpoint"], wf.optimizer, wf.checkpoint_arrays)
                    message += f" (epoch {self.trainer.epoch})"
                except Exception as exc:
                    message += f"; training state not restored ({exc})"
        except LayerLabError as exc:
            self.weightsRestored.emit(f"could not restore weights: {exc}")
            return
        self.weightsRestored.emit(message)
