"""Outputs never destroy inputs: every command that writes refuses to write onto a file it reads (however the path
is spelt: "..", a symlink, a hard link), refuses FIFOs and devices, writes through a symlink to a regular file, keeps
an existing --out when a run diverges, cleans its temporary file on SIGTERM and sweeps temporaries a killed run left
behind."""
import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.fileio import FileWriteError, atomic_write_text, output_target, sweep_stale_temporaries, write_files
from core.model_files import load_weights

ROOT = Path(__file__).resolve().parents[1]


def project(folder: Path, data=None, epochs=2, name="p.json") -> Path:
    obj = {
        "format": "layerlab/1", "name": "tiny",
        "data": data or {"source": "builtin", "name": "gauss", "samples": 120, "noise": 0.1},
        "model": {"layers": [{"type": "dense", "units": 4, "activation": "tanh"},
                             {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 20,
                     "epochs": epochs, "seed": 1},
    }
    path = folder / name
    path.write_text(json.dumps(obj))
    return path


def diverging_project(folder: Path) -> Path:
    """Linear regression by SGD at a learning rate of 1e6: the weights overflow within an epoch."""
    obj = {"format": "layerlab/1", "name": "boom",
           "data": {"source": "builtin", "name": "sine", "samples": 100},
           "model": {"layers": [{"type": "dense", "units": 1}]},
           "training": {"loss": "mse", "optimizer": {"name": "sgd", "lr": 1e6}, "batch_size": 10, "epochs": 20}}
    path = folder / "boom.json"
    path.write_text(json.dumps(obj))
    return path


def csv_project(folder: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(60, 2))
    data = folder / "data.csv"
    data.write_text("a,b,y\n" + "".join(f"{a:.4f},{b:.4f},{int(a + b > 0)}\n" for a, b in rows))
    return project(folder, {"source": "csv", "path": "data.csv", "target": "y"}), data


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    code, _, err = run("train", project(folder), "--out", folder / "m.npz", "--quiet")
    assert code == 0, err
    (folder / "in.csv").write_text("x1,x2\n0.1,0.2\n-0.5,1.0\n")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.is_symlink()}


# --- item 1: never onto an input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["plain", "dotdot", "symlink", "hardlink"])
@pytest.mark.parametrize("target", ["model", "input"])
def test_predict_refuses_to_write_onto_its_model_or_input(tmp_path, trained, spelling, target):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "sub").mkdir()
    for name in ("m.npz", "in.csv"):
        (folder / name).write_bytes((trained / name).read_bytes())
    victim = folder / ("m.npz" if target == "model" else "in.csv")
    out = {"plain": victim, "dotdot": folder / "sub" / ".." / victim.name}.get(spelling)
    if spelling == "symlink":
        out = folder / "link"
        out.symlink_to(victim)
    if spelling == "hardlink":
        out = folder / "hard"
        os.link(victim, out)
    before = snapshot(folder)
    code, _, err = run("predict", folder / "m.npz", folder / "in.csv", "--out", out)
    assert_one_line_error(code, err, "--out", "which this command reads",
                          "the model file" if target == "model" else "the input file")
    assert snapshot(folder) == before


@pytest.mark.parametrize("option", ["--out", "--history"])
@pytest.mark.parametrize("victim", ["project", "data"])
def test_train_refuses_to_write_onto_its_project_or_data(tmp_path, option, victim, monkeypatch):
    path, data = csv_project(tmp_path)
    monkeypatch.chdir(tmp_path)     # the default --out goes to the current folder
    target = path if victim == "project" else tmp_path / "sub" / ".." / data.name
    (tmp_path / "sub").mkdir()
    before = snapshot(tmp_path)
    code, out, err = run("train", path, option, target, "--quiet")
    assert_one_line_error(code, err, option, "which this command reads",
                          "the project file" if victim == "project" else "the data file (data.path)")
    assert snapshot(tmp_path) == before and "epoch" not in out


def test_train_refuses_to_write_onto_its_init_weights_or_checkpoint(tmp_path, trained):
    path = project(tmp_path)
    start = tmp_path / "start.npz"
    start.write_bytes((trained / "m.npz").read_bytes())
    code, _, err = run("train", path, "--init-weights", start, "--out", start)
    assert_one_line_error(code, err, "the --init-weights file")
    code, _, err = run("train", path, "--stop-after", 1, "--checkpoint", "--out", tmp_path / "ck.npz", "--quiet")
    assert code == 0, err
    before = (tmp_path / "ck.npz").read_bytes()
    code, _, err = run("train", path, "--resume", tmp_path / "ck.npz", "--history", tmp_path / "ck.npz")
    assert_one_line_error(code, err, "--history", "the --resume checkpoint")
    assert (tmp_path / "ck.npz").read_bytes() == before


def test_an_idx_label_file_is_an_input_too(tmp_path):
    path = project(tmp_path, {"source": "idx", "images": "i.idx", "labels": "l.idx"})
    for name in ("i.idx", "l.idx"):
        (tmp_path / name).write_bytes(b"x")
    code, _, err = run("train", path, "--out", tmp_path / "l.idx")
    assert_one_line_error(code, err, "the data file (data.labels)")


# --- item 2: regular files only; a symlink is written through -------------------------------------------------------
def test_fifo_and_device_outputs_are_refused(tmp_path, trained):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for out in (fifo, Path("/dev/null")):
        code, _, err = run("predict", trained / "m.npz", trained / "in.csv", "--out", out)
        assert_one_line_error(code, err, "--out", "not a regular file")
        code, _, err = run("train", project(tmp_path), "--out", out)
        assert_one_line_error(code, err, "--out", "not a regular file")
    assert fifo.exists() and not fifo.is_file()          # still a FIFO, never replaced by a regular file
    with pytest.raises(FileWriteError, match="FIFO"):
        atomic_write_text(fifo, "text")
    assert not fifo.is_file()


def test_a_symlinked_output_is_written_through(tmp_path, trained):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    code, _, err = run("predict", trained / "m.npz", trained / "in.csv", "--out", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert real.read_text().startswith("class,")
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to("made.csv")
    write_files({dangling: lambda tmp: tmp.write_text("new")}, "file")
    assert dangling.is_symlink() and (tmp_path / "made.csv").read_text() == "new"


def test_output_target_names_the_file_it_replaces(tmp_path):
    (tmp_path / "a").write_text("a")
    (tmp_path / "l").symlink_to("a")
    assert output_target(tmp_path / "l") == tmp_path / "a"
    assert output_target(tmp_path / "new") == tmp_path / "new"
    with pytest.raises(FileWriteError, match="NUL byte"):
        output_target(str(tmp_path / "a\0b"))


# --- item 3: a diverged run keeps an existing --out; SIGTERM and killed runs leave no temporary file ----------------
def test_a_diverged_run_writes_beside_an_existing_out(tmp_path):
    path = diverging_project(tmp_path)
    out = tmp_path / "m.npz"
    out.write_bytes(b"the user's good model")
    code, _, err = run("train", path, "--out", out, "--checkpoint", "--quiet")
    assert code == 1 and "diverged" in err, err
    assert out.read_bytes() == b"the user's good model"
    beside = tmp_path / "m.last-good.npz"
    assert f"kept the last good weights in {beside} ({out} was left as it was)" in err
    wf = load_weights(beside)
    assert not wf.is_checkpoint and all(np.all(np.isfinite(a)) for a in wf.arrays.values())


def test_a_diverged_run_without_an_existing_out_writes_it(tmp_path):
    path = diverging_project(tmp_path)
    code, _, err = run("train", path, "--out", tmp_path / "m.npz", "--quiet")
    assert code == 1 and f"kept the last good weights in {tmp_path / 'm.npz'}" in err
    assert not (tmp_path / "m.last-good.npz").exists()


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path, monkeypatch):
    path = project(tmp_path)
    out = tmp_path / "m.npz"
    out.write_bytes(b"previous")
    real_savez = np.savez

    def savez_then_sigterm(handle, **arrays):
        real_savez(handle, **arrays)
        os.kill(os.getpid(), signal.SIGTERM)       # arrives half-way through the write
        time.sleep(5)                              # never reached: the handler raises at once

    monkeypatch.setattr(np, "savez", savez_then_sigterm)
    before = signal.getsignal(signal.SIGTERM)
    code, _, err = run("train", path, "--out", out, "--quiet")
    assert code == 128 + signal.SIGTERM and err.strip() == "error: terminated"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "p.json"]
    assert out.read_bytes() == b"previous"
    assert signal.getsignal(signal.SIGTERM) == before        # the command's handler is gone again


def test_stale_temporaries_of_our_naming_are_swept_on_the_next_write(tmp_path):
    target = tmp_path / "m.npz"
    dead = tmp_path / ".m.npz.999999999-abcd1234.tmp"          # a pid that cannot run
    old_style = tmp_path / ".m.npz.k2j3h4g5.tmp"               # before the pid was in the name
    alive = tmp_path / f".m.npz.{os.getpid()}-zzzz.tmp"        # a write in progress in this process
    fresh_old_style = tmp_path / ".m.npz.freshone.tmp"
    other = tmp_path / ".other.npz.999999999-abcd1234.tmp"
    mine = tmp_path / "m.npz.999999999-x.tmp"                  # not hidden: not ours
    for path in (dead, old_style, alive, fresh_old_style, other, mine):
        path.write_bytes(b"x" * 100)
    an_hour_ago = time.time() - 3600
    os.utime(old_style, (an_hour_ago, an_hour_ago))
    atomic_write_text(target, "weights")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert dead.name not in left and old_style.name not in left
    assert {alive.name, fresh_old_style.name, other.name, mine.name, "m.npz"} == set(left)
    assert sweep_stale_temporaries(tmp_path / "other.npz") == [other]
