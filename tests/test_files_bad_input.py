"""Hostile files at every reader: a FIFO or a device never blocks or reads forever, archives that would inflate to
gigabytes are refused before inflating, and deep JSON, huge integers, odd class_weight keys, NUL bytes in paths and
class names that do not fit the outputs each end in one line (exit 1, no traceback) in the command line."""
from __future__ import annotations

import json
import os
import signal
import struct
import sys
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from cli_support import assert_one_line_error, run
from core.data import load_dataset
from core.errors import DataError, WeightsError
from core.model_files import load_model, load_weights

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev are POSIX")


@contextmanager
def deadline(seconds: float = 10.0):
    """Fail (instead of hanging the suite) if the block blocks: SIGALRM interrupts a blocking open() or read()."""
    def expired(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def project(folder: Path, data=None, name="p.json", **training) -> Path:
    obj = {
        "format": "layerlab/1", "name": "tiny",
        "data": data or {"source": "builtin", "name": "gauss", "samples": 100, "noise": 0.1},
        "model": {"layers": [{"type": "dense", "units": 3, "activation": "tanh"},
                             {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "optimizer": "adam", "batch_size": 20, "epochs": 1, **training},
    }
    path = folder / name
    path.write_text(json.dumps(obj))
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    code, _, err = run("train", project(folder), "--out", folder / "m.npz", "--quiet")
    assert code == 0, err
    (folder / "in.csv").write_text("x1,x2\n0.1,0.2\n")
    return folder / "m.npz"


# --- item 4: FIFOs and devices -------------------------------------------------------------------------------------
@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def fifo_at(fifo: Path, name: str) -> Path:
    path = fifo.with_name(name)
    os.rename(fifo, path)
    return path


@pytest.mark.parametrize("command", ["check", "train"])
@pytest.mark.parametrize("source", ["project", "csv", "npz", "idx"])
def test_a_fifo_never_blocks_check_or_train(tmp_path, fifo, command, source):
    if source == "project":
        path, needle = fifo_at(fifo, "p.json"), "project file"
    else:
        names = {"csv": "d.csv", "npz": "d.npz", "idx": "images.idx"}
        data = {"csv": {"source": "csv", "path": "d.csv", "target": "y"}, "npz": {"source": "npz", "path": "d.npz"},
                "idx": {"source": "idx", "images": "images.idx", "labels": "labels.idx"}}[source]
        fifo_at(fifo, names[source])
        path, needle = project(tmp_path, data), names[source]
    with deadline():
        code, _, err = run(command, path)
    assert_one_line_error(code, err, needle, "FIFO", "not a regular file")


@pytest.mark.parametrize("role", ["model", "input"])
def test_a_fifo_never_blocks_predict(model, fifo, role):
    args = [fifo, model.with_name("in.csv")] if role == "model" else [model, fifo]
    with deadline():
        code, _, err = run("predict", *args)
    assert_one_line_error(code, err, "FIFO")


@pytest.mark.parametrize("option", ["--init-weights", "--resume"])
def test_a_fifo_never_blocks_init_weights_or_resume(tmp_path, fifo, option):
    with deadline():
        code, _, err = run("train", project(tmp_path), option, fifo, "--out", tmp_path / "o.npz")
    assert_one_line_error(code, err, "FIFO")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_never_read(tmp_path, model, device):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    with deadline():
        results = [run("check", device), run("predict", device, model.with_name("in.csv")),
                   run("predict", model, device), run("check", project(tmp_path, {"source": "npz", "path": device}))]
    for code, _, err in results:
        assert_one_line_error(code, err, "device", "not a regular file")


def test_a_project_larger_than_the_limit_is_refused_unread(tmp_path, monkeypatch):
    import core.file_input as file_input

    monkeypatch.setattr(file_input, "MAX_PROJECT_BYTES", 1000)
    path = project(tmp_path, description="x" * 2000)
    assert_one_line_error(*run("check", path)[::2], "more than the 1,000 a project file may have")


# --- item 5: archives checked before inflating ---------------------------------------------------------------------
def zeros_member(archive: zipfile.ZipFile, name: str, shape: tuple[int, ...], dtype="<f8") -> None:
    """A deflated .npy member of zeros, streamed (never held in memory)."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0, dtype=dtype))
    header["shape"] = shape
    info = zipfile.ZipInfo(f"{name}.npy")
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as handle:
        np.lib.format.write_array_header_1_0(handle, header)
        left = int(np.prod(shape)) * np.dtype(dtype).itemsize
        block = bytes(1 << 20)
        while left:
            handle.write(block[:min(left, len(block))])
            left -= min(left, len(block))


@pytest.fixture(scope="module")
def stray_model(model, tmp_path_factory) -> Path:
    """The model's weights file plus a 256 MB member of zeros, deflated to about 250 kB."""
    path = tmp_path_factory.mktemp("stray") / "stray.npz"
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, source.read(info))
        zeros_member(archive, "notes", (32 << 20,))
    assert path.stat().st_size < 2 << 20
    return path


def peak_of(call) -> tuple[object, int]:
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as exc:      # the error is the result
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_stray_member_of_a_weights_file_is_refused_before_it_is_inflated(stray_model):
    error, peak = peak_of(lambda: load_model(stray_model))
    assert isinstance(error, WeightsError) and "unexpected array 'notes'" in str(error)
    assert peak < 32 << 20, f"{peak:,} bytes"
    code, _, err = run("predict", stray_model, stray_model.with_name("x.csv"))
    assert_one_line_error(code, err, "unexpected array 'notes'")


def test_a_weights_member_larger_than_the_model_is_refused_before_it_is_inflated(model, tmp_path):
    path = tmp_path / "big.npz"
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "layers.0.weight.npy":
                archive.writestr(info.filename, source.read(info))
        zeros_member(archive, "layers.0.weight", (2, 1 << 24), "<f4")
    error, peak = peak_of(lambda: load_model(path))
    assert isinstance(error, WeightsError) and "declares shape (2, 16777216)" in str(error), error
    assert peak < 32 << 20, f"{peak:,} bytes"


def test_a_data_npz_that_would_inflate_a_thousandfold_is_refused_unread(tmp_path):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        zeros_member(archive, "X", (1 << 16, 1 << 9), "|u1")          # 32 MiB + header
        archive.writestr("y.npy", _npy(np.arange(1 << 16) % 2))
    error, peak = peak_of(lambda: load_dataset({"source": "npz", "path": str(path)}))
    assert isinstance(error, DataError) and "would inflate" in str(error) and "numpy.savez" in str(error), error
    assert peak < 16 << 20, f"{peak:,} bytes"


def test_data_npz_label_rows_are_checked_before_inflating(tmp_path):
    path = tmp_path / "rows.npz"
    np.savez(path, X=np.zeros((10, 2)), y=np.zeros(9))
    with pytest.raises(DataError, match=r"'y' has shape \(9,\); expected \(10,\) or \(10, k\) to match 'X'"):
        load_dataset({"source": "npz", "path": str(path)})


def test_a_gzipped_idx_that_would_inflate_a_thousandfold_is_refused_unread(tmp_path):
    import gzip

    n = 1 << 16
    with gzip.open(tmp_path / "i.idx.gz", "wb") as handle:
        handle.write(struct.pack(">BBBB3I", 0, 0, 8, 3, n, 28, 28))
        for _ in range(n * 784 // (1 << 20) + 1):
            handle.write(bytes(1 << 20)[:min(1 << 20, n * 784)])
    with gzip.open(tmp_path / "l.idx.gz", "wb") as handle:
        handle.write(struct.pack(">BBBBI", 0, 0, 8, 1, n) + bytes(n))
    with pytest.raises(DataError, match="would inflate"):
        load_dataset({"source": "idx", "images": str(tmp_path / "i.idx.gz"), "labels": str(tmp_path / "l.idx.gz")})


def _npy(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# --- item 6: one line instead of a traceback -----------------------------------------------------------------------
def deep_project(tmp_path):
    text = project(tmp_path).read_text()
    (tmp_path / "p.json").write_text(text[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}")
    return tmp_path / "p.json", "nested 5001 levels deep"


def huge_integer_project(tmp_path):
    text = project(tmp_path).read_text().replace('"epochs": 1', '"epochs": ' + "1" * 5000)
    (tmp_path / "p.json").write_text(text)
    return tmp_path / "p.json", "an integer of 5000 digits"


def superscript_key(tmp_path):
    return project(tmp_path, class_weight={"\u00b2": 2.0}), "class indices like \"0\""


def twenty_digit_key(tmp_path):
    return project(tmp_path, class_weight={"99999999999999999999": 2.0}), "at most 6 digits"


def class_beyond_the_data(tmp_path):
    return project(tmp_path, class_weight={"7": 2.0}), "names class 7, but the data has 2 classes"


def nul_in_data_path(tmp_path):
    return project(tmp_path, {"source": "csv", "path": "a\u0000b.csv", "target": "y"}), "NUL byte"


PROJECT_CASES = [deep_project, huge_integer_project, superscript_key, twenty_digit_key, class_beyond_the_data,
                 nul_in_data_path]


@pytest.mark.parametrize("case", PROJECT_CASES, ids=[c.__name__ for c in PROJECT_CASES])
def test_hostile_projects_end_in_one_line(tmp_path, case):
    path, needle = case(tmp_path)
    for command in (("train", path, "--out", tmp_path / "o.npz"),) + ((("check", path),)
                                                                     if case is not class_beyond_the_data else ()):
        assert_one_line_error(*run(*command)[::2], needle)
    assert not (tmp_path / "o.npz").exists()


def rewritten_weights(model: Path, folder: Path, **meta_changes) -> Path:
    wf = load_weights(model)
    meta = {**wf.meta, **meta_changes}
    path = folder / "bad.npz"
    np.savez(path, **{"meta.json": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}, **wf.arrays)
    return path


@pytest.mark.parametrize("names,needle", [
    (["only one"], "class_names has 1 names, but the model has 2"),
    ([0, 1], "class_names must be a list of strings"),
    ("ab", "class_names must be a list of strings"),
    ({"0": "a"}, "class_names must be a list of strings"),
])
def test_class_names_that_do_not_fit_are_refused_by_every_reader(model, tmp_path, names, needle):
    bad = rewritten_weights(model, tmp_path, class_names=names)
    assert_one_line_error(*run("predict", bad, model.with_name("in.csv"))[::2], needle)
    doc = json.loads(_json_export(model, tmp_path).read_text())
    doc["class_names"] = names
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    assert_one_line_error(*run("predict", tmp_path / "bad.json", model.with_name("in.csv"))[::2],
                          needle if isinstance(names, list) and all(isinstance(n, str) for n in names)
                          else "class_names must be a list of strings")


def _json_export(model: Path, folder: Path) -> Path:
    out = folder / "m.json"
    code, _, err = run("export", model, "--format", "json", "--out", out)
    assert code == 0, err
    return out


def test_huge_integers_in_model_files_end_in_one_line(model, tmp_path):
    doc = json.loads(_json_export(model, tmp_path).read_text())
    text = json.dumps(doc).replace('"raw_width": 2', '"raw_width": ' + "2" * 5000)
    (tmp_path / "big.json").write_text(text)
    assert_one_line_error(*run("predict", tmp_path / "big.json", model.with_name("in.csv"))[::2], "5000 digits")
    wf = load_weights(model)
    meta = json.dumps(wf.meta).replace('"raw_width": 2', '"raw_width": ' + "2" * 5000).encode()
    np.savez(tmp_path / "big.npz", **{"meta.json": np.frombuffer(meta, dtype=np.uint8)}, **wf.arrays)
    assert_one_line_error(*run("predict", tmp_path / "big.npz", model.with_name("in.csv"))[::2], "5000 digits")


def test_deep_json_in_safetensors_metadata_ends_in_one_line(model, tmp_path):
    from safetensors.numpy import save_file

    out = tmp_path / "m.safetensors"
    assert run("export", model, "--format", "safetensors", "--out", out)[0] == 0
    from safetensors import safe_open

    with safe_open(str(out), framework="np") as handle:
        metadata = dict(handle.metadata())
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
    metadata["model"] = "[" * 5000 + "]" * 5000
    save_file(tensors, str(tmp_path / "deep.safetensors"), metadata=metadata)
    assert_one_line_error(*run("predict", tmp_path / "deep.safetensors", model.with_name("in.csv"))[::2],
                          "nested 5000 levels deep")


def test_a_deep_json_export_ends_in_one_line(model, tmp_path):
    text = _json_export(model, tmp_path).read_text()
    (tmp_path / "deep.json").write_text(text[:-2] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}")
    assert_one_line_error(*run("predict", tmp_path / "deep.json", model.with_name("in.csv"))[::2], "nested")


def test_npz_integer_labels_with_more_than_1000_classes_are_an_error(tmp_path):
    path = tmp_path / "many.npz"
    np.savez(path, X=np.arange(3000.0)[:, None], y=np.arange(3000) % 1500)
    with pytest.raises(DataError, match="1500 classes, more than the 1000 supported"):
        load_dataset({"source": "npz", "path": str(path)})
    dataset = load_dataset({"source": "npz", "path": str(path), "task": "regression"})
    assert dataset.task == "regression"
