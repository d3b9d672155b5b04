"""Reading a CSV/TSV file into typed columns, in chunks, with errors that name the line and the column.

A column is *numeric* when every non-missing cell is a number, *text* when none is (or when the caller forces it);
a column mixing both is an error, since that is nearly always a typo. Missing cells ("", NA, N/A, NaN, null, None,
?) become NaN and are reported by the caller. Inf and numbers too large for float64 are errors.

Memory stays close to the size of the result: the file is read `chunk_rows` lines at a time; chunks whose cells
are plain numbers go through NumPy's C parser (`np.loadtxt`), others through the `csv` module; each chunk's rows
(numbers, or category codes for text columns) go straight into arrays sized from an estimate of the row count.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from itertools import islice
from operator import methodcaller
from typing import Callable

import numpy as np

from ..errors import DataError
from .csv_sniff import MISSING_TOKENS, CsvLayout, blank, is_number, reader_lines, sniff_layout

__all__ = ["CsvLayout", "Table", "is_number", "read_table", "sniff_layout"]

CHUNK_CELLS = 400_000
MAX_CATEGORIES = 1000
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


@dataclass
class Table:
    """Parsed columns: the first `values.shape[1]` read columns in `values`, the rest in `extra` (so features
    and targets arrive as separate contiguous arrays and need no copy)."""

    layout: CsvLayout
    columns: list[int]              # source column indices, in the order of values' then extra's columns
    values: np.ndarray              # (n, split) float64: numbers or category codes; NaN = missing
    extra: np.ndarray               # (n, len(columns) - split), the same for the remaining columns
    kinds: list[str]                # per column: "numeric" | "text" | "empty" (every cell missing)
    categories: list[tuple[str, ...] | None]   # sorted categories of text columns (codes index into them)
    lines: np.ndarray               # (n,) int64: the file line each row starts on

    def column(self, k: int) -> np.ndarray:
        """A view of read column k."""
        split = self.values.shape[1]
        return self.values[:, k] if k < split else self.extra[:, k - split]

    def select(self, rows: np.ndarray) -> None:
        """Keep only `rows` (a boolean mask)."""
        self.values, self.extra, self.lines = self.values[rows], self.extra[rows], self.lines[rows]


@dataclass
class _Column:
    """What has been seen so far in one column, so later chunks are checked against earlier ones."""

    name: str
    forced_text: bool
    kind: str | None = None                  # "numeric" | "text" once a non-missing cell was seen
    number_at: tuple[int, str] | None = None  # (line, cell) of a first number, for messages
    codes: dict[str, int] = field(default_factory=dict)


class _Reader:
    def __init__(self, layout: CsvLayout, columns: list[int], text_columns: set[int]):
        self.layout = layout
        self.label = layout.label
        self.ncols = len(layout.names)
        self.columns = columns
        self.state = [_Column(layout.names[j], j in text_columns) for j in columns]
        self.first_row_line: int | None = None   # where the first data row starts, for the header hint

    # --- errors ---------------------------------------------------------------------------------------------
    def _where(self, line: int, k: int) -> str:
        return f"{self.label} line {line}, column {self.state[k].name!r}"

    def _header_hint(self, line: int) -> str:
        """The first row read as data failed on a cell of the other kind: it may be a header after all."""
        if self.layout.has_header or line != self.first_row_line:
            return ""
        return f"; if line {line} holds the column names, set data.header to true"

    def _mixed(self, k: int, text_line: int, text: str) -> DataError:
        col = self.state[k]
        example = f" (e.g. {col.number_at[1]!r} on line {col.number_at[0]})" if col.number_at else ""
        hint = "; decimal commas are not supported, use a point" if DECIMAL_COMMA.match(text.strip()) else ""
        return DataError(f"{self._where(text_line, k)}: {text!r} is not a number, but the column holds numbers"
                         f"{example}; fix the cell, leave it empty if the value is missing, or list the column"
                         f" under \"categorical\"{hint}{self._header_hint(text_line)}")

    def _text_column(self, k: int, line: int, cell: str) -> DataError:
        return DataError(f"{self._where(line, k)}: {cell.strip()!r} is a number, but the column holds text;"
                         f" fix the cell, or list the column under \"categorical\" to read every value as text"
                         f"{self._header_hint(line)}")

    # --- one chunk ------------------------------------------------------------------------------------------
    def fast_block(self, lines: list[str], first_line: int) -> np.ndarray | None:
        """Quote-free chunks with a regular field count: numeric columns through NumPy's parser, text columns by
        splitting lines. None when anything needs the careful path (which then finds and reports the problem)."""
        delimiter = self.layout.delimiter
        if delimiter == " ":
            return None
        counts = np.fromiter(map(methodcaller("count", delimiter), lines), np.int64, len(lines))
        if not np.all(counts == self.ncols - 1) or (self.ncols == 1 and not all(map(str.strip, lines))):
            return None
        if self.first_row_line is None:
            self.first_row_line = first_line
        numeric = [k for k, c in enumerate(self.state) if not c.forced_text and c.kind != "text"]
        text = [k for k in range(len(self.columns)) if k not in numeric]
        block = np.empty((len(lines), len(self.columns)))
        if numeric:
            try:
                values = np.loadtxt(lines, delimiter=delimiter, dtype=np.float64, comments=None, ndmin=2,
                                    usecols=[self.columns[k] for k in numeric], quotechar=None)
            except (ValueError, TypeError, IndexError):
                return None
            if values.shape != (len(lines), len(numeric)) or not np.all(np.isfinite(values)):
                return None
            block[:, numeric] = values
        if text:
            rows = [line.rstrip("\r\n").split(delimiter) for line in lines]
            line_numbers = np.arange(first_line, first_line + len(lines), dtype=np.int64)
            for k in text:
                j = self.columns[k]
                block[:, k] = self._convert(tuple(row[j] for row in rows), k, line_numbers)
        for k in numeric:
            col = self.state[k]
            col.kind = "numeric"
            col.number_at = col.number_at or (first_line, repr(float(block[0, k])))
        return block

    def slow_block(self, lines: list[str], first_line: int, at_eof_in_quotes: bool = False) \
            -> tuple[np.ndarray, np.ndarray]:
        """The csv module's parse of a chunk, rows checked for their field count and converted column by column.

        `at_eof_in_quotes`: the file ended with an odd number of quote characters; if the last record really is
        an unclosed quoted field (and not a stray quote inside a field, which the csv module keeps as text),
        that is an error rather than one huge field.
        """
        if at_eof_in_quotes:
            self._check_closed_quotes(lines, first_line)
        reader = csv.reader(reader_lines(lines, self.layout.delimiter), delimiter=self.layout.delimiter,
                            skipinitialspace=True)
        rows, starts, consumed = [], [], 0
        try:
            for row in reader:
                start, consumed = first_line + consumed, reader.line_num
                if blank(row):
                    continue
                if len(row) != self.ncols:
                    ref = "the header" if self.layout.has_header else "the first line"
                    raise DataError(f"{self.label} line {start}: {len(row)} fields where {ref} has {self.ncols};"
                                    f" check the delimiter ({self.layout.delimiter!r}) and quotes")
                rows.append(row)
                starts.append(start)
        except csv.Error as exc:
            raise DataError(f"{self.label} line {first_line + reader.line_num - 1}: {exc}") from None
        line_numbers = np.array(starts, dtype=np.int64)
        block = np.empty((len(rows), len(self.columns)))
        if rows and self.first_row_line is None:
            self.first_row_line = starts[0]
        if rows:
            cells = list(zip(*rows))
            for k, j in enumerate(self.columns):
                block[:, k] = self._convert(cells[j], k, line_numbers)
        return block, line_numbers

    def _check_closed_quotes(self, lines: list[str], first_line: int) -> None:
        reader = csv.reader(reader_lines(lines, self.layout.delimiter), delimiter=self.layout.delimiter,
                            skipinitialspace=True, strict=True)
        start = first_line
        try:
            for _ in reader:
                start = first_line + reader.line_num
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise DataError(f"{self.label} line {start}: a quoted field is never closed (an opening \" without"
                                f" its closing \")") from None

    def _convert(self, cells: tuple[str, ...], k: int, lines: np.ndarray) -> np.ndarray:
        col = self.state[k]
        arr = np.array(cells, dtype=str)
        if not col.forced_text:
            try:
                return self._numbers(arr.astype(np.float64), cells, k, lines)
            except ValueError:
                pass
        stripped = np.char.strip(arr)
        missing = np.isin(np.char.lower(stripped), MISSING_TOKENS)
        where = np.flatnonzero(~missing)
        uniq, inverse = np.unique(stripped[where], return_inverse=True)
        if not col.forced_text:
            numeric = np.array([is_number(u) for u in uniq], dtype=bool)
            if numeric.all():
                values = np.full(len(cells), np.nan)
                values[where] = stripped[where].astype(np.float64)
                return self._numbers(values, cells, k, lines)
            if numeric.any():       # mixed: point at the first cell of the minority kind
                is_num = numeric[inverse]
                i, t = where[np.argmax(is_num)], where[np.argmax(~is_num)]
                if col.kind == "text" or 2 * is_num.sum() < len(is_num):
                    raise self._text_column(k, int(lines[i]), cells[i])
                col.number_at = col.number_at or (int(lines[i]), cells[i].strip())
                raise self._mixed(k, int(lines[t]), cells[t])
            if col.kind == "numeric":
                raise self._mixed(k, int(lines[where[0]]), cells[where[0]])
            if len(uniq) and all(DECIMAL_COMMA.match(u) for u in uniq.tolist()):
                raise DataError(f"{self._where(int(lines[where[0]]), k)}: {cells[where[0]].strip()!r} looks like a "
                                f"number with a decimal comma; write decimal points (or list the column under "
                                f"\"categorical\" to use the values as labels)")
        if len(where):
            col.kind = "text"
        codes = np.empty(len(uniq))
        for u, value in enumerate(uniq.tolist()):
            if value not in col.codes:
                if len(col.codes) >= MAX_CATEGORIES:
                    raise DataError(f"{self.label}, column {col.name!r}: more than {MAX_CATEGORIES} different text "
                                    f"values; is it an identifier or free text? leave it out with \"columns\"")
                col.codes[value] = len(col.codes)
            codes[u] = col.codes[value]
        out = np.full(len(cells), np.nan)
        out[where] = codes[inverse]
        return out

    def _numbers(self, values: np.ndarray, cells: tuple[str, ...], k: int, lines: np.ndarray) -> np.ndarray:
        """Checks a parsed numeric cell array (NaN = missing) against the column so far."""
        col = self.state[k]
        infinite = np.isinf(values)
        if infinite.any():
            i = int(np.argmax(infinite))
            raise DataError(f"{self._where(int(lines[i]), k)}: {cells[i].strip()!r} is not a finite number")
        present = ~np.isnan(values)
        if present.any():
            i = int(np.argmax(present))
            if col.kind == "text":
                raise self._text_column(k, int(lines[i]), cells[i])
            col.kind = "numeric"
            col.number_at = col.number_at or (int(lines[i]), cells[i].strip())
        return values


def _decode(raw_lines: list[bytes], first_line: int, label: str) -> list[str]:
    try:
        return [line.decode("utf-8") for line in raw_lines]
    except UnicodeDecodeError:
        for i, line in enumerate(raw_lines):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"{label}: line {first_line + i} is not UTF-8 text (byte 0x{line[exc.start]:02x});"
                                f" save the file as UTF-8") from None
        raise


class _Sink:
    """Rows appended chunk by chunk into arrays sized from an estimate of the file's row count.

    Untouched pages of `np.empty` are never resident, so a generous estimate costs address space, not memory;
    rows are copied in once, and growth (doubling) happens only when the estimate was too low.
    """

    def __init__(self, split: int, width: int):
        self.split, self.n = split, 0
        self.values = np.empty((0, split))
        self.extra = np.empty((0, width - split))
        self.lines = np.empty(0, dtype=np.int64)

    def add(self, block: np.ndarray, lines: np.ndarray, estimate: int) -> None:
        m = len(block)
        if self.n + m > len(self.lines):
            capacity = max(estimate, 2 * len(self.lines), self.n + m)
            for name in ("values", "extra", "lines"):
                old = getattr(self, name)
                new = np.empty((capacity,) + old.shape[1:], dtype=old.dtype)
                new[:self.n] = old[:self.n]
                setattr(self, name, new)
        self.values[self.n:self.n + m] = block[:, :self.split]
        self.extra[self.n:self.n + m] = block[:, self.split:]
        self.lines[self.n:self.n + m] = lines
        self.n += m


def read_table(layout: CsvLayout, columns: list[int], text_columns: set[int] = frozenset(),
               progress: Callable[[float], None] | None = None, chunk_rows: int | None = None,
               split: int | None = None) -> Table:
    """Parse `columns` of the file described by `layout`; `text_columns` are read as text even if numeric.

    The first `split` columns (default: all) go to `Table.values`, the others to `Table.extra`.
    """
    reader = _Reader(layout, columns, set(text_columns))
    chunk_rows = chunk_rows or max(1000, CHUNK_CELLS // max(1, len(layout.names)))
    sink = _Sink(len(columns) if split is None else split, len(columns))
    try:
        handle = open(layout.path, "rb")
    except OSError as exc:
        raise DataError(f"{layout.label}: cannot be read ({exc.strerror or exc})") from None
    with handle:
        size = max(1, os.fstat(handle.fileno()).st_size)
        line_no = 1
        for _ in range(layout.header_lines):
            handle.readline()
            line_no += 1
        while True:
            raw_lines = list(islice(handle, chunk_rows))
            if not raw_lines:
                break
            joined = b"".join(raw_lines)
            if b"\x00" in joined:
                at = line_no + joined.count(b"\n", 0, joined.index(b"\x00"))
                raise DataError(f"{layout.label} line {at}: contains a NUL byte; is this a binary file?")
            quotes = joined.count(b'"')
            eof_in_quotes = False
            while quotes % 2:          # a quoted field continues past the chunk: read on to its end
                more = handle.readline()
                if not more:
                    eof_in_quotes = True
                    break
                raw_lines.append(more)
                quotes += more.count(b'"')
            lines = _decode(raw_lines, line_no, layout.label)
            if line_no == 1:
                lines[0] = lines[0].removeprefix("\ufeff")
            block = None if quotes else reader.fast_block(lines, line_no)
            if block is not None:
                line_numbers = np.arange(line_no, line_no + len(lines), dtype=np.int64)
            else:
                block, line_numbers = reader.slow_block(lines, line_no, eof_in_quotes)
            line_no += len(raw_lines)
            position = handle.tell()
            sink.add(block, line_numbers, int(size / max(1.0, position / (line_no - 1)) * 1.25) + chunk_rows)
            if progress is not None:
                progress(min(position / size, 1.0))
    return _finish(reader, sink)


def _finish(reader: _Reader, sink: _Sink) -> Table:
    layout = reader.layout
    if sink.n == 0:
        what = "has a header but no data rows" if layout.has_header else "has no data rows"
        raise DataError(f"{layout.label}: {what}")
    n = sink.n
    table = Table(layout, list(reader.columns), sink.values[:n], sink.extra[:n], [], [], sink.lines[:n])
    for k, col in enumerate(reader.state):
        if col.kind == "text":
            ordered = sorted(col.codes)
            remap = np.empty(len(ordered))
            remap[[col.codes[name] for name in ordered]] = np.arange(len(ordered))
            column = table.column(k)
            present = ~np.isnan(column)
            column[present] = remap[column[present].astype(np.int64)]
            table.categories.append(tuple(ordered))
        else:
            table.categories.append(None)
        table.kinds.append(col.kind or "empty")
    return table
