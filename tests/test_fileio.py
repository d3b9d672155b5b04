"""Writing files: a new file gets the mode a plain open() would give, a replaced one keeps its own, and a group of
files lands whole or not at all."""
from __future__ import annotations

import os
import stat

import pytest

from core.fileio import FileWriteError, atomic_write_text, write_files


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path, umask_027):
    write_files({tmp_path / "a.npz": lambda tmp: tmp.write_bytes(b"a")}, "weights file")
    atomic_write_text(tmp_path / "b.csv", "b")
    assert mode(tmp_path / "a.npz") == mode(tmp_path / "b.csv") == 0o640     # 0o666 & ~0o027
    (tmp_path / "a.npz").chmod(0o600)
    write_files({tmp_path / "a.npz": lambda tmp: tmp.write_bytes(b"again")}, "weights file")
    assert mode(tmp_path / "a.npz") == 0o600 and (tmp_path / "a.npz").read_bytes() == b"again"


def test_a_group_lands_whole_or_not_at_all(tmp_path):
    (tmp_path / "weights.npz").write_bytes(b"old weights")

    def fails(tmp):
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(FileWriteError, match="history.csv: No space left"):
        write_files({tmp_path / "weights.npz": lambda tmp: tmp.write_bytes(b"new"), tmp_path / "history.csv": fails},
                    "training output")
    assert (tmp_path / "weights.npz").read_bytes() == b"old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]          # no temporary file left
