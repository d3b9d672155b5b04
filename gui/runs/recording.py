"""Recording the app's runs in the run store, off the GUI thread.

For each start of training the window asks `listener_for(trainer, project, prepared)` and hands the result to the
training controller, which calls it with every event on the training thread (gui/training/pipeline.py). There a
`core.runs.RunRecorder` writes the run (its own connection, opened on the training thread), and at the run's end
the weights and training state are written beside the store (`<store>-weights/run-<id>.npz`) so the run can be
opened, continued or exported later. A run paused by Step continues as the same run when the same trainer goes
on with the same project. A store that cannot be used is one `warning` (emitted from the training thread, received
on the GUI thread); training goes on unrecorded.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.events import Diverged, Finished
from core.runs import RunRecorder, store_path


def weights_folder(store: Path) -> Path:
    """Where the app keeps its runs' weights: `runs.sqlite` -> `runs-weights/` beside it."""
    return store.with_name(f"{store.stem}-weights")


class RunRecording(QObject):
    warning = Signal(str)        # recording failed (emitted on the training thread; connect on the GUI thread)

    def __init__(self, preference: Callable[[], str], parent: QObject | None = None):
        """`preference()` is the store file the user chose ('' for the default)."""
        super().__init__(parent)
        self._preference = preference
        self.enabled = True
        self.recorder: RunRecorder | None = None
        self._trainer: Any = None

    @property
    def store_path(self) -> Path:
        return store_path(self._preference() or None)

    @property
    def run_id(self) -> int | None:
        """The run being (or last) recorded."""
        return None if self.recorder is None or not self.recorder.active else self.recorder.run_id

    def listener_for(self, trainer, project, prepared) -> Callable[[Any], None] | None:
        """What the training thread calls with every event of the run about to start (None: not recording)."""
        if not self.enabled:
            return None
        text = _project_text(project)
        recorder = self.recorder
        same = (recorder is not None and self._trainer is trainer and recorder.project_text == text and
                recorder.status == "paused" and recorder.store is not None and recorder.store.path == self.store_path)
        if not same:
            self.close()
            recorder = self.recorder = RunRecorder(str(self.store_path), text, on_warning=self.warning.emit)
            self._trainer = trainer
        folder = weights_folder(self.store_path)

        def listen(event: Any) -> None:
            was_running = recorder.status == "running"
            recorder(event)
            # Once per run: the worker hands the run's end to its listener again after fit() has returned it.
            ended = was_running and recorder.status != "running"
            if ended and isinstance(event, (Finished, Diverged)) and recorder.active and recorder.run_id is not None:
                _write_weights(recorder, folder, project, prepared, trainer)
        return listen

    def close(self) -> None:
        """Close the store the recorder opened (between runs, on the GUI thread)."""
        if self.recorder is not None:
            self.recorder.close()
        self.recorder = self._trainer = None


def _project_text(project) -> str:
    import json

    return json.dumps(project.to_dict())


def _write_weights(recorder: RunRecorder, folder: Path, project, prepared, trainer) -> None:
    """The run's weights and training state, on the training thread; a failure is the recorder's one warning."""
    from core.errors import LayerLabError
    from core.fileio import FileWriteError
    from core.model_io import save_model

    if not np.all(np.isfinite(trainer.network.params)):
        return                       # a diverged network: nothing worth opening
    path = folder / f"run-{recorder.run_id}.npz"
    try:
        folder.mkdir(exist_ok=True)
        save_model(path, project, prepared, trainer.network, trainer, checkpoint=True)
    except (LayerLabError, FileWriteError, OSError) as exc:
        recorder.on_warning(f"the weights of run {recorder.run_id} were not kept: {exc}")
        return
    recorder.set_weights_path(os.fspath(path))
