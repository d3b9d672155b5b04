"""The user's data files: asking for a CSV, NPZ or IDX file, and how the project stores and resolves its path.

Kept apart from the CSV dialog because the data panel asks for every kind of file, and the dialog is only one of
them; the file dialogs are static QFileDialog calls, so tests can patch them.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


# --- paths ------------------------------------------------------------------------------------------------------
def stored_path(path: str | os.PathLike, base_dir: str | os.PathLike | None) -> str:
    """How the project stores a data file: relative (POSIX separators) to the project's folder when the file is
    inside it, so the folder can move as a whole; absolute otherwise."""
    target = Path(path).expanduser().resolve()
    if base_dir is not None:
        try:
            return target.relative_to(Path(base_dir).expanduser().resolve()).as_posix()
        except ValueError:
            pass
    return str(target)


def guess_labels_path(images: str | os.PathLike) -> Path:
    """The usual labels file next to an MNIST-style images file ("train-images-idx3-ubyte.gz" ->
    "train-labels-idx1-ubyte.gz"); the images' folder when no such file exists."""
    images = Path(images)
    name = images.name.replace("images", "labels").replace("idx3", "idx1")
    candidate = images.with_name(name)
    return candidate if name != images.name and candidate.is_file() else images.parent


def resolve_path(stored: str, base_dir: str | os.PathLike | None) -> Path:
    """Where a stored path points: relative paths are from the project's folder."""
    path = Path(os.path.expanduser(stored))
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


# --- asking for files (static QFileDialog calls, so tests can patch them) ----------------------------------------
def ask_csv_file(parent: QWidget, start_dir: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import a CSV or TSV file", start_dir,
                                          "Delimited text (*.csv *.tsv *.txt);;All files (*)")
    return Path(path) if path else None


def ask_npz(parent: QWidget, start_dir: str, base_dir: str | os.PathLike | None) -> dict | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import a NumPy archive (arrays X and y)", start_dir,
                                          "NumPy archives (*.npz);;All files (*)")
    return {"source": "npz", "path": stored_path(path, base_dir)} if path else None


def ask_idx(parent: QWidget, start_dir: str, base_dir: str | os.PathLike | None) -> dict | None:
    """The images file, then the labels file (the dialog opens on the matching labels file when there is one)."""
    images, _ = QFileDialog.getOpenFileName(parent, "Import IDX: the images file (idx3-ubyte)", start_dir,
                                            "IDX images (*idx3-ubyte *idx3-ubyte.gz *.idx3);;All files (*)")
    if not images:
        return None
    labels, _ = QFileDialog.getOpenFileName(parent, "Import IDX: the labels file (idx1-ubyte)",
                                            str(guess_labels_path(images)),
                                            "IDX labels (*idx1-ubyte *idx1-ubyte.gz *.idx1);;All files (*)")
    if not labels:
        return None
    return {"source": "idx", "images": stored_path(images, base_dir), "labels": stored_path(labels, base_dir)}
