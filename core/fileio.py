"""Writing files so that a crash or a full disk never leaves a half-written file where the user's file was:
everything is written to a temporary file in the same folder, flushed to disk, then renamed over the target.

What may be written: a regular file (or a new one). A symlink is written *through*: the file it points to is
replaced and the link stays. A FIFO, a device or a folder is never replaced. `output_target` also refuses an output
that is one of the files a command reads (however spelt: "..", symlinks, hard links). Temporary files are named
`.NAME.PID-RANDOM.tmp`; one left behind by a process that no longer runs (killed with -9) is removed by the next
write of NAME in that folder.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import stat
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import LayerLabError

# Our temporary and backup files: `.{target name}.{pid}-{random}{suffix}`.
TEMP_SUFFIXES = (".tmp", ".bak", ".probe")
# A temporary file of an older naming (no pid) is taken as abandoned once it has not changed for this long.
STALE_AFTER_SECONDS = 600.0


class FileWriteError(LayerLabError):
    """The output file could not be written (missing folder, no permission, disk full, not a regular file)."""


def file_kind(mode: int) -> str:
    """'a FIFO', 'a device', ...: how a message names a file that is not a regular file."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def output_target(path: str | os.PathLike, what: str = "file",
                  reads: Iterable[tuple[str, str | os.PathLike]] = ()) -> Path:
    """The file that writing `path` replaces: `path` itself, or the file a symlink at `path` points to (written
    through, the link stays). FileWriteError when the path holds a NUL byte, when the target exists and is not a
    regular file (a folder, a FIFO, a device), or when it is one of `reads`, (label, path) pairs naming the files
    the command reads (the model, its inputs, the project, the data): however spelt, through "..", symlinks and
    hard links, an output never replaces an input."""
    text = os.fspath(path)
    if "\0" in text:
        raise FileWriteError(f"cannot write {what} {text!r}: the path contains a NUL byte")
    given = Path(text)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise FileWriteError(f"cannot write {what} {given}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise FileWriteError(f"cannot write {what} {given}: it is {file_kind(mode)}, not a regular file; LayerLab "
                             "writes only regular files")
    for label, source in reads:
        if same_file(source, target):
            raise FileWriteError(f"cannot write {what} {given}: it is {label} ({source}), which this command reads; "
                                 "choose another output file")
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, what: str = "file") -> Iterator[Path]:
    """Yields a temporary path next to `path`; on success it replaces `path` atomically, on error it is removed."""
    target = output_target(path, what)
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
    sweep_stale_temporaries(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=temporary_prefix(target), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FileWriteError(f"cannot write {what} {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        os.chmod(tmp_name, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
    except OSError:
        pass
    return Path(tmp_name)


def temporary_prefix(target: Path) -> str:
    """`.NAME.PID-`: the start of our temporary files for `target` (mkstemp adds the random part)."""
    return f".{target.name}.{os.getpid()}-"


def sweep_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary and backup files of `target` that an earlier write left behind (a process killed
    before it could clean up): ours by name, and abandoned, because their process no longer runs (or, for an
    older naming without a pid, because they have not changed for STALE_AFTER_SECONDS). Returns what was removed."""
    folder = target.parent if str(target.parent) else Path(".")
    start = f".{target.name}."
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(start) and name.endswith(TEMP_SUFFIXES)):
            continue
        middle = name[len(start):].rsplit(".", 1)[0]
        pid_text, dash, _ = middle.partition("-")
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if dash and pid_text.isdigit() and pid_text.isascii():
                if _process_runs(int(pid_text)):
                    continue
            elif now - entry.stat(follow_symlinks=False).st_mtime < STALE_AFTER_SECONDS:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _process_runs(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True     # it runs under another user (or cannot be asked): leave its files alone
    return True


def write_files(writers: dict[Path, Callable[[Path], None]], what: str) -> list[Path]:
    """Write several files all-or-nothing: each goes to a temporary file in the target's folder first, and the
    targets are replaced only once every file was written, so an error (a full disk, a missing folder, a
    serializer failing half-way) leaves no new, half-written or clobbered file behind. Should a rename fail after
    others succeeded, those targets get their previous contents back (kept as hard links until the end).
    A symlinked target is written through (see `output_target`); the paths returned are the ones given."""
    given = [Path(p) for p in writers]
    writers = {output_target(p, what): writers[p] for p in given}
    targets = list(writers)
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
    return given


def _backups(targets: list[Path]) -> dict[Path, Path]:
    """A hard link to each existing target, under a temporary name, so a failed group rename can restore it."""
    backups: dict[Path, Path] = {}
    for target in targets:
        if not target.is_file():
            continue
        name = target.with_name(f"{temporary_prefix(target)}{secrets.token_hex(4)}.bak")
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
    except (OSError, ValueError):     # ValueError: a NUL byte in a path
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
