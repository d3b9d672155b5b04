"""What the PyTorch and Keras scripts share: the weights file beside them, the header, reading raw inputs,
printing predictions, and rendering numbers so they parse back to the very same value.

A script is a standalone, readable `.py`: the architecture is written out layer by layer, the weights live in a
LayerLab weights file next to it (`NAME.weights.npz`, read with `np.load(allow_pickle=False)`), so the script
stays small whatever the model's size and the same weights file also opens in LayerLab.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Callable

from ..fileio import same_file, write_files
from ..model_files.weights_file import weights_writer
from .common import ExportError, Heads, heads, export_meta, producer_version, raw_feature_names


def plain(text: str) -> str:
    """User text (a project, column or class name) made safe inside a generated comment or docstring: no line
    breaks or other control characters, no backslash escapes, no quote that could close the docstring."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return text.replace("\\", "/").replace('"', "'")


def num(value: float) -> str:
    """A Python literal that evaluates to exactly `value` (repr is the shortest round-tripping text)."""
    return repr(float(value))


def num_list(values, indent: int = 8, width: int = 110) -> str:
    """A list literal of exact floats, wrapped onto lines of at most `width` characters when long."""
    return wrapped_list([num(v) for v in values], indent, width)


def wrapped_list(items: list[str], indent: int = 0, width: int = 110) -> str:
    """`[a, b, ...]` from item literals, one line if short, else wrapped and indented by `indent` + 4."""
    one_line = "[" + ", ".join(items) + "]"
    if len(one_line) + indent <= width - 30:
        return one_line
    pad = " " * (indent + 4)
    lines: list[str] = []
    for item in items:  # break between items only: an item may itself contain spaces ("mean radius")
        if lines and len(pad) + len(lines[-1]) + len(item) + 2 <= width:
            lines[-1] += f" {item},"
        else:
            lines.append(f"{item},")
    return "[\n" + "\n".join(pad + line for line in lines) + "\n" + " " * indent + "]"


def weights_path_for(script: Path) -> Path:
    """model.py -> model.weights.npz, in the same folder."""
    return script.with_name(f"{script.stem}.weights.npz")


def write_script(model, out: Path, render: Callable[[object, str], str]) -> list[Path]:
    """Render the script for `model`, then write it and its weights file all-or-nothing.

    When the weights file would be the very file the model was loaded from (`train` writes spiral.weights.npz,
    the script is spiral.py), that file is kept as it is: it already holds these arrays, and it may hold training
    state (a checkpoint) that rewriting would drop; the script reads only the `layers.*` arrays."""
    out = Path(out)
    weights = weights_path_for(out)
    source = render(model, weights.name)
    compile(source, str(out), "exec")  # a generated script that does not compile is a bug: never write it
    writers = {out: lambda tmp: tmp.write_text(source, encoding="utf-8")}
    origin = getattr(model.file, "path", None)
    if not (origin is not None and weights.is_file() and same_file(origin, weights)):
        writers[weights] = weights_writer(model.network.state_dict(), export_meta(model), name=str(weights))
    write_files(writers, "export")
    return [out, weights]


def docstring(model, framework: str, weights_name: str, script_name: str, needs: str) -> str:
    out = heads(model.meta, model.network.output_width)
    name = plain(model.project.name or "model")
    features = ", ".join(plain(n) for n in raw_feature_names(model))
    width = model.preprocessor.raw_width
    if out.kind == "classification":
        prints = f"a 'class' column and one probability per class ({', '.join(plain(n) for n in out.names)})"
    elif out.kind == "multilabel":
        prints = f"one probability per label ({', '.join(plain(n) for n in out.names)})"
    else:
        prints = f"one column per target ({', '.join(plain(n) for n in out.names)})"
    def para(text: str) -> str:
        return textwrap.fill(text, width=110, break_long_words=False, break_on_hyphens=False)

    return "\n".join([
        '"""' + f"LayerLab model '{name}' ({plain(model.meta.get('task'))}) as a {framework}.",
        "",
        para(f"Exported by LayerLab {producer_version()}. Inputs: {width} raw columns ({features}). The "
             "preprocessing LayerLab fitted (feature crosses, then scaling) is the model's first layer, so the model "
             f"takes the same raw values as LayerLab does. Weights: {plain(weights_name)} next to this file, a "
             "LayerLab weights file (an .npz that NumPy reads without pickle)."),
        "",
        f"    python {plain(script_name)} INPUTS [--weights FILE] [--out PREDICTIONS.csv]",
        "",
        para("INPUTS is a CSV file (a header row is optional; when it names the columns above they are picked by "
             f"name and other columns are ignored) or an .npy/.npz array of shape (n, {width}). Prints CSV: "
             f"{prints}. Needs {needs}."),
        '"""',
    ])


def constants(model) -> str:
    out: Heads = heads(model.meta, model.network.output_width)
    return "\n".join([
        f"TASK = {json.dumps(model.meta.get('task'))}",
        "# The raw input columns, in order, and the classes, labels or targets of the outputs.",
        f"FEATURE_NAMES = {wrapped_list([json.dumps(n) for n in raw_feature_names(model)])}",
        f"OUTPUT_NAMES = {wrapped_list([json.dumps(n) for n in out.names])}",
    ])


# Reading inputs and writing predictions: plain NumPy, the same in both scripts.
IO_FUNCTIONS = '''
def read_inputs(path: str) -> np.ndarray:
    """Raw inputs (n, len(FEATURE_NAMES)) as float64, from a CSV file or an .npy/.npz array."""
    if path.lower().endswith((".npy", ".npz")):
        data = np.load(path, allow_pickle=False)
        if isinstance(data, np.lib.npyio.NpzFile):
            with data:
                X = data["X"] if "X" in data.files else data[data.files[0]]
        else:
            X = data
    else:
        with open(path, newline="", encoding="utf-8") as handle:
            sample = handle.read(65536)
            handle.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\\t")
            except csv.Error:
                dialect = csv.excel
            rows = [row for row in csv.reader(handle, dialect) if row]
        header = rows[0] if rows and not _all_numbers(rows[0]) else None
        body = rows[1:] if header else rows
        if header and all(name in header for name in FEATURE_NAMES):
            picked = [header.index(name) for name in FEATURE_NAMES]
            body = [[row[j] for j in picked] for row in body]
        X = np.array(body, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(FEATURE_NAMES):
        raise SystemExit(f"error: {path}: expected inputs of shape (n, {len(FEATURE_NAMES)}), got {X.shape}")
    return X


def _all_numbers(row) -> bool:
    try:
        [float(cell) for cell in row]
    except ValueError:
        return False
    return True


def predictions_csv(outputs: np.ndarray) -> str:
    """Classification: the most probable class and one probability per class (one sigmoid unit p gives
    [1 - p, p]); multilabel: one probability per label; regression: one column per target."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\\n")
    if TASK in ("binary", "multiclass"):
        probabilities = np.hstack([1 - outputs, outputs]) if outputs.shape[1] == 1 else outputs
        writer.writerow(["class", *(f"p_{name}" for name in OUTPUT_NAMES)])
        for row in probabilities:
            writer.writerow([OUTPUT_NAMES[int(np.argmax(row))], *(f"{p:.9g}" for p in row)])
    else:
        writer.writerow([f"p_{name}" if TASK == "multilabel" else name for name in OUTPUT_NAMES])
        for row in outputs:
            writer.writerow([f"{v:.9g}" for v in row])
    return buffer.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", help="CSV file or .npy/.npz array of raw inputs")
    parser.add_argument("--weights", default=str(WEIGHTS), help="LayerLab weights file (default: %(default)s)")
    parser.add_argument("--out", help="write the predictions here instead of printing them")
    args = parser.parse_args(argv)
    model = load_weights(build_model(), args.weights)
    text = predictions_csv(predict(model, read_inputs(args.inputs)))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def cross_expressions(pre, column: Callable[[int], str], sin: str) -> list[tuple[str, str]]:
    """(expression, feature name) per crossed feature, from `column(j)` (raw column j) and the `sin` function."""
    lines = []
    for cross in pre.crosses:
        op, inputs = cross["op"], cross["inputs"]
        a = column(inputs[0])
        if op == "identity":
            expr = a
        elif op == "square":
            expr = f"{a} * {a}"
        elif op == "product":
            expr = f"{a} * {column(inputs[1])}"
        elif op == "sin":
            expr = f"{sin}({a})"
        else:
            raise ExportError(f"preprocessing: feature cross op {op!r} cannot be written as code")
        lines.append((expr, plain(cross["name"])))
    return lines
