"""Running the command line inside a test: its exit code and what it printed, and the one-line-error rule."""
from __future__ import annotations

import io

from core import cli


def run(*args) -> tuple[int, str, str]:
    """`layerlab ARGS...` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    """Bad input ends with a non-zero exit and one line on stderr (no traceback) that contains every needle."""
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]
