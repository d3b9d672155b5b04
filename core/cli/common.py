"""What the commands share: the one-line error, exit codes, the writable-output check, the run store options, the
formatting of logs and plain-text tables, and the progress bar."""
from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import LayerLabError
from ..fileio import FileWriteError, output_target, temporary_prefix

EXIT_USAGE = 2
EXIT_ERROR = 1


class CliError(LayerLabError):
    """A problem with the command's arguments."""


def format_logs(logs: dict[str, float]) -> str:
    """The losses and metrics of an epoch's logs (not `lr`, nor the per-layer `layers.*` diagnostics)."""
    keys = [k for k in logs if k != "lr" and not k.startswith("layers.")]
    return "  ".join(f"{k} {logs[k]:.4g}" for k in keys if not (isinstance(logs[k], float) and math.isnan(logs[k])))


def progress_bar(fraction: float, width: int = 30) -> str:
    """'[#########.....................]' for a fraction done in [0, 1]."""
    filled = int(width * min(1.0, max(0.0, fraction)))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def check_writable(path: Path, option: str, reads: Iterable[tuple[str, str | os.PathLike]] = ()) -> Path:
    """The file writing `path` will replace (a symlink is written through), once it is known to be writable:
    CliError naming `option` for a folder that does not exist or refuses a new file (tried, then removed), and
    for an output that is not a regular file or is one of `reads` ((label, path) of every file the command reads,
    however spelt: see core.fileio.output_target)."""
    try:
        target = output_target(path, option, reads)
    except FileWriteError as exc:
        raise CliError(str(exc).replace(f"cannot write {option} ", f"{option} ", 1)) from None
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{option} {path}: folder {folder} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=temporary_prefix(target), suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CliError(f"{option} {path}: cannot write in folder {folder} ({exc.strerror or exc})") from None
    return target


def add_store_arguments(parser: argparse.ArgumentParser, record: bool = False) -> None:
    """`--runs PATH` (the run store; default LAYERLAB_RUNS, else the per-user store) and, for commands that train,
    `--no-record`."""
    parser.add_argument("--runs", metavar="PATH", help="run store file (default: $LAYERLAB_RUNS, else the per-user "
                        "store)")
    if record:
        parser.add_argument("--no-record", action="store_true", help="do not record this run in the run store")


def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """Columns padded to their widest cell; `right[i]` right-aligns column i (numbers)."""
    right = list(right) if right is not None else [False] * len(header)
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def number(value: Any) -> str:
    """A metric or loss for a table: 4 significant digits, '-' when missing, 'nan'/'inf' as such."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return setting(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def setting(value: Any) -> str:
    """A setting's value as the project JSON writes it ('-' where a run has none)."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def when(seconds: float | None) -> str:
    return "-" if seconds is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def duration(seconds: float) -> str:
    """'0.4 s', '12 s', '3 min 05 s', '2 h 01 min'."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
