"""File paths inside a project's data section: resolved for comparison, re-expressed when the project moves.

A project stores a data file relative to its own folder when the file is inside that folder. Saving the project
somewhere else must keep pointing at the same file, and moving it must not count as a change of data (which would
reload the data and re-initialise a trained network).
"""
from __future__ import annotations

import os
from pathlib import Path

from core.project import Project

PATH_KEYS = ("path", "images", "labels", "test_images", "test_labels")


def resolved_data(project: Project) -> dict:
    """The data section with every file path made absolute: equal for the same data wherever the project lives."""
    data = dict(project.data)
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            try:
                data[key] = str((Path(project.base_dir) / data[key]).resolve())
            except (OSError, ValueError):       # a path no file can have (a NUL byte): compared as written
                data[key] = str(Path(project.base_dir) / data[key])
    return data


def relative_if_inside(path: Path, folder: Path) -> str:
    """`path` relative to `folder` when it lies inside it, else absolute (with forward slashes)."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.as_posix() if os.sep == "/" else str(path)


def rebase(project: Project, folder: str | os.PathLike) -> Project:
    """The same project, saved in `folder`: data paths re-expressed from there, base_dir set to it."""
    folder = Path(folder).resolve()
    data = dict(project.data)
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = relative_if_inside(Path(project.base_dir) / data[key], folder)
    return project.with_changes(data=data, base_dir=folder)
