"""Bad input: each case fails with a DataError whose one-line message names the file, the place and the problem.

Property-based tests throw random bytes, random CSV text, corrupted NPZ/IDX files, valid-looking IDX headers (zero
dimensions included) and zip archives of random members at every loader: the only exception allowed out is
DataError.
"""
import codecs
import gzip
import io
import os
import re
import string
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as npst

from core.data import load_dataset, load_features
from core.errors import DataError


def csv_spec(name, **kw):
    return {"source": "csv", "path": name, **kw}


def idx_bytes(array, code=0x08):
    return (struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
            + array.astype(">u1").tobytes())


IMAGES = np.random.default_rng(0).integers(0, 256, (12, 4, 3)).astype(np.uint8)
LABELS = (np.arange(12) % 3).astype(np.uint8)

CSV_CASES = [
    ("empty", b"", {}, r"empty.csv: the file is empty"),
    ("blank", b"  \n\n\r\n", {}, r"blank.csv: the file is empty"),
    ("header only", b"a,b,c\n", {}, r"h.csv: has a header but no data rows"),
    ("short row", b"a,b,c\n1,2,3\n4,5\n", {}, r"line 3: 2 fields where the header has 3"),
    ("long row", b"a,b,c\n1,2,3\n4,5,6,7\n", {}, r"line 3: 4 fields where the header has 3"),
    ("text in numbers", b"a,b,c\n1,2,0\n4,x,1\n", {},
     r"line 3, column 'b': 'x' is not a number, but the column holds numbers \(e.g. '2' on line 2\)"),
    ("number in text", b"a,b,c\n1,x,0\n4,2,1\n6,y,0\n", {},
     r"line 3, column 'b': '2' is a number, but the column holds text"),
    ("inf", b"a,b,c\n1,2,0\n4,-inf,1\n", {}, r"line 3, column 'b': '-inf' is not a finite number"),
    ("overflow", b"a,b,c\n1,2,0\n4,1e999,1\n", {}, r"line 3, column 'b': '1e999' is not a finite number"),
    ("nan is missing", b"a,b,c\n1,2,0\n4,NaN,1\n", {}, r"missing values in 1 row: 'b' 1 row \(first on line 3\)"),
    ("single class", b"a,y\n1,x\n2,x\n", {}, r"target 'y' has a single class \('x'\)"),
    ("constant target", b"a,y\n1,0.5\n2,0.5\n", {"task": "regression"}, r"target 'y' has the same value 0.5 in"),
    ("no such target", b"a,b\n1,2\n", {"target": "species"}, r"data.target: column 'species' not found in"),
    ("target index", b"a,b\n1,2\n", {"target": 5}, r"data.target: column index 5 is out of range; .* has 2 columns"),
    ("duplicate names", b"a,b,a\n1,2,3\n", {}, r"columns 0 and 2 are both named 'a'"),
    ("latin-1", "name,v\ncaf\xe9,1\nthe,2\n".encode("latin-1"), {}, r"line 2 is not UTF-8 text \(byte 0xe9\)"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), {}, r"looks like a binary file"),
    ("utf-16 le", "a,b\n1,0\n2,1\n".encode("utf-16"), {}, r"bad.csv: is UTF-16 text \(it starts with a UTF-16 "
                                                          r"byte-order mark\); save it as UTF-8"),
    ("utf-16 be", codecs.BOM_UTF16_BE + "a,b\n1,0\n".encode("utf-16-be"), {}, r"bad.csv: is UTF-16 text"),
    ("utf-32", "a,b\n1,0\n".encode("utf-32"), {}, r"bad.csv: is UTF-32 text"),
    ("unclosed quote", b'a,b\n1,"2\n3,4\n', {}, r"line 2: a quoted field is never closed"),
    ("old mac", b"a,b\r1,2\r3,4\r", {}, r"bare carriage return"),
    ("only target", b"y\n1\n2\n", {}, r"no feature columns left besides the target 'y'"),
    ("all missing column", b"a,b,y\n1,,0\n2,,1\n", {"missing": "fill"}, r"column 'b': every cell is missing"),
    ("all rows dropped", b"a,b,y\n1,,0\n,2,1\n", {"missing": "drop"}, r"every row has a missing value"),
    ("text target regression", b"a,y\n1,u\n2,v\n", {"task": "regression"}, r"target 'y' holds text"),
    ("too many categories", ("a,y\n" + "".join(f"id{i},{i % 2}\n" for i in range(1001))).encode(), {},
     r"column 'a': more than 1000 different text values"),
]


@pytest.mark.parametrize("case, content, extra, message", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_bad_csv(tmp_path, case, content, extra, message):
    name = {"empty": "empty.csv", "blank": "blank.csv", "header only": "h.csv"}.get(case, "bad.csv")
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        load_dataset(csv_spec(name, **extra), tmp_path)
    assert name in str(err.value) or "data." in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match=r"data file nothere.csv: not found \(looked for .*nothere.csv\)"):
        load_dataset(csv_spec("nothere.csv"), tmp_path)
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match=r"data file folder.csv: is a folder, expected a file"):
        load_dataset(csv_spec("folder.csv"), tmp_path)
    with pytest.raises(DataError, match=r"nothere.npz: not found"):
        load_dataset({"source": "npz", "path": "nothere.npz"}, tmp_path)
    with pytest.raises(DataError, match=r"images file i: not found"):
        load_dataset({"source": "idx", "images": "i", "labels": "l"}, tmp_path)
    with pytest.raises(DataError, match=r"input file x.csv: not found"):
        load_features(tmp_path / "x.csv", 2)
    with pytest.raises(DataError, match=r"is a folder"):
        load_features(tmp_path / "folder.csv", 2)


def test_utf16_prediction_inputs_are_named_as_such(tmp_path):
    (tmp_path / "in.csv").write_bytes("x1,x2\n1,2\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"in.csv: is UTF-16 text .* save it as UTF-8"):
        load_features(tmp_path / "in.csv", 2)


def test_relative_paths_resolve_from_base_dir(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("a,y\n1,0\n2,1\n3,0\n")
    assert load_dataset(csv_spec("sub/d.csv"), tmp_path).n_samples == 3
    assert load_dataset(csv_spec(str(tmp_path / "sub" / "d.csv")), "/nonexistent").n_samples == 3


class Marker:
    """Unpickling this would create a file: the proof that a loader unpickled something."""

    path = ""

    def __reduce__(self):
        return (open, (self.path, "w"))


NPZ_CASES = [
    ("object X", lambda: {"X": np.array([[1, 2]], dtype=object), "y": np.array([1])},
     r"array 'X' holds Python objects \(dtype object\); LayerLab never unpickles"),
    ("1-D X", lambda: {"X": np.arange(5.0), "y": np.arange(5)}, r"array 'X' has shape \(5,\); features must be"),
    ("4-D X", lambda: {"X": np.zeros((2, 2, 2, 2)), "y": np.arange(2)}, r"array 'X' has shape \(2, 2, 2, 2\)"),
    ("y length", lambda: {"X": np.ones((5, 2)), "y": np.arange(4)}, r"'y' has shape \(4,\); expected \(5,\)"),
    ("no y", lambda: {"X": np.ones((5, 2))}, r"needs arrays 'X' and 'y'; found X"),
    ("empty X", lambda: {"X": np.ones((0, 2)), "y": np.arange(0)}, r"array 'X' is empty"),
    ("NaN", lambda: {"X": np.array([[1.0, np.nan]] * 4), "y": np.arange(4) % 2},
     r"array 'X' holds NaN or Inf \(first at index \(0, 1\)\)"),
    ("strings", lambda: {"X": np.array([["a", "b"]] * 4), "y": np.arange(4)}, r"dtype <U1; it must hold real"),
    ("complex", lambda: {"X": np.ones((4, 2)) * 1j, "y": np.arange(4)}, r"dtype complex128"),
    ("single class", lambda: {"X": np.ones((4, 2)), "y": np.ones(4, dtype=int)}, r"target 'y' has a single class"),
    ("half a split", lambda: {"X": np.ones((4, 2)), "y": np.arange(4) % 2, "X_val": np.ones((2, 2))},
     r"'X_val' and 'y_val' come together"),
    ("split width", lambda: {"X": np.ones((4, 2)), "y": np.arange(4) % 2, "X_val": np.ones((2, 3)),
                             "y_val": np.arange(2)}, r"'X_val' has shape \(2, 3\), unlike X \(4, 2\)"),
    ("unknown val label", lambda: {"X": np.ones((4, 2)), "y": np.arange(4) % 2, "X_val": np.ones((2, 2)),
                                   "y_val": np.array([0, 7])}, r"label 7 does not occur in the training labels"),
    ("bad names", lambda: {"X": np.ones((4, 2)), "y": np.arange(4) % 2, "feature_names": np.array(["a"])},
     r"'feature_names' must be 2 strings"),
]


@pytest.mark.parametrize("case, arrays, message", NPZ_CASES, ids=[c[0] for c in NPZ_CASES])
def test_bad_npz(tmp_path, case, arrays, message):
    np.savez(tmp_path / "d.npz", **arrays())
    with pytest.raises(DataError, match=r"d.npz[:,] .*" + message):
        load_dataset({"source": "npz", "path": "d.npz"}, tmp_path)


def test_npz_object_arrays_are_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    Marker.path = str(marker)
    np.savez(tmp_path / "evil.npz", X=np.ones((2, 2)), y=np.array([Marker(), Marker()], dtype=object))
    for call in (lambda: load_dataset({"source": "npz", "path": "evil.npz"}, tmp_path),
                 lambda: load_features(tmp_path / "evil.npz", 2)):
        with pytest.raises(DataError, match=r"array 'y' holds Python objects"):
            call()
    np.save(tmp_path / "evil.npy", np.array([Marker()], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"holds Python objects"):
        load_features(tmp_path / "evil.npy", 1)
    assert not marker.exists()


def test_npz_that_is_not_an_archive_or_is_truncated(tmp_path):
    (tmp_path / "text.npz").write_text("X,y\n1,2\n")
    with pytest.raises(DataError, match=r"text.npz: not an NPZ archive"):
        load_dataset({"source": "npz", "path": "text.npz"}, tmp_path)
    np.savez(tmp_path / "ok.npz", X=np.random.default_rng(0).random((50, 3)), y=np.arange(50) % 2)
    raw = (tmp_path / "ok.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match=r"cut.npz: cannot be read as an NPZ archive"):
        load_dataset({"source": "npz", "path": "cut.npz"}, tmp_path)


def test_npz_members_that_are_not_npy_arrays_are_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "plain.npz", "w") as archive:      # a zip of text members named X and y
        archive.writestr("X", "1 2\n3 4\n")
        archive.writestr("y", "0 1\n")
    for call in (lambda: load_dataset({"source": "npz", "path": "plain.npz"}, tmp_path),
                 lambda: load_features(tmp_path / "plain.npz", 2)):
        with pytest.raises(DataError, match=r"^plain.npz: member 'X' is not a .npy array; an NPZ archive holds only"
                                            r" .npy arrays"):
            call()
    np.savez(tmp_path / "extra.npz", X=np.ones((4, 2)), y=np.arange(4) % 2)
    with zipfile.ZipFile(tmp_path / "extra.npz", "a") as archive:     # valid arrays plus a stray file
        archive.writestr("notes/readme.txt", "hello")
    with pytest.raises(DataError, match=r"extra.npz: member 'notes/readme.txt' is not a .npy array"):
        load_dataset({"source": "npz", "path": "extra.npz"}, tmp_path)


@pytest.mark.parametrize("shape", [(0, 4, 4), (3, 0, 4), (3, 4, 0), (0, 2), (3, 0)])
def test_npz_empty_features_of_any_shape(tmp_path, shape):
    np.savez(tmp_path / "e.npz", X=np.zeros(shape), y=np.arange(shape[0]) % 2)
    message = rf"e.npz: array 'X' is empty \(shape {re.escape(str(shape))}\)"
    with pytest.raises(DataError, match=message):
        load_dataset({"source": "npz", "path": "e.npz"}, tmp_path)
    with pytest.raises(DataError, match=message):
        load_features(tmp_path / "e.npz", 4)


IDX_CASES = [
    ("wrong magic", b"\x00\x00\x07\x03" + bytes(40), r"img: not an IDX images file \(magic number 0x00000703, expected "
                                                     r"0x00000803\)"),
    ("text file", b"hello world, not idx", r"img: not an IDX images file \(magic number 0x68656c6c"),
    ("empty", b"", r"img: not an IDX images file \(magic number an empty file"),
    ("labels as images", idx_bytes(LABELS), r"img: IDX file with 1 dimensions \(magic 0x00000801\); images need 3"),
    ("truncated body", idx_bytes(IMAGES)[:-5], r"img: truncated data for shape \(12, 4, 3\): expected 144 bytes, "
                                               r"found 139"),
    ("truncated header", idx_bytes(IMAGES)[:9], r"img: truncated header"),
    ("trailing bytes", idx_bytes(IMAGES) + b"\x00", r"img: more bytes than the header's shape"),
    ("absurd header", b"\x00\x00\x08\x03" + b"\xff" * 12, r"img: header claims"),
    ("no images of absurd size", b"\x00\x00\x08\x03" + bytes(4) + b"\xff" * 8,
     r"img: header claims shape \(0, 4294967295, 4294967295\), far more than a data file holds"),
    ("absurd shape of zero size", b"\x00\x00\x08\x03" + b"\xff" * 4 + bytes(4) + b"\xff" * 4,
     r"img: header claims shape \(4294967295, 0, 4294967295\)"),
    ("broken gzip", gzip.compress(idx_bytes(IMAGES))[:-12], r"img: cannot be read \(EOFError"),
    ("gzip magic only", b"\x1f\x8b" + bytes(30), r"img: cannot be read"),
    ("no images", idx_bytes(np.zeros((0, 28, 28))), r"img: array 'images' is empty \(shape \(0, 28, 28\)\)"),
    ("zero-width images", idx_bytes(np.zeros((12, 0, 3))), r"img: array 'images' is empty \(shape \(12, 0, 3\)\)"),
]


@pytest.mark.parametrize("case, content, message", IDX_CASES, ids=[c[0] for c in IDX_CASES])
def test_bad_idx(tmp_path, case, content, message):
    (tmp_path / "img").write_bytes(content)
    (tmp_path / "lab").write_bytes(idx_bytes(LABELS))
    with pytest.raises(DataError, match=message):
        load_dataset({"source": "idx", "images": "img", "labels": "lab"}, tmp_path)


def test_idx_label_count_and_magic(tmp_path):
    (tmp_path / "img").write_bytes(idx_bytes(IMAGES))
    (tmp_path / "lab").write_bytes(idx_bytes(LABELS[:11]))
    with pytest.raises(DataError, match=r"lab: 11 labels for the 12 images in img"):
        load_dataset({"source": "idx", "images": "img", "labels": "lab"}, tmp_path)
    (tmp_path / "lab").write_bytes(idx_bytes(IMAGES))
    with pytest.raises(DataError, match=r"lab: IDX file with 3 dimensions .* labels need 1 \(magic 0x00000801\)"):
        load_dataset({"source": "idx", "images": "img", "labels": "lab"}, tmp_path)


# --- property-based: nothing but DataError comes out ------------------------------------------------------------
@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_data_errors(call):
    try:
        call()
    except DataError as exc:
        assert "\n" not in str(exc)


CSV_SPECS = [{}, {"missing": "fill"}, {"missing": "drop", "header": False}, {"target": 0, "task": "regression"},
             {"target": [0, 1], "delimiter": ";"}, {"categorical": [0], "missing": "drop"}, {"delimiter": "space"}]


@FUZZ
@given(data=st.binary(max_size=1500), spec=st.sampled_from(CSV_SPECS))
def test_random_bytes_into_every_loader(scratch, data, spec):
    path = scratch / "fuzz.csv"
    path.write_bytes(data)
    only_data_errors(lambda: load_dataset(csv_spec("fuzz.csv", **spec), scratch))
    only_data_errors(lambda: load_features(path, 2))
    (scratch / "fuzz.npz").write_bytes(data)
    only_data_errors(lambda: load_dataset({"source": "npz", "path": "fuzz.npz"}, scratch))
    only_data_errors(lambda: load_features(scratch / "fuzz.npz", 2))
    (scratch / "lab").write_bytes(idx_bytes(LABELS))
    only_data_errors(lambda: load_dataset({"source": "idx", "images": "fuzz.csv", "labels": "lab"}, scratch))


CELL = st.one_of(
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{0,3})?(e-?[0-9])?", fullmatch=True),
    st.sampled_from(["", "NA", "nan", "inf", "?", "x", "red", "blue", '"a,b"', '"', '""', "1,5", " 2 ", "é", "\t"]),
    st.text(alphabet="ab01,;|\"' \t.-", max_size=6),
)


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=4), min_size=0, max_size=12),
       delimiter=st.sampled_from([",", ";", "\t", "|", " ", "  "]), newline=st.sampled_from(["\n", "\r\n"]),
       spec=st.sampled_from(CSV_SPECS))
def test_random_csv_text(scratch, rows, delimiter, newline, spec):
    path = scratch / "text.csv"
    path.write_text(newline.join(delimiter.join(r) for r in rows) + newline, encoding="utf-8")
    only_data_errors(lambda: load_dataset(csv_spec("text.csv", **spec), scratch))
    only_data_errors(lambda: load_features(path, 3))
    encoder = {"format": "csv", "version": 1, "source_columns": ["col0", "col1", "col2"],
               "features": [{"column": "col0", "type": "numeric", "fill": 0.0},
                            {"column": "col1", "type": "categorical", "categories": ["a", "red"], "fill": "a"}]}
    only_data_errors(lambda: load_features(path, 3, encoder))


def valid_npz_bytes(scratch):
    np.savez_compressed(scratch / "valid.npz", X=np.arange(24.0).reshape(8, 3), y=np.arange(8) % 2,
                        X_test=np.ones((2, 3)), y_test=np.array([0, 1]))
    return (scratch / "valid.npz").read_bytes()


@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.floats(0.5, 1.0))
def test_corrupted_npz_and_idx(scratch, edits, cut):
    for kind, original in (("npz", valid_npz_bytes(scratch)), ("idx", idx_bytes(IMAGES)),
                           ("idx.gz", gzip.compress(idx_bytes(IMAGES)))):
        data = bytearray(original[: max(1, int(len(original) * cut))])
        for where, value in edits:
            data[int(where * len(data))] = value
        name = f"broken.{kind}"
        (scratch / name).write_bytes(bytes(data))
        if kind == "npz":
            only_data_errors(lambda: load_dataset({"source": "npz", "path": name}, scratch))
            only_data_errors(lambda: load_features(scratch / name, 3))
        else:
            (scratch / "lab").write_bytes(idx_bytes(LABELS))
            only_data_errors(lambda: load_dataset({"source": "idx", "images": name, "labels": "lab"}, scratch))
            only_data_errors(lambda: load_dataset({"source": "idx", "images": "lab", "labels": name}, scratch))


IDX_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@st.composite
def idx_files(draw, rows, ndim):
    """Valid-looking IDX files: a known type, mostly `ndim` dimensions, small (often zero) or absurd sizes, and a
    body of exactly the size the header claims, give or take a few bytes."""
    code = draw(st.sampled_from(sorted(IDX_CODES)))
    ndim = draw(st.sampled_from([ndim] * 6 + [0, 1, 2, 3, 4]))
    dims = draw(st.lists(st.sampled_from([0, 1, 2, 3, 4] * 3 + [2 ** 32 - 1]), min_size=ndim, max_size=ndim))
    if dims and draw(st.integers(0, 3)):
        dims[0] = rows
    size = int(np.prod(dims, dtype=np.float64)) * np.dtype(IDX_CODES[code]).itemsize
    size = min(size, 4096) + draw(st.sampled_from([0, 0, 0, -1, 1]))
    body = draw(st.binary(min_size=max(0, size), max_size=max(0, size)))
    raw = bytes([0, 0, code, ndim]) + b"".join(struct.pack(">I", d) for d in dims) + body
    return gzip.compress(raw) if draw(st.booleans()) else raw


@FUZZ
@given(data=st.data(), rows=st.integers(0, 4))
def test_valid_looking_idx_headers(scratch, data, rows):
    for name, ndim in (("img", 3), ("lab", 1), ("timg", 3), ("tlab", 1)):
        (scratch / name).write_bytes(data.draw(idx_files(rows, ndim)))
    only_data_errors(lambda: load_dataset({"source": "idx", "images": "img", "labels": "lab"}, scratch))
    only_data_errors(lambda: load_dataset({"source": "idx", "images": "img", "labels": "lab", "test_images": "timg",
                                           "test_labels": "tlab"}, scratch))


MEMBER_NAME = st.one_of(
    st.sampled_from(["X", "y", "X.npy", "y.npy", "X_val.npy", "y_val.npy", "X_test.npy", "y_test.npy",
                     "feature_names.npy", "class_names.npy", "target_names.npy", "inputs.npy", "dir/", "a/X.npy",
                     "X.txt", ".npy"]),
    st.text(alphabet=string.ascii_letters + string.digits + "._-/", min_size=1, max_size=12))
NPY_DTYPE = st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.uint8, np.bool_, np.complex64, "<U3",
                             "S3", "<M8[s]"])


@st.composite
def npy_bytes(draw, rows):
    """A real .npy serialisation of a random array whose first dimension is often the shared `rows`."""
    shape = draw(st.one_of(st.lists(st.integers(0, 3), max_size=2).map(lambda rest: (rows, *rest)),
                           npst.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)))
    array = draw(npst.arrays(draw(NPY_DTYPE), shape))
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    raw = buffer.getvalue()
    cut = draw(st.sampled_from([len(raw)] * 14 + [len(raw) // 2, 10]))
    return raw[:cut]


ARRAY_NAMES = ["X", "y", "X_val", "y_val", "X_test", "y_test", "feature_names", "class_names", "target_names",
               "inputs"]


@st.composite
def zip_members(draw, rows):
    """{member name: bytes}: either anything, or laid out as numpy.savez writes (.npy members under the names the
    loader looks for), sometimes with one stray member."""
    if draw(st.integers(0, 2)) == 0:
        return draw(st.dictionaries(MEMBER_NAME, st.one_of(st.binary(max_size=80), npy_bytes(rows)), max_size=5))
    names = draw(st.lists(st.sampled_from(ARRAY_NAMES), unique=True, max_size=6))
    members = {f"{name}.npy": draw(npy_bytes(rows)) for name in names}
    if draw(st.integers(0, 4)) == 0:
        members[draw(MEMBER_NAME)] = draw(st.binary(max_size=80))
    return members


@FUZZ
@given(data=st.data(), rows=st.integers(0, 5), compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
def test_zip_archives_with_random_members(scratch, data, rows, compression):
    members = data.draw(zip_members(rows))
    path = scratch / "members.npz"
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    only_data_errors(lambda: load_dataset({"source": "npz", "path": "members.npz"}, scratch))
    only_data_errors(lambda: load_dataset({"source": "npz", "path": "members.npz", "task": "regression"}, scratch))
    for width in (1, 3, 4):
        only_data_errors(lambda: load_features(path, width))


def test_no_temporary_files_left_behind(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b"a,b\n1,2\n3\n")
    with pytest.raises(DataError):
        load_dataset(csv_spec("bad.csv"), tmp_path)
    assert os.listdir(tmp_path) == ["bad.csv"]
