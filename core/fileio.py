"""Writing files so that a crash or a full disk never leaves a half-written file where the user's file was:
everything is written to a temporary file in the same folder, flushed to disk, then renamed over the target."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from .errors import LayerLabError


class FileWriteError(LayerLabError):
    """The output file could not be written (missing folder, no permission, disk full)."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, what: str = "file") -> Iterator[Path]:
    """Yields a temporary path next to `path`; on success it replaces `path` atomically, on error it is removed."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileWriteError(f"cannot write {what} {target}: folder {folder} does not exist")
    if target.is_dir():
        raise FileWriteError(f"cannot write {what} {target}: it is a folder")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FileWriteError(f"cannot write {what} {target}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes the file private (0600); give it the mode a normal open() would (or the target's own).
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:
        pass
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise FileWriteError(f"cannot write {what} {target}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str, what: str = "file") -> None:
    with atomic_path(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_with(path: str | os.PathLike, writer: Callable[[Path], None], what: str = "file") -> None:
    """Call `writer(tmp_path)` and move the result into place."""
    with atomic_path(path, what) as tmp:
        writer(tmp)
