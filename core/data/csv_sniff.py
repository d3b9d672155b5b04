"""Recognising a CSV/TSV file's format: delimiter, header row and column names, from its first 64 KiB."""
from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from ..errors import DataError
from .files import check_file, read_head

SAMPLE_BYTES = 1 << 16
MISSING_TOKENS = ("", "na", "n/a", "nan", "null", "none", "?")   # compared stripped and lower-cased
CANDIDATES = (",", "\t", ";", "|")
HEADER_SAMPLE = 200          # rows below the first compared with it to detect a header
TRAILING_SPACES = re.compile(r" +(?=\r?\n?\Z)")


@dataclass(frozen=True)
class CsvLayout:
    path: Path
    label: str               # the file name, for messages
    delimiter: str
    has_header: bool
    names: tuple[str, ...]   # one per column; "col0", "col1", ... without a header
    header_lines: int        # physical lines before the first data row


def is_number(text: str) -> bool:
    """A cell that holds a number (as Python's float() reads it); missing-value tokens are not numbers."""
    text = text.strip()
    if text.lower() in MISSING_TOKENS:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def reader_lines(lines: list[str], delimiter: str) -> list[str]:
    """Lines as the csv reader should see them: with delimiter " " (runs of spaces; the reader skips the spaces
    after a delimiter and at a line's start), spaces at a line's end are dropped too, or they would make an empty
    last field."""
    if delimiter != " ":
        return lines
    return [TRAILING_SPACES.sub("", line) for line in lines]


def _split_lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _score(lines: list[str], delimiter: str) -> tuple[float, int]:
    """(fraction of sample rows with the most common field count, that count); (0, 0) if it splits nothing."""
    try:
        rows = [r for r in islice(csv.reader(lines, delimiter=delimiter, skipinitialspace=True), 200)
                if not blank(r)][:60]
    except csv.Error:
        return 0.0, 0
    if not rows:
        return 0.0, 0
    counts = [len(r) for r in rows]
    mode, hits = Counter(counts).most_common(1)[0]
    return (hits / len(counts), mode) if mode >= 2 else (0.0, 0)


def _splits_on_spaces(lines: list[str]) -> bool:
    """Whether every sample line splits into the same number (> 1) of fields on runs of spaces, and the csv
    reader with delimiter " " reads exactly those fields (so no tabs among the spaces, no trailing spaces, no
    quotes): then " " is the delimiter."""
    sample = reader_lines([line for line in lines[:200] if line.strip()][:60], " ")
    try:
        rows = list(csv.reader(sample, delimiter=" ", skipinitialspace=True))
    except csv.Error:
        return False
    counts = {len(row) for row in rows}
    return len(counts) == 1 and counts.pop() >= 2 and all(row == line.split() for row, line in zip(rows, sample))


def _missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING_TOKENS


def header_votes(first: list[str], body: list[list[str]]) -> tuple[int, int]:
    """(for, against) `first` being a header, one vote per column of the sampled rows below it (as csv.Sniffer's
    has_header compares types). For: a cell that could not be data there (text above numbers, a number above
    text; as data the load would fail). Against: a cell like the values below (a number above numbers, a text
    value that recurs below). Missing cells, and text above text that does not recur, say nothing."""
    votes = [0, 0]
    rows = [row for row in body if len(row) == len(first)]
    for j, cell in enumerate(first):
        below = [row[j].strip() for row in rows if not _missing(row[j])]
        if not below or _missing(cell):
            continue
        numbers = [is_number(c) for c in below]
        if all(numbers):
            votes[is_number(cell)] += 1
        elif not any(numbers):
            if is_number(cell):
                votes[0] += 1
            elif cell.strip() in below:
                votes[1] += 1
    return votes[0], votes[1]


def detect_header(first: list[str], body: list[list[str]]) -> bool:
    """A header iff the votes for it are at least those against, and there is one; with no vote either way (a
    one-row sample, text above text), iff no cell of the first row is a number. Ties go to the header: each vote
    for it is a cell that would make the load fail as data."""
    for_header, against = header_votes(first, body)
    if for_header or against:
        return for_header >= against
    return not any(is_number(cell) for cell in first)


def _sample_rows(reader) -> list[list[str]]:
    """Up to HEADER_SAMPLE non-blank rows after the first, for header detection; a parse error ends the sample
    (reading the file reports it with its line)."""
    rows: list[list[str]] = []
    try:
        for row in reader:
            if not blank(row):
                rows.append(row)
                if len(rows) >= HEADER_SAMPLE:
                    break
    except csv.Error:
        pass
    return rows


def _wide_unicode(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" for text that starts with that encoding's byte-order mark (else its NUL bytes would
    make it look binary); None otherwise."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    return None


def sniff_layout(path: Path, delimiter: str | None = None, header: bool | None = None) -> CsvLayout:
    """Delimiter (",", tab, ";", "|", else runs of spaces), header presence and column names, from the first
    64 KiB."""
    label = path.name
    size = check_file(path)
    raw = read_head(path, SAMPLE_BYTES)
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise DataError(f"{label}: the file is empty")
    wide = _wide_unicode(raw)
    if wide:
        raise DataError(f"{label}: is {wide} text (it starts with a {wide} byte-order mark); save it as UTF-8")
    if b"\x00" in raw[:8192]:
        raise DataError(f"{label}: looks like a binary file, not CSV text (it contains NUL bytes)")
    complete = size <= SAMPLE_BYTES
    if not complete and b"\n" in raw:
        raw = raw[: raw.rindex(b"\n") + 1]
    if b"\r" in raw and b"\n" not in raw and complete:
        raise DataError(f"{label}: lines end with a bare carriage return (old Mac format); save with LF or CRLF")
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=complete)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(f"{label}: line {line} is not UTF-8 text (byte 0x{raw[exc.start]:02x});"
                        f" save the file as UTF-8") from None
    lines = _split_lines(text.removeprefix("\ufeff"))
    if delimiter is None:
        order = ("\t",) + tuple(c for c in CANDIDATES if c != "\t") if path.suffix.lower() == ".tsv" else CANDIDATES
        scores = {c: _score(lines, c) for c in order}
        best = max(order, key=lambda c: scores[c])     # max keeps the first of equal scores
        if scores[best][1] >= 2:
            delimiter = best
        else:   # last candidate: columns separated by runs of spaces ("1 2 0", aligned tables)
            delimiter = " " if _splits_on_spaces(lines) else ","
    reader = csv.reader(reader_lines(lines, delimiter), delimiter=delimiter, skipinitialspace=True)
    try:
        first = next((r for r in reader if not blank(r)), None)
    except csv.Error as exc:
        raise DataError(f"{label} line {reader.line_num}: {exc}") from None
    if first is None:
        raise DataError(f"{label}: the file is empty")
    first_lines = reader.line_num
    if header is None:
        header = detect_header(first, _sample_rows(reader))
    if header:
        names = tuple(cell.strip() or f"col{j}" for j, cell in enumerate(first))
    else:
        names = tuple(f"col{j}" for j in range(len(first)))
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DataError(f"{label}: columns {seen[name]} and {j} are both named {name!r}; names must be unique")
        seen[name] = j
    return CsvLayout(path, label, delimiter, bool(header), names, first_lines if header else 0)
