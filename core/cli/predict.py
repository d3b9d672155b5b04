"""`layerlab predict MODEL DATA`: predictions of a weights file (or export) on raw inputs, as CSV."""
from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path
from typing import TextIO

import numpy as np

from ..fileio import atomic_write_text
from .common import CliError, check_writable

HELP = "predict with a weights file on raw inputs"


def add_arguments(predict: argparse.ArgumentParser) -> None:
    predict.add_argument("model", help="weights file (.npz) written by LayerLab")
    predict.add_argument("data", help="inputs: .npz (array X) or .csv")
    predict.add_argument("--out", metavar="PRED.csv", help="write predictions here (default: standard output)")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..data import load_features
    from ..model_files import load_model

    model = load_model(args.model)
    if args.out:
        check_writable(Path(args.out), "--out", [("the model file", Path(args.model)),
                                                 ("the input file", Path(args.data))])
    meta = model.meta
    X = load_features(args.data, int(meta["raw_width"]), meta.get("encoder"), meta.get("feature_names"),
                      tuple(meta.get("target_names") or ()))
    with np.errstate(over="ignore", invalid="ignore"):
        output = model.predict_raw(X)
    _check_finite_outputs(output, args.model)
    text = predictions_csv(output, meta)
    if args.out:
        atomic_write_text(args.out, text, "predictions file")
        print(f"{output.shape[0]} predictions written to {args.out}", file=stdout)
    else:
        stdout.write(text)
    return 0


def _check_finite_outputs(output: np.ndarray, model: str) -> None:
    """A NaN probability is no prediction: refuse to print or write any rather than exit 0 with them."""
    bad = np.flatnonzero(~np.all(np.isfinite(output), axis=1))
    if bad.size:
        raise CliError(f"{model} gives NaN or Inf outputs for {bad.size} of {output.shape[0]} input rows (first: row "
                       f"{bad[0] + 1}); nothing written. Inputs far outside the range the model was trained on "
                       "overflow its arithmetic")


def predictions_csv(output: np.ndarray, meta: dict) -> str:
    """Classification: a `class` column and one probability column per class; regression: one column per output."""
    task = meta["task"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if task in ("binary", "multiclass"):
        names = meta.get("class_names") or [str(i) for i in range(max(2, output.shape[1]))]
        probs = np.hstack([1 - output, output]) if output.shape[1] == 1 else output
        writer.writerow(["class", *(f"p_{name}" for name in names)])
        labels = np.argmax(probs, axis=1)
        for label, row in zip(labels, probs):
            writer.writerow([names[label], *(f"{p:.6g}" for p in row)])
    else:
        names = meta.get("target_names") or [f"y{i}" for i in range(output.shape[1])]
        if len(names) != output.shape[1]:
            names = [f"y{i}" for i in range(output.shape[1])]
        writer.writerow(names)
        for row in output:
            writer.writerow([f"{v:.6g}" for v in row])
    return buffer.getvalue()
