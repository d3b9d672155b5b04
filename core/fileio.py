"""Writing files so that a crash or a full disk never leaves a half-written file where the user's file was:
everything is written to a temporary file in the same folder, flushed to disk, then renamed over the target."""
from __future__ import annotations

import contextlib
import os
import secrets
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
    tmp = temporary_next_to(target, what)
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


def temporary_next_to(target: Path, what: str = "file") -> Path:
    """A new empty file in `target`'s folder (so a rename onto `target` is atomic), with the mode `target` has,
    or the one a plain open() would give (mkstemp makes it private to the user)."""
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
    try:
        os.chmod(tmp_name, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
    except OSError:
        pass
    return Path(tmp_name)


def write_files(writers: dict[Path, Callable[[Path], None]], what: str) -> list[Path]:
    """Write several files all-or-nothing: each goes to a temporary file in the target's folder first, and the
    targets are replaced only once every file was written, so an error (a full disk, a missing folder, a
    serializer failing half-way) leaves no new, half-written or clobbered file behind. Should a rename fail after
    others succeeded, those targets get their previous contents back (kept as hard links until the end)."""
    targets = [Path(p) for p in writers]
    temps: list[Path] = []
    backups: dict[Path, Path] = {}
    try:
        for target in targets:
            temps.append(temporary_next_to(target, what))
        for target, tmp in zip(targets, temps):
            try:
                writers[target](tmp)
                with open(tmp, "rb+") as handle:
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise FileWriteError(f"cannot write {what} {target}: {exc.strerror or exc}") from None
        if len(targets) > 1:
            backups = _backups(targets[:-1])
        moved: list[Path] = []
        for target, tmp in zip(targets, temps):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                for path in moved:  # do not leave half an export behind: put back what was there
                    with contextlib.suppress(OSError):
                        if path in backups:
                            os.replace(backups.pop(path), path)
                        else:
                            path.unlink()
                raise FileWriteError(f"cannot write {what} {target}: {exc.strerror or exc}") from None
            moved.append(target)
    finally:
        for tmp in [*temps, *backups.values()]:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return targets


def _backups(targets: list[Path]) -> dict[Path, Path]:
    """A hard link to each existing target, under a temporary name, so a failed group rename can restore it."""
    backups: dict[Path, Path] = {}
    for target in targets:
        if not target.is_file():
            continue
        name = target.with_name(f".{target.name}.{secrets.token_hex(4)}.bak")
        with contextlib.suppress(OSError):   # no hard links on this file system: no restore, as before
            os.link(target, name)
            backups[target] = name
    return backups


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file, however spelt (links, "..", a hard link); False when that cannot be told."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


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
