"""Hostile files in the app: File > Open (`window.files.open`) refuses each with one dialog and leaves the open
project as it was, a FIFO is never opened (it would block the window), and a data file that is not a regular file
ends loading with a message instead of "the data is still loading" forever."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main as cli_main
from core.model_files import load_weights, save_weights

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def spiral() -> dict:
    return json.loads((EXAMPLES / "spiral.json").read_text())


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def deep(tmp_path):
    text = json.dumps(spiral())
    return write(tmp_path / "deep.json", text[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"), "nested"


def huge_integer(tmp_path):
    text = json.dumps(spiral()).replace('"epochs": 200', '"epochs": ' + "9" * 5000)
    return write(tmp_path / "bigint.json", text), "digits"


def superscript_class(tmp_path):
    obj = spiral()
    obj["training"]["class_weight"] = {"\u00b2": 2.0}
    return write(tmp_path / "cw.json", json.dumps(obj)), "class indices"


def enormous_class(tmp_path):
    obj = spiral()
    obj["training"]["class_weight"] = {"99999999999999999999": 2.0}
    return write(tmp_path / "cw2.json", json.dumps(obj)), "class indices"


def nul_data_path(tmp_path):
    obj = spiral()
    obj["data"] = {"source": "csv", "path": "a\u0000b.csv", "target": "y"}
    return write(tmp_path / "nul.json", json.dumps(obj)), "NUL byte"


def fifo_project(tmp_path):
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    return path, "FIFO"


def device(tmp_path):
    return Path("/dev/zero"), "device"


def short_class_names(tmp_path):
    project = write(tmp_path / "p.json", json.dumps({**spiral(), "training": {**spiral()["training"], "epochs": 1}}))
    assert cli_main(["train", str(project), "--out", str(tmp_path / "m.npz"), "--quiet"]) == 0
    wf = load_weights(tmp_path / "m.npz")
    meta = {k: v for k, v in wf.meta.items() if k != "format"}
    save_weights(tmp_path / "short.npz", wf.arrays, {**meta, "class_names": ["only one"]})
    return tmp_path / "short.npz", "class_names"


CASES = [deep, huge_integer, superscript_class, enormous_class, nul_data_path, fifo_project, device,
         short_class_names]


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev are POSIX")
@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_open_refuses_a_hostile_file_with_one_dialog(make_window, dialogs, tmp_path, case):
    window = make_window()
    before = window.document.project
    path, needle = case(tmp_path)
    assert window.files.open(path) is False
    critical = dialogs.of("critical")
    assert len(critical) == 1, dialogs.calls
    _, title, text = critical[0]
    assert title.startswith("Cannot open") and needle in text and "\n" not in text, text
    assert window.document.project is before
    assert window.session.prepared is not None and window.session.data_error is None


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_as_data_ends_loading_with_a_message(make_window, dialogs, tmp_path, qtbot):
    os.mkfifo(tmp_path / "data.csv")
    obj = spiral()
    obj["data"] = {"source": "csv", "path": "data.csv", "target": "y"}
    project = write(tmp_path / "fifo_data.json", json.dumps(obj))
    window = make_window()
    assert window.files.open(project) is True
    qtbot.waitUntil(lambda: window.session.data_error is not None, timeout=5000)
    assert "FIFO" in window.session.data_error
    can, why = window.session.can_train([])
    assert not can and "FIFO" in why and "still loading" not in why


def test_training_the_reopened_window_still_works(make_window, dialogs, ui, tmp_path):
    window = make_window()
    path, _ = nul_data_path(tmp_path)
    window.files.open(path)
    ui.set_field(window, "training_epochs", "1")
    ui.train(window)
    assert window.session.trainer.epoch == 1 and np.all(np.isfinite(window.session.network.params))
