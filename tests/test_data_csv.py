"""CSV/TSV import: sniffing, column choice, encoding, task inference, missing values, chunking and prediction input.

Expected values are written by hand in the tests or parsed independently with Python's csv module and float().
"""
import csv
import io
import json
from collections import Counter

import numpy as np
import pytest

from core.data import load_dataset, load_features, prepare, summarize
from core.data import csv_table
from core.data.csv_sniff import sniff_layout
from core.data.csv_table import read_table
from core.data.fill import refit_fill
from core.errors import DataError


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def load(tmp_path, name, **spec):
    return load_dataset({"source": "csv", "path": name, **spec}, tmp_path)


FLOWERS = """sepal_length,sepal_width,colour,species
5.1,3.5,red,setosa
4.9,3.0,blue,setosa
6.2,,red,versicolor
5.9,3.0,NA,virginica
6.3,2.8,blue,virginica
5.5,2.4,red,versicolor
"""


# --- delimiters, header, quoting -------------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter, name", [(",", "a.csv"), (";", "a.csv"), ("\t", "a.tsv"), ("\t", "a.txt"),
                                             ("|", "a.csv")])
def test_delimiter_is_sniffed(tmp_path, delimiter, name):
    rows = [["x", "y", "label"], ["1.5", "-2", "a"], ["2.5", "3e2", "b"], ["0", "7", "a"]]
    write(tmp_path, name, "\n".join(delimiter.join(r) for r in rows) + "\n")
    d = load(tmp_path, name, target="label")
    assert d.feature_names == ("x", "y")
    np.testing.assert_array_equal(d.X, [[1.5, -2], [2.5, 300], [0, 7]])
    assert d.encoder["source_columns"] == ["x", "y", "label"]


@pytest.mark.parametrize("text", [
    "x y label\n1.5 -2 a\n2.5 3e2 b\n0 7 a\n",                              # single spaces
    "x    y  label\n  1.5   -2  a\n  2.5  3e2  b\n    0    7  a\n",          # aligned: runs, leading spaces
    "x y label  \r\n1.5 -2 a \r\n2.5 3e2 b\r\n0 7 a   \r\n",                # trailing spaces, CRLF
])
def test_columns_separated_by_runs_of_spaces_are_sniffed(tmp_path, text):
    write(tmp_path, "ws.txt", text)
    assert sniff_layout(tmp_path / "ws.txt").delimiter == " "
    d = load(tmp_path, "ws.txt", target="label")
    assert d.feature_names == ("x", "y") and d.class_names == ("a", "b")
    np.testing.assert_array_equal(d.X, [[1.5, -2], [2.5, 300], [0, 7]])
    np.testing.assert_array_equal(d.y, [0, 1, 0])


def test_space_separated_numbers_without_header(tmp_path):
    write(tmp_path, "ws.csv", "1 2 0\n3 4 1\n5 6 0\n7 8 1\n")
    d = load(tmp_path, "ws.csv")
    assert d.feature_names == ("col0", "col1") and d.task == "binary" and d.n_samples == 4
    np.testing.assert_array_equal(d.X, [[1, 2], [3, 4], [5, 6], [7, 8]])
    np.testing.assert_array_equal(load_features(tmp_path / "ws.csv", 3), [[1, 2, 0], [3, 4, 1], [5, 6, 0], [7, 8, 1]])


def test_spaces_are_not_sniffed_unless_every_line_splits_the_same(tmp_path):
    write(tmp_path, "towns.csv", "New York 3 1\nParis 2 0\nSan Jose 1 1\n")   # 4, 3 and 4 fields
    with pytest.raises(DataError, match=r"^towns.csv: no feature columns left besides the target 'New York 3 1'; the"
                                        r" file reads as a single column .*: set data.delimiter if its fields"):
        load(tmp_path, "towns.csv")
    write(tmp_path, "commas.csv", "a, b, y\n1, 2, 0\n3, 4, 1\n")                # spaces after commas: still commas
    assert sniff_layout(tmp_path / "commas.csv").delimiter == ","
    with pytest.raises(DataError, match=r"one.csv: has 1 columns; the model takes 3 inputs; the file reads as a"
                                        r" single column .*: separate its fields with commas"):
        load_features(write(tmp_path, "one.csv", "1:2:0\n3:4:1\n"), 3)


def test_semicolon_file_with_decimal_commas_picks_the_semicolon_and_explains_the_commas(tmp_path):
    write(tmp_path, "eu.csv", "a;b;c\n1;2,5;x\n4;5,5;y\n")
    with pytest.raises(DataError, match=r"eu.csv line 2, column 'b': '2,5' looks like a number with a decimal comma"):
        load(tmp_path, "eu.csv", target="c", categorical=[])
    # read as text (categorical) it loads, one-hot over the values seen
    d = load(tmp_path, "eu.csv", target="c", categorical=["b"])
    assert d.feature_names == ("a", "b=2,5", "b=5,5")


def test_quotes_bom_crlf_and_spaces(tmp_path):
    text = '\ufeff"name, full",value,"note"\r\n"Smith, J",  1.25 ,"says ""hi"""\r\n"Doe, A",-3,plain\r\n'
    write(tmp_path, "q.csv", text)
    d = load(tmp_path, "q.csv", target="value")
    ref = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), skipinitialspace=True))
    assert d.encoder["source_columns"] == ref[0]
    assert d.feature_names == ('name, full=Doe, A', 'name, full=Smith, J', 'note=plain', 'note=says "hi"')
    np.testing.assert_array_equal(d.y[:, 0], [float(ref[1][1]), float(ref[2][1])])


def test_header_is_detected_by_comparing_the_first_row_with_the_columns_below(tmp_path):
    write(tmp_path, "nohead.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    d = load(tmp_path, "nohead.csv")
    assert d.feature_names == ("col0", "col1") and d.target_names == ("col2",) and d.n_samples == 4
    assert d.task == "binary" and d.class_names == ("0", "1")
    write(tmp_path, "textdata.csv", "red,small\nblue,large\nred,small\n")   # all text, values recur: no header
    d = load(tmp_path, "textdata.csv", target=1)
    assert d.n_samples == 3 and d.feature_names == ("col0=blue", "col0=red")
    assert load(tmp_path, "textdata.csv", target=1, header=True).n_samples == 2      # the explicit override wins


@pytest.mark.parametrize("text, header, names", [
    ("year,2020,label\n1999,5.5,a\n2000,6.5,b\n2001,7,a\n", True, ("year", "2020", "label")),   # a numeric name
    ("colour,size\nred,S\nblue,M\nred,M\n", True, ("colour", "size")),         # text over text, no number: header
    (",a,y\n0,1.5,0\n1,3,1\n2,4,0\n", True, ("col0", "a", "y")),                 # pandas' index column: blank name
    ("name,NA,y\nab,1,0\ncd,2,1\n", True, ("name", "NA", "y")),                   # a missing-token name says nothing
    ("2019,2020,2021\n1,2,0\n3,4,1\n", False, ("col0", "col1", "col2")),         # numbers over numbers: data
    ("id,y\n", True, ("id", "y")),                                              # nothing below: old rule
    ("7,y\n", False, ("col0", "col1")),
])
def test_header_rule(tmp_path, text, header, names):
    write(tmp_path, "h.csv", text)
    layout = sniff_layout(tmp_path / "h.csv")
    assert layout.has_header is header and layout.names == names
    rows = text.count("\n") - header
    if rows > 1:
        assert load(tmp_path, "h.csv", task="classification").n_samples == rows


def test_a_first_row_that_fails_as_data_suggests_the_header_setting(tmp_path):
    write(tmp_path, "typo.csv", "1,x,0\n2,3,1\n4,5,0\n6,7,1\n")              # more columns say data than header
    assert not sniff_layout(tmp_path / "typo.csv").has_header
    with pytest.raises(DataError, match=r"typo.csv line 1, column 'col1': 'x' is not a number, but the column holds"
                                        r" numbers .*; if line 1 holds the column names, set data.header to true$"):
        load(tmp_path, "typo.csv")
    write(tmp_path, "forced.csv", "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match=r"forced.csv line 1, column 'col0': 'a' is not a number.*set data.header to"):
        load(tmp_path, "forced.csv", header=False)
    write(tmp_path, "later.csv", "a,b,y\n1,2,0\n3,x,1\n5,6,0\n")            # a later row: no header hint
    with pytest.raises(DataError, match=r"later.csv line 3, column 'b': 'x' is not a number") as err:
        load(tmp_path, "later.csv")
    assert "data.header" not in str(err.value)


def test_multiline_quoted_field_and_blank_lines(tmp_path):
    write(tmp_path, "m.csv", 'a,b,y\n1,"two\nlines",0\n\n3,x,1\n\n')
    d = load(tmp_path, "m.csv", target="y")
    assert d.feature_names == ("a", "b=two\nlines", "b=x")
    np.testing.assert_array_equal(d.X, [[1, 1, 0], [3, 0, 1]])


# --- targets and task inference ---------------------------------------------------------------------------------
def test_text_target_is_classification_with_sorted_class_names(tmp_path):
    write(tmp_path, "flowers.csv", FLOWERS)
    d = load(tmp_path, "flowers.csv", target="species", missing="drop")
    assert d.task == "multiclass" and d.class_names == ("setosa", "versicolor", "virginica")
    assert d.target_names == ("species",)
    np.testing.assert_array_equal(d.y, [0, 0, 2, 1])        # rows 3 and 4 had missing cells


def test_target_by_index_negative_index_and_several_targets(tmp_path):
    write(tmp_path, "r.csv", "a,b,t1,t2\n0.5,1,1.5,10\n1.5,2,2.5,20\n2.5,4,3.75,15\n3.5,8,0.25,30\n")
    assert load(tmp_path, "r.csv", target=2).target_names == ("t1",)
    d = load(tmp_path, "r.csv", target=-1)
    assert d.task == "regression" and d.target_names == ("t2",) and d.feature_names == ("a", "b", "t1")
    d = load(tmp_path, "r.csv", target=["t1", "t2"])
    assert d.task == "regression" and d.y.shape == (4, 2) and d.n_outputs == 2
    np.testing.assert_array_equal(d.y, [[1.5, 10], [2.5, 20], [3.75, 15], [0.25, 30]])
    d = load(tmp_path, "r.csv", target="a", columns=["t2", "b"])
    assert d.feature_names == ("t2", "b")
    np.testing.assert_array_equal(d.X[:, 0], [10, 20, 15, 30])


@pytest.mark.parametrize("key, refs, message", [
    ("columns", [0, -4], r"data.columns: entries 0 \(0\) and 1 \(-4\) both name column 'a' of r.csv"),
    ("columns", ["a", 0], r"data.columns: entries 0 \('a'\) and 1 \(0\) both name column 'a' of r.csv"),
    ("columns", ["b", "a", 1], r"data.columns: entries 0 \('b'\) and 2 \(1\) both name column 'b'"),
    ("target", ["t2", -1], r"data.target: entries 0 \('t2'\) and 1 \(-1\) both name column 't2' of r.csv"),
])
def test_a_column_listed_twice_by_different_references_is_an_error(tmp_path, key, refs, message):
    write(tmp_path, "r.csv", "a,b,t1,t2\n0.5,1,1.5,10\n1.5,2,2.5,20\n2.5,4,3.75,15\n")
    with pytest.raises(DataError, match=message):
        load(tmp_path, "r.csv", **{key: refs})


def test_numeric_target_inference_and_forcing(tmp_path):
    rows = "\n".join(f"{i * 0.5},{[3, 1, 2][i % 3]}" for i in range(12))
    write(tmp_path, "k.csv", "x,grade\n" + rows + "\n")
    d = load(tmp_path, "k.csv")
    assert d.task == "multiclass" and d.class_names == ("1", "2", "3")
    np.testing.assert_array_equal(d.y, [[3, 1, 2][i % 3] - 1 for i in range(12)])
    r = load(tmp_path, "k.csv", task="regression")
    assert r.task == "regression" and r.y[:3, 0].tolist() == [3.0, 1.0, 2.0]
    write(tmp_path, "f.csv", "x,y\n1,0.5\n2,1.5\n3,0.5\n4,1.5\n")
    assert load(tmp_path, "f.csv").task == "regression"
    c = load(tmp_path, "f.csv", task="classification")
    assert c.task == "binary" and c.class_names == ("0.5", "1.5")
    write(tmp_path, "pm.csv", "x,y\n1,-1\n2,1\n3,-1\n4,1\n")
    assert load(tmp_path, "pm.csv").class_names == ("-1", "1")


def test_several_01_targets_are_multilabel_or_one_hot_multiclass(tmp_path):
    write(tmp_path, "ml.csv", "x,a,b\n1,1,0\n2,1,1\n3,0,0\n4,0,1\n")
    d = load(tmp_path, "ml.csv", target=["a", "b"])
    assert d.task == "multilabel" and d.class_names == ("a", "b") and d.n_outputs == 2 and d.n_classes == 2
    np.testing.assert_array_equal(d.y, [[1, 0], [1, 1], [0, 0], [0, 1]])
    write(tmp_path, "oh.csv", "x,cat,dog,eel\n1,1,0,0\n2,0,0,1\n3,0,1,0\n4,0,0,1\n")
    d = load(tmp_path, "oh.csv", target=["cat", "dog", "eel"])
    assert d.task == "multiclass" and d.class_names == ("cat", "dog", "eel")
    np.testing.assert_array_equal(d.y, [0, 2, 1, 2])
    assert load(tmp_path, "oh.csv", target=["cat", "dog", "eel"], task="regression").task == "regression"


# --- features ----------------------------------------------------------------------------------------------------
def test_categorical_features_are_one_hot_and_can_be_forced(tmp_path):
    write(tmp_path, "c.csv", "zip,size,price\n75001,S,10\n13001,M,12\n75001,L,9\n69001,M,11\n")
    d = load(tmp_path, "c.csv", target="price")
    assert d.feature_names == ("zip", "size=L", "size=M", "size=S")
    np.testing.assert_array_equal(d.X[:, 1:], [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    d = load(tmp_path, "c.csv", target="price", categorical=["zip"])
    assert d.feature_names[:3] == ("zip=13001", "zip=69001", "zip=75001")
    np.testing.assert_array_equal(d.X[:, :3], [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert d.encoder["features"][0] == {"column": "zip", "type": "categorical",
                                        "categories": ["13001", "69001", "75001"], "fill": None}


# --- missing values -----------------------------------------------------------------------------------------------
def test_missing_values_error_by_default_with_a_report(tmp_path):
    write(tmp_path, "flowers.csv", FLOWERS)
    with pytest.raises(DataError) as err:
        load(tmp_path, "flowers.csv", target="species")
    message = str(err.value)
    assert "flowers.csv: missing values in 2 rows" in message
    assert "'sepal_width' 1 row (first on line 4)" in message and "'colour' 1 row (first on line 5)" in message
    assert '"drop"' in message and '"fill"' in message and "\n" not in message


def test_missing_values_drop_and_fill(tmp_path):
    write(tmp_path, "flowers.csv", FLOWERS)
    d = load(tmp_path, "flowers.csv", target="species", missing="drop")
    np.testing.assert_array_equal(d.X, [[5.1, 3.5, 0, 1], [4.9, 3.0, 1, 0], [6.3, 2.8, 1, 0], [5.5, 2.4, 0, 1]])
    assert d.encoder["missing"] == {"policy": "drop", "counts": {"sepal_width": 1, "colour": 1}, "rows_dropped": 2}
    f = load(tmp_path, "flowers.csv", target="species", missing="fill")
    mean = (3.5 + 3.0 + 3.0 + 2.8 + 2.4) / 5                     # mean of the present sepal widths
    assert f.X[2, 1] == pytest.approx(mean) and f.X[3, 2:].tolist() == [0, 1]   # colour: red is most frequent
    assert f.encoder["features"][1]["fill"] == pytest.approx(mean)
    assert f.encoder["features"][2]["fill"] == "red"
    assert summarize(f).columns[1].missing == 1


def gappy_csv(rows: int = 60) -> str:
    """Numeric 'a' and text 'colour' with missing cells; the later rows hold large values and mostly 'blue', so
    fill values over all rows differ from those over any training split."""
    lines = ["a,colour,y"]
    for i in range(rows):
        a = "" if i % 6 == 0 else (f"{i * 0.5}" if i % 4 else f"{100 + i}")
        colour = "" if i % 5 == 2 else ("blue" if i % 4 == 0 or i % 3 == 0 else "red")
        lines.append(f"{a},{colour},{i % 2}")
    return "\n".join(lines) + "\n"


def test_fill_values_come_from_the_training_rows_only(tmp_path):
    path = write(tmp_path, "gaps.csv", gappy_csv())
    d = load(tmp_path, "gaps.csv", missing="fill")
    p = prepare(d, {"split": {"val": 0.3, "test": 0.2}, "scaling": "none", "seed": 4})
    rows = list(csv.reader(io.StringIO(path.read_text())))[1:]
    train = p.train.rows.tolist()
    a_train = [float(rows[i][0]) for i in train if rows[i][0]]
    colours = Counter(rows[i][1] for i in train if rows[i][1])
    colour = min(colours, key=lambda c: (-colours[c], c))              # most frequent, alphabetically first on ties
    mean = sum(a_train) / len(a_train)
    assert d.encoder["features"][0]["fill"] != pytest.approx(mean)     # the all-rows value at load time differs
    fills = [f["fill"] for f in p.dataset.encoder["features"]]
    assert fills[0] == pytest.approx(mean, rel=1e-12) and fills[1] == colour
    assert (colour, d.encoder["features"][1]["fill"]) in (("red", "blue"), ("blue", "red"))   # the test means it
    held_out = np.concatenate([p.val.rows, p.test.rows])
    gaps = [i for i in held_out if not rows[i][0]]
    assert gaps and all(p.dataset.X[i, 0] == fills[0] for i in gaps)
    val_gaps = [k for k, i in enumerate(p.val.rows) if not rows[i][0]]
    np.testing.assert_array_equal(p.val.X[val_gaps, 0], fills[0])
    one_hot = {"blue": [1, 0], "red": [0, 1]}[colour]
    assert all(p.dataset.X[i, 1:].tolist() == one_hot for i in range(len(rows)) if not rows[i][1])
    present = [i for i in range(len(rows)) if rows[i][0]]
    np.testing.assert_array_equal(p.dataset.X[present, 0], [float(rows[i][0]) for i in present])
    assert d.X[gaps[0], 0] != fills[0]                                 # the loaded dataset is left as it was
    # the encoder saved with a model carries the training-row values to prediction
    write(tmp_path, "new.csv", "a,colour\n,\n2.5,red\n")
    np.testing.assert_allclose(load_features(tmp_path / "new.csv", 3, p.dataset.encoder), [[mean, *one_hot],
                                                                                          [2.5, 0, 1]])
    # scaling is fitted on the refilled training rows
    s = prepare(d, {"split": {"val": 0.3, "test": 0.2}, "scaling": "standard", "seed": 4})
    np.testing.assert_allclose(s.preprocessor.offset, p.dataset.X[p.train.rows].mean(axis=0), rtol=1e-12)


def test_fill_without_a_split_uses_every_row_and_a_column_missing_in_all_training_rows_is_an_error(tmp_path):
    write(tmp_path, "gaps.csv", gappy_csv())
    d = load(tmp_path, "gaps.csv", missing="fill")
    p = prepare(d, {"split": {"val": 0.0, "test": 0.0}})
    assert p.dataset.encoder == d.encoder
    np.testing.assert_array_equal(p.dataset.X, d.X)
    assert prepare(load(tmp_path, "gaps.csv", missing="drop"), {}).dataset.missing_cells == {}
    gaps = d.missing_cells["a"]
    np.testing.assert_array_equal(gaps, np.arange(0, 60, 6))
    with pytest.raises(DataError, match=r"gaps.csv, column 'a': every training row is missing this value"):
        refit_fill(d, gaps)


@pytest.mark.parametrize("token", ["", "NA", "n/a", "NaN", "null", "None", "?", " na "])
def test_missing_tokens(tmp_path, token):
    write(tmp_path, "t.csv", f"a,y\n1,0\n{token},1\n3,0\n4,1\n")
    assert load(tmp_path, "t.csv", missing="drop").X[:, 0].tolist() == [1, 3, 4]


def test_missing_target_is_never_filled(tmp_path):
    write(tmp_path, "t.csv", "a,y\n1,0\n2,\n3,1\n4,1\n")
    with pytest.raises(DataError, match="targets are never filled"):
        load(tmp_path, "t.csv", missing="fill")
    assert load(tmp_path, "t.csv", missing="drop").n_samples == 3


# --- chunks, progress, and a reference parse ---------------------------------------------------------------------
def random_csv(rng, rows):
    lines = ["a,b,c,word,y"]
    words = ["alpha", "beta", '"gam,ma"', '"multi\nline"']
    for i in range(rows):
        cells = [f"{rng.normal():.6g}", str(int(rng.integers(-5, 5))), f"{rng.uniform(0, 1e6):.3f}",
                 words[int(rng.integers(len(words)))] if i % 97 else words[3], str(i % 3)]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("chunk_rows", [7, 50, 100_000])
def test_chunked_parse_matches_the_csv_module(tmp_path, chunk_rows):
    text = random_csv(np.random.default_rng(1), 600)
    path = write(tmp_path, "big.csv", text)
    layout = sniff_layout(path)
    table = read_table(layout, [0, 1, 2, 3, 4], progress=None, chunk_rows=chunk_rows)
    ref = list(csv.reader(io.StringIO(text, newline="")))[1:]
    np.testing.assert_array_equal(table.values[:, :3], [[float(c) for c in r[:3]] for r in ref])
    words = sorted({r[3] for r in ref})
    assert table.categories[3] == tuple(words)
    assert [words[int(c)] for c in table.values[:, 3]] == [r[3] for r in ref]
    # line numbers count the physical lines of multi-line records
    expected, line = [], 2
    for r in ref:
        expected.append(line)
        line += 1 + r[3].count("\n")
    np.testing.assert_array_equal(table.lines, expected)


def test_progress_is_reported_in_order_up_to_one(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_table, "CHUNK_CELLS", 1000)
    rows = "\n".join(f"{i},{i * 0.5},{i % 2}" for i in range(12_000))
    write(tmp_path, "p.csv", "a,b,y\n" + rows + "\n")
    calls = []
    d = load_dataset({"source": "csv", "path": "p.csv"}, tmp_path, progress=calls.append)
    assert d.n_samples == 12_000 and d.X[-1].tolist() == [11_999, 5999.5]
    assert len(calls) >= 10 and calls == sorted(calls) and calls[-1] == 1.0 and 0 < calls[0] < 0.2


def test_progress_callback_can_cancel(tmp_path):
    write(tmp_path, "p.csv", "a,y\n1,0\n2,1\n")

    class Cancelled(Exception):
        pass

    def cancel(fraction):
        raise Cancelled()

    with pytest.raises(Cancelled):
        load_dataset({"source": "csv", "path": "p.csv"}, tmp_path, progress=cancel)


def test_prepared_csv_has_scaling_fitted_on_training_rows(tmp_path):
    write(tmp_path, "flowers.csv", FLOWERS)
    d = load(tmp_path, "flowers.csv", target="species", missing="fill")
    p = prepare(d, {"split": {"val": 0.0, "test": 0.0}})
    np.testing.assert_allclose(p.preprocessor.offset, d.X.mean(axis=0))
    np.testing.assert_allclose(p.train.X.mean(axis=0), 0, atol=1e-12)


# --- prediction inputs --------------------------------------------------------------------------------------------
def test_load_features_with_the_encoder(tmp_path):
    write(tmp_path, "flowers.csv", FLOWERS)
    d = load(tmp_path, "flowers.csv", target="species", missing="fill")
    encoder = json.loads(json.dumps(d.encoder))                      # as stored with a model
    np.testing.assert_array_equal(load_features(tmp_path / "flowers.csv", d.input_width, encoder), d.X)
    # columns in another order, the target present (ignored) or absent
    write(tmp_path, "new.csv", "colour,species,sepal_width,sepal_length\nblue,x,3.1,5.0\nred,y,,6.0\n")
    X = load_features(tmp_path / "new.csv", 4, encoder)
    np.testing.assert_allclose(X, [[5.0, 3.1, 1, 0], [6.0, d.encoder["features"][1]["fill"], 0, 1]])
    write(tmp_path, "new.csv", "colour,sepal_width,sepal_length\nblue,3.1,5.0\n")
    np.testing.assert_allclose(load_features(tmp_path / "new.csv", 4, encoder), [[5.0, 3.1, 1, 0]])
    # a column the training file did not have is refused, not ignored (a typo would be)
    write(tmp_path, "extra.csv", "colour,extra,sepal_width,sepal_length\nblue,9,3.1,5.0\n")
    with pytest.raises(DataError, match=r"extra.csv: its header names column 'extra', which is neither an input"):
        load_features(tmp_path / "extra.csv", 4, encoder)
    # no header: matched by position, with or without the target column
    write(tmp_path, "nohead.csv", "5.0,3.1,blue,setosa\n")
    np.testing.assert_array_equal(load_features(tmp_path / "nohead.csv", 4, encoder), [[5.0, 3.1, 1, 0]])
    write(tmp_path, "nohead2.csv", "5.0,3.1,blue\n")
    np.testing.assert_array_equal(load_features(tmp_path / "nohead2.csv", 4, encoder), [[5.0, 3.1, 1, 0]])


def test_load_features_errors_with_the_encoder(tmp_path):
    write(tmp_path, "flowers.csv", FLOWERS)
    strict = load(tmp_path, "flowers.csv", target="species", missing="drop")
    write(tmp_path, "green.csv", "sepal_length,sepal_width,colour\n5,3,green\n")
    with pytest.raises(DataError, match=r"green.csv line 2, column 'colour': 'green' was not seen in training"):
        load_features(tmp_path / "green.csv", 4, strict.encoder)
    write(tmp_path, "gap.csv", "sepal_length,sepal_width,colour\n5,,red\n")
    with pytest.raises(DataError, match=r"gap.csv line 2, column 'sepal_width': the value is missing"):
        load_features(tmp_path / "gap.csv", 4, strict.encoder)
    write(tmp_path, "few.csv", "sepal_length,colour\n5,red\n")
    with pytest.raises(DataError, match=r"few.csv: its header has no column 'sepal_width'; the model takes"):
        load_features(tmp_path / "few.csv", 4, strict.encoder)
    write(tmp_path, "few.csv", "a,b\n5,red\n")
    with pytest.raises(DataError, match=r"few.csv: its first line does not name the model's input columns"):
        load_features(tmp_path / "few.csv", 4, strict.encoder)
    with pytest.raises(DataError, match="encoder record is malformed"):
        load_features(tmp_path / "few.csv", 4, {"format": "csv"})


def test_load_features_numbers_only(tmp_path):
    write(tmp_path, "in.csv", "x1,x2\n1,2\n3,4.5\n")
    np.testing.assert_array_equal(load_features(tmp_path / "in.csv", 2), [[1, 2], [3, 4.5]])
    write(tmp_path, "in2.csv", "1,2\n3,4.5\n")
    np.testing.assert_array_equal(load_features(tmp_path / "in2.csv", 2), [[1, 2], [3, 4.5]])
    with pytest.raises(DataError, match=r"in2.csv: has 2 columns; the model takes 3 inputs"):
        load_features(tmp_path / "in2.csv", 3)
    write(tmp_path, "txt.csv", "x1,x2\n1,a\n3,b\n")
    with pytest.raises(DataError, match=r"column 'x2': holds text; the model takes numbers only"):
        load_features(tmp_path / "txt.csv", 2)


def test_load_features_matches_a_header_by_the_models_feature_names(tmp_path):
    names = ("height", "weight")
    write(tmp_path, "swapped.csv", "weight,height\n70,1.8\n55,1.6\n")
    np.testing.assert_array_equal(load_features(tmp_path / "swapped.csv", 2, None, names), [[1.8, 70], [1.6, 55]])
    write(tmp_path, "target.csv", "label,weight,height\n1,70,1.8\n")
    np.testing.assert_array_equal(load_features(tmp_path / "target.csv", 2, None, names, ("label",)), [[1.8, 70]])
    write(tmp_path, "typo.csv", "hieght,weight\n1.8,70\n")
    with pytest.raises(DataError, match=r"typo.csv: its header has no column 'height'; the model takes 'height', "
                                        r"'weight' \(matched by name, in any order\)"):
        load_features(tmp_path / "typo.csv", 2, None, names)
    write(tmp_path, "more.csv", "height,weight,age\n1.8,70,30\n")
    with pytest.raises(DataError, match=r"more.csv: its header names column 'age', which is neither an input"):
        load_features(tmp_path / "more.csv", 2, None, names)
    write(tmp_path, "twice.csv", "height,height,weight\n1.8,1.8,70\n")
    with pytest.raises(DataError, match=r"both named 'height'"):
        load_features(tmp_path / "twice.csv", 2, None, names)
    write(tmp_path, "plain.csv", "70,1.8\n")            # no header: by position, as documented
    np.testing.assert_array_equal(load_features(tmp_path / "plain.csv", 2, None, names), [[70, 1.8]])
