"""Finding and opening the user's data files, with errors that name the file and say what is wrong."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import DataError
from ..fileio import file_kind

# An archive member (or a gzipped file) inflating to more than this many times its stored size, and to more than
# INFLATE_FLOOR bytes, is refused before it is inflated: real data compresses far less (MNIST about 8:1), and a
# few hundred kilobytes declaring gigabytes would exhaust the memory.
MAX_INFLATION = 200
INFLATE_FLOOR = 32 << 20


def resolve(path: str | os.PathLike, base_dir: str | os.PathLike = ".") -> Path:
    """A path from the project file, relative to the project's folder unless absolute ("~" expands)."""
    p = Path(os.path.expanduser(os.fspath(path)))
    return p if p.is_absolute() else Path(base_dir) / p


def check_file(path: Path, what: str = "data file") -> int:
    """The size in bytes of a readable regular file; DataError for a missing file, a folder, a FIFO or a device
    (checked without opening it: opening a FIFO blocks, and a device like /dev/zero never ends) or no permission."""
    if "\0" in str(path):
        raise DataError(f"{what} {str(path)!r}: the path contains a NUL byte")
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataError(f"{what} {path.name}: not found (looked for {path})") from None
    except OSError as exc:
        raise DataError(f"{what} {path.name}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"{what} {path.name}: is a folder, expected a file ({path})")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{what} {path.name}: is {file_kind(st.st_mode)}, not a regular file ({path})")
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


def check_inflation(declared: int, stored: int, label: str, what: str) -> None:
    """DataError when `declared` bytes (what an archive member or a gzipped file says it inflates to) are more than
    MAX_INFLATION times the `stored` bytes and more than INFLATE_FLOOR: checked before anything is inflated."""
    if declared > INFLATE_FLOOR and declared > MAX_INFLATION * max(stored, 1):
        raise DataError(f"{label}: {what} would inflate {stored:,} stored bytes to {declared:,} "
                        f"({declared / max(stored, 1):,.0f}:1, more than the {MAX_INFLATION}:1 real data compresses), so it "
                        "was not read; if the data is real, store it uncompressed (numpy.savez, or an un-gzipped file)")
