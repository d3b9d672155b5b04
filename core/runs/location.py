"""Where the run store lives: one file per user, shared by the app and the CLI, unless a path is given.

The order is: an explicit path (`--runs PATH`, the app's preference), then the `LAYERLAB_RUNS` environment
variable, then `runs.sqlite` in the platform's per-user data folder (`~/.local/share/LayerLab` on Linux,
`~/Library/Application Support/LayerLab` on macOS, `%LOCALAPPDATA%\\LayerLab` on Windows).
"""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "LAYERLAB_RUNS"
FILE_NAME = "runs.sqlite"


def default_store_path() -> Path:
    """The per-user store (its folder may not exist yet)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("LayerLab", appauthor=False)) / FILE_NAME


def store_path(path: str | os.PathLike | None = None) -> Path:
    """The store file to use: `path` if given, else `$LAYERLAB_RUNS` if set (and not empty), else the default."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    env = os.environ.get(ENV_VAR, "")
    if env.strip():
        return Path(env).expanduser()
    return default_store_path()
