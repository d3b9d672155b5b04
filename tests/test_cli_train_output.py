"""What `layerlab train` prints (issue 13, item 13): a progress bar with the loss and the main metric on a terminal,
one short line per epoch otherwise, every metric with --verbose; the weights go to the current folder by default."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from core import cli


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def project(folder: Path, epochs: int = 6) -> Path:
    obj = {"format": "layerlab/1", "name": "tiny",
           "data": {"source": "builtin", "name": "gauss", "samples": 200, "noise": 0.1},
           "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                                {"type": "dense", "units": 1, "activation": "sigmoid"}]},
           "training": {"loss": "binary_crossentropy", "optimizer": "adam", "batch_size": 20, "epochs": epochs}}
    path = folder / "tiny.json"
    path.write_text(json.dumps(obj))
    return path


def train(*args, stderr=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = cli.main(["train", *map(str, args)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_not_a_terminal_one_short_line_per_epoch(tmp_path):
    code, out, err = train(project(tmp_path), "--out", tmp_path / "m.npz")
    assert code == 0, err
    lines = out.strip().splitlines()
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 6 and err == ""
    for line in epochs:
        words = line.split()
        assert words[2::2] == ["loss", "accuracy", "val_loss", "val_accuracy"], line
        assert len(line) < 100
    assert max(len(line) for line in lines if "written to" not in line) < 140
    assert "precision" not in out and "auc" not in out


def test_verbose_prints_every_metric(tmp_path):
    code, out, _ = train(project(tmp_path), "--out", tmp_path / "m.npz", "--verbose")
    assert code == 0
    epochs = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert len(epochs) == 6
    assert all(name in epochs[0] for name in ("precision", "recall", "f1", "auc", "val_auc"))
    summary = next(line for line in out.splitlines() if line.startswith("finished after"))
    assert "precision" in summary                                # the summary too


def test_quiet_and_verbose_exclude_each_other(tmp_path):
    code, _, err = train(project(tmp_path), "--quiet", "--verbose")
    assert code == 2 and "not allowed with argument" in err


def test_a_terminal_gets_a_progress_bar_with_loss_and_accuracy(tmp_path):
    err = Terminal()
    code, out, text = train(project(tmp_path), "--out", tmp_path / "m.npz", stderr=err)
    assert code == 0, text
    assert not [line for line in out.splitlines() if line.startswith("epoch ")]     # no line per epoch on stdout
    frames = text.split("\r")
    assert len(frames) > 3 and "epoch 6/6" in frames[-1] and "100%" in text
    assert "loss " in frames[-1] and "accuracy " in frames[-1]
    assert "finished after 6 epochs" in out


def test_the_default_output_is_in_the_current_folder(tmp_path, monkeypatch):
    shared = tmp_path / "examples"
    shared.mkdir()
    path = project(shared)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, out, err = train(path, "--quiet")
    assert code == 0, err
    assert (work / "tiny.weights.npz").is_file() and not (shared / "tiny.weights.npz").exists()
    assert "weights written to tiny.weights.npz" in out


def test_the_readme_example_leaves_the_examples_folder_alone(tmp_path, monkeypatch):
    example = Path(__file__).resolve().parents[1] / "resources" / "examples" / "spiral.json"
    copy = tmp_path / "examples"
    shutil.copytree(example.parent, copy)
    before = sorted(p.name for p in copy.iterdir())
    monkeypatch.chdir(tmp_path)
    code, _, err = train(copy / "spiral.json", "--epochs", 1, "--history", "h.csv", "--quiet")
    assert code == 0, err
    assert sorted(p.name for p in copy.iterdir()) == before
    assert (tmp_path / "spiral.weights.npz").is_file() and (tmp_path / "h.csv").is_file()
