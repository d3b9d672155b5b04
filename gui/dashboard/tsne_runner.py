"""Runs core/tsne_job.py in a child process for the projection view: progress from its output, cancel by ending it.

A child process rather than a thread: scikit-learn's TSNE holds the interpreter lock for much of its work (the
window and the training thread would stutter) and cannot be interrupted. Features go to the child through an .npy
file in a private temporary folder and the embedding comes back the same way (read without unpickling).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

import core
from core.tsne_job import MAX_ITER, progress_of

ROOT = Path(core.__file__).resolve().parents[1]


class TsneRunner(QObject):
    progress = Signal(float)       # 0..1 (iterations done)
    finished = Signal(object)      # (n, 2) float64 embedding
    failed = Signal(str)           # one line

    def __init__(self, parent: QObject | None = None, max_iter: int = MAX_ITER):
        super().__init__(parent)
        self.max_iter = max_iter
        self.process: QProcess | None = None
        self._folder: tempfile.TemporaryDirectory | None = None
        self._buffer = ""
        self._errors = ""

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self, features: np.ndarray, seed: int = 0) -> None:
        """Embed `features` (n, width); any job still running is cancelled first."""
        self.cancel()
        self._folder = tempfile.TemporaryDirectory(prefix="layerlab-tsne-")
        folder = Path(self._folder.name)
        np.save(folder / "features.npy", np.asarray(features, dtype=np.float64))
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), environment.value("PYTHONPATH")])))
        environment.insert("OMP_NUM_THREADS", "1")      # one core: the training thread keeps the other
        process.setProcessEnvironment(environment)
        process.setWorkingDirectory(str(ROOT))
        process.readyReadStandardOutput.connect(self._read)
        process.readyReadStandardError.connect(self._read_errors)
        process.finished.connect(self._finished)
        self.process, self._buffer, self._errors = process, "", ""
        process.start(sys.executable, ["-m", "core.tsne_job", str(folder / "features.npy"), str(folder / "out.npy"),
                                       "--seed", str(seed), "--max-iter", str(self.max_iter)])
        self.progress.emit(0.0)

    def cancel(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.finished.disconnect(self._finished)
            process.kill()
            process.waitForFinished(2000)
            process.deleteLater()
        self._cleanup()

    def _read(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            fraction = progress_of(line, self.max_iter)
            if fraction is not None:
                self.progress.emit(fraction)

    def _read_errors(self) -> None:
        if self.process is not None:
            self._errors += bytes(self.process.readAllStandardError()).decode("utf-8", "replace")

    def _finished(self, code: int, _status) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        self._read_errors_from(process)
        out = Path(self._folder.name) / "out.npy" if self._folder is not None else None
        try:
            if code != 0 or out is None or not out.exists():
                lines = [line for line in self._errors.strip().splitlines() if line.strip()]
                raise RuntimeError(lines[-1] if lines else f"the t-SNE process ended with code {code}")
            embedding = np.load(out, allow_pickle=False)
        except (OSError, ValueError, RuntimeError) as exc:
            self.failed.emit(str(exc))
        else:
            self.progress.emit(1.0)
            self.finished.emit(embedding)
        finally:
            process.deleteLater()
            self._cleanup()

    def _read_errors_from(self, process: QProcess) -> None:
        self._errors += bytes(process.readAllStandardError()).decode("utf-8", "replace")

    def _cleanup(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
