"""What the commands share: the one-line error, exit codes, the writable-output check and log formatting."""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

from ..errors import LayerLabError

EXIT_USAGE = 2
EXIT_ERROR = 1


class CliError(LayerLabError):
    """A problem with the command's arguments."""


def format_logs(logs: dict[str, float]) -> str:
    """The losses and metrics of an epoch's logs (not `lr`, nor the per-layer `layers.*` diagnostics)."""
    keys = [k for k in logs if k != "lr" and not k.startswith("layers.")]
    return "  ".join(f"{k} {logs[k]:.4g}" for k in keys if not (isinstance(logs[k], float) and math.isnan(logs[k])))


def check_writable(path: Path, option: str) -> None:
    """CliError naming `option` unless a file can be created in `path`'s folder (tried, then removed)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{option} {path}: folder {folder} does not exist")
    if path.is_dir():
        raise CliError(f"{option} {path} is a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CliError(f"{option} {path}: cannot write in folder {folder} ({exc.strerror or exc})") from None
