"""Finding and opening the user's data files, with errors that name the file and say what is wrong."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import DataError


def resolve(path: str | os.PathLike, base_dir: str | os.PathLike = ".") -> Path:
    """A path from the project file, relative to the project's folder unless absolute ("~" expands)."""
    p = Path(os.path.expanduser(os.fspath(path)))
    return p if p.is_absolute() else Path(base_dir) / p


def check_file(path: Path, what: str = "data file") -> int:
    """The size in bytes of a readable regular file; DataError for a missing file, a folder or no permission."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataError(f"{what} {path.name}: not found (looked for {path})") from None
    except OSError as exc:
        raise DataError(f"{what} {path.name}: cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise DataError(f"{what} {path.name}: is a folder, expected a file ({path})")
    if not os.access(path, os.R_OK):
        raise DataError(f"{what} {path.name}: no permission to read it ({path})")
    return int(st.st_size)


def read_head(path: Path, size: int) -> bytes:
    """The first `size` bytes of a file, as a DataError-safe read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise DataError(f"data file {path.name}: cannot be read ({exc.strerror or exc})") from None
