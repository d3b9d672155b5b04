"""Opening the user's files for reading: regular files only, documents within a size limit, JSON within sane
nesting and number sizes, each problem one line naming the file.

A FIFO would block the reader forever and a device such as /dev/zero never ends, so every file is checked with
`stat` (which never blocks) before it is opened. JSON is checked before it is decoded: a document nested thousands
deep would overflow the decoder's recursion, and an integer of thousands of digits would make Python refuse it (or
spend seconds converting it), so both are refused with a message instead.
"""
from __future__ import annotations

import json
import os
import re
import stat
from typing import Any, Callable

import numpy as np

from .errors import LayerLabError
from .fileio import file_kind

# Projects are a few kilobytes (drawn points make them larger); a JSON model export holds every weight as text.
MAX_PROJECT_BYTES = 64 << 20
MAX_JSON_MODEL_BYTES = 1 << 30
# Deeper than any document LayerLab writes (a JSON export's weights are 6 levels down) by a wide margin.
MAX_JSON_DEPTH = 64
# More digits than any count, index or seed needs (2**63 has 19); a float is written with a point or an exponent.
MAX_INT_DIGITS = 40

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_CHUNK = 1 << 24
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


class InputFileError(LayerLabError):
    """A file the user gave cannot be read as what it should be (missing, not a regular file, too large)."""


def path_problem(path: str | os.PathLike) -> str | None:
    """Why `path` cannot be opened for reading, or None: a NUL byte, missing, a folder, a FIFO, a device."""
    text = os.fspath(path)
    if "\0" in str(text):
        return "the path contains a NUL byte"
    try:
        mode = os.stat(text).st_mode
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except ValueError as exc:
        return f"is not a usable path ({exc})"
    if not stat.S_ISREG(mode):
        return f"is {file_kind(mode)}, not a regular file"
    return None


def check_input_file(path: str | os.PathLike, what: str, error: Callable[[str], Exception] = InputFileError) -> int:
    """The size of `path` once it is known to be a regular file; `error(message)` is raised otherwise."""
    problem = path_problem(path)
    if problem is not None:
        shown = repr(os.fspath(path)) if "\0" in os.fspath(path) else os.fspath(path)
        raise error(f"{what} {shown} {problem}" if not problem.startswith("the path") else
                    f"{what} {shown}: {problem}")
    return os.stat(path).st_size


def read_document(path: str | os.PathLike, what: str, limit: int,
                  error: Callable[[str], Exception] = InputFileError) -> bytes:
    """The bytes of a regular file of at most `limit` bytes."""
    size = check_input_file(path, what, error)
    if size > limit:
        raise error(f"{what} {os.fspath(path)} is {size:,} bytes, more than the {limit:,} a {what} may have")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read {what} {os.fspath(path)}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{what} {os.fspath(path)} grew beyond {limit:,} bytes while it was read")
    return data


def json_problem(data: bytes | str) -> str | None:
    """Why a JSON text is not safe to decode (nested deeper than MAX_JSON_DEPTH), or None. Brackets inside strings
    do not count."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if b"[" not in raw and b"{" not in raw:
        return None
    bare = np.frombuffer(_STRING.sub(b'""', raw), dtype=np.uint8)
    depth = level = 0
    for start in range(0, bare.size, _CHUNK):
        steps = _OPEN[bare[start:start + _CHUNK]]
        steps = steps[steps != 0].astype(np.int64)
        if steps.size:
            levels = np.cumsum(steps) + level
            depth, level = max(depth, int(levels.max())), int(levels[-1])
    if depth > MAX_JSON_DEPTH:
        return f"its JSON is nested {depth} levels deep (at most {MAX_JSON_DEPTH})"
    return None


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _BigInteger(f"it holds an integer of {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


class _BigInteger(ValueError):
    pass


def parse_json(data: bytes | str, where: str, error: Callable[[str], Exception] = InputFileError,
               **options: Any) -> Any:
    """Decode a JSON document checked by `json_problem` and with integers of at most MAX_INT_DIGITS digits;
    `error(message)` names `where` for a malformed, too deep or otherwise unsafe document. `options` go to
    json.loads (parse_constant, ...)."""
    problem = json_problem(data)
    if problem is not None:
        raise error(f"{where}: {problem}")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{where} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        return json.loads(data, parse_int=_parse_int, **options)
    except _BigInteger as exc:
        raise error(f"{where}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{where}: malformed or truncated JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise error(f"{where}: its JSON is nested too deeply") from None


def read_json(path: str | os.PathLike, what: str, limit: int,
              error: Callable[[str], Exception] = InputFileError, **options: Any) -> Any:
    """A JSON document from a regular file of at most `limit` bytes (see `read_document`, `parse_json`)."""
    return parse_json(read_document(path, what, limit, error), os.fspath(path), error, **options)
