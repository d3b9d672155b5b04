"""The command line: `train`, `predict`, `check` and `export`, headless and free of Qt.

Bad input ends with one line on stderr and a non-zero exit, never a traceback, and never a half-written or
clobbered output file (every output goes to a temporary file first).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence, TextIO

import numpy as np

from .errors import LayerLabError
from .fileio import FileWriteError, atomic_write_text, same_file

EXIT_USAGE = 2
EXIT_ERROR = 1


class CliError(LayerLabError):
    """A problem with the command's arguments."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the default prints the whole usage first)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="layerlab", description="LayerLab: build, train and inspect neural networks. "
        "Without a command, opens the app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", help="train a project headless and write its weights")
    train.add_argument("project", help="project file (.json)")
    train.add_argument("--epochs", type=int, help="set training.epochs: the whole run's length, which a schedule "
                       "spans (with --resume: the total to reach, counting the checkpoint's epochs)")
    train.add_argument("--stop-after", type=int, metavar="N", help="stop after N epochs of this run, keeping "
                       "training.epochs (and so the schedule) as it is; continue later with --checkpoint/--resume")
    train.add_argument("--seed", type=int, help="random seed (overrides the project; not with --resume)")
    start = train.add_mutually_exclusive_group()
    start.add_argument("--init-weights", metavar="W.npz", help="start from these weights instead of a fresh init")
    start.add_argument("--resume", metavar="CKPT.npz", help="continue a checkpoint exactly where it stopped (the "
                       "project must be the checkpoint's; only training.epochs and diagnostics may differ)")
    train.add_argument("--out", metavar="MODEL.npz", help="weights file to write (default: next to the project)")
    train.add_argument("--checkpoint", action="store_true", help="also store optimizer and trainer state")
    train.add_argument("--history", metavar="HISTORY.csv", help="write per-epoch losses and metrics as CSV")
    train.add_argument("--quiet", action="store_true", help="print only the summary")

    predict = sub.add_parser("predict", help="predict with a weights file on raw inputs")
    predict.add_argument("model", help="weights file (.npz) written by LayerLab")
    predict.add_argument("data", help="inputs: .npz (array X) or .csv")
    predict.add_argument("--out", metavar="PRED.csv", help="write predictions here (default: standard output)")

    check = sub.add_parser("check", help="validate a project, load its data and print the layer table")
    check.add_argument("project", help="project file (.json)")

    export = sub.add_parser("export", help="export a weights file to another format")
    export.add_argument("model", help="weights file (.npz) written by LayerLab")
    export.add_argument("--format", required=True, help="onnx, json, safetensors, npz, pytorch or keras")
    export.add_argument("--out", required=True, metavar="FILE", help="output file")
    return parser


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error (or the help)
        return int(exc.code or 0)
    commands = {"train": cmd_train, "predict": cmd_predict, "check": cmd_check, "export": cmd_export}
    if args.command is None:
        parser.print_help(stdout)
        return 0
    try:
        return commands[args.command](args, stdout, stderr)
    except KeyboardInterrupt:
        print("error: interrupted", file=stderr)
        return 130
    except (LayerLabError, FileWriteError) as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}".replace("error: : ", "error: "), file=stderr)
        return EXIT_ERROR
    except MemoryError:
        print("error: out of memory", file=stderr)
        return EXIT_ERROR


# --- train ---------------------------------------------------------------------------------------------------------
def cmd_train(args, stdout: TextIO, stderr: TextIO) -> int:
    from .checks import check_model
    from .events import COMPLETED, BatchEnd, Diverged, EpochEnd, Failed, Finished
    from .model_files import load_model
    from .model_io import build_network, load_data, resume_project
    from .project import load_project
    from .trainer import Trainer

    project = _train_project(args, load_project(args.project))
    outputs = _train_outputs(args)
    checkpoint = None
    if args.resume:
        checkpoint = load_model(args.resume).file
        if not checkpoint.is_checkpoint:
            raise CliError(f"--resume {args.resume} is a weights file without training state; save it with "
                           "--checkpoint, or start from it with --init-weights")
    prepared = load_data(project)
    errors = [p for p in check_model(list(project.layers), project.training.loss, prepared.task, prepared.n_outputs)
              if p.level == "error"]
    if errors:
        raise CliError(f"{errors[0].where}: {errors[0].message}")
    if checkpoint is not None:
        try:
            project = resume_project(project, checkpoint, prepared)
        except LayerLabError as exc:
            raise CliError(f"--resume {args.resume}: {exc}") from None
    network = build_network(project, prepared.input_width)
    trainer = Trainer(network, prepared, project.training)
    if args.init_weights:
        network.load_state_dict(load_model(args.init_weights).file.arrays, args.init_weights)
    if checkpoint is not None:
        network.load_state_dict(checkpoint.arrays, args.resume)
        trainer.load_checkpoint(checkpoint.meta["checkpoint"], checkpoint.optimizer, checkpoint.checkpoint_arrays)
    total = project.training.epochs
    if trainer.epoch >= total:
        raise CliError(f"--resume {args.resume} has already trained {trainer.epoch} epochs, and training.epochs is "
                       f"{total}: nothing to do (give a larger --epochs to train on)")
    this_run = None if args.stop_after is None else min(args.stop_after, total - trainer.epoch)
    interactive = hasattr(stderr, "isatty") and stderr.isatty() and not args.quiet
    start = time.perf_counter()

    def show(event) -> None:
        if isinstance(event, BatchEnd) and interactive:
            done = (event.epoch + (event.batch + 1) / event.batches_per_epoch) / total
            bar = "#" * int(30 * done) + "." * (30 - int(30 * done))
            stderr.write(f"\r[{bar}] epoch {event.epoch + 1}/{total}  loss {event.loss:.4f}  "
                         f"{event.samples_per_second:,.0f} samples/s ")
            stderr.flush()
        elif isinstance(event, EpochEnd) and not interactive and not args.quiet:
            print(f"epoch {event.epoch + 1}/{total}  " + _format_logs(event.logs), file=stdout)

    result = trainer.fit(this_run, listener=show)
    # A run that stops short of training.epochs pauses training: the trainer keeps its last weights, so --resume
    # continues exactly (the best weights come back when training ends).
    paused = isinstance(result, Finished) and result.reason == COMPLETED and trainer.epoch < total
    if interactive:
        stderr.write("\n")
    if isinstance(result, Failed):
        raise CliError(f"training failed: {result.message}")
    out_path = outputs["--out"]
    if isinstance(result, Diverged):
        print(f"error: {result.message}", file=stderr)
        keep = bool(np.all(np.isfinite(network.params)))
        _write_train_outputs(outputs, project, prepared, trainer, args.checkpoint, weights=keep)
        if keep:
            print(f"kept the last good weights in {out_path}", file=stderr)
        return EXIT_ERROR
    _write_train_outputs(outputs, project, prepared, trainer, args.checkpoint)
    elapsed = time.perf_counter() - start
    last = {k: v[-1] for k, v in trainer.history.items()}
    how = result.outcome
    best = f", {result.restored_note}" if result.restored_note else ""
    if paused:
        how, best = f"paused by --stop-after {args.stop_after} (training.epochs is {total})", ""
    print(f"{how} after {result.epochs} epochs ({result.step} steps, {elapsed:.1f} s{best}): {_format_logs(last)}",
          file=stdout)
    if result.test_metrics and not paused:
        print("test: " + _format_logs(result.test_metrics), file=stdout)
    print(f"weights written to {out_path}", file=stdout)
    return 0


def _train_project(args, project):
    """The project with the command line's overrides, after checking the options make sense together."""
    if args.seed is not None and args.resume:
        raise CliError("--seed cannot be used with --resume: a checkpoint continues with its own random generators "
                       "(and keeps its seed)")
    if args.stop_after is not None and args.stop_after < 1:
        raise CliError(f"--stop-after must be a positive integer, got {args.stop_after}")
    changes = {}
    if args.epochs is not None:
        if args.epochs < 1:
            raise CliError(f"--epochs must be a positive integer, got {args.epochs}")
        changes["epochs"] = args.epochs
    if args.seed is not None:
        if args.seed < 0:
            raise CliError(f"--seed must be a non-negative integer, got {args.seed}")
        changes["seed"] = args.seed
    if changes:
        project = project.with_changes(training=project.training.with_changes(**changes))
    return project


def _train_outputs(args) -> dict[str, Path]:
    """The files `train` writes, each folder proven writable now (a temporary file created and removed there), so
    a bad --out or --history shows before training rather than after it."""
    outputs = {"--out": Path(args.out) if args.out else Path(args.project).with_suffix(".weights.npz")}
    if args.history:
        outputs["--history"] = Path(args.history)
        if same_file(outputs["--history"], outputs["--out"]):
            raise CliError(f"--history {args.history} is the --out file; give them different names")
    for option, path in outputs.items():
        _check_writable(path, option)
    return outputs


def _write_train_outputs(outputs: dict[str, Path], project, prepared, trainer, checkpoint: bool,
                         weights: bool = True) -> None:
    """The weights file and the history CSV together: both go to temporary files first and are renamed only once
    both were written, so either both land or neither does."""
    from .fileio import write_files
    from .history_csv import history_csv_text
    from .model_io import model_writer

    writers = {}
    if weights:
        writers[outputs["--out"]] = model_writer(project, prepared, trainer.network, trainer, checkpoint,
                                                 str(outputs["--out"]))
    if "--history" in outputs:
        text = history_csv_text(trainer.history)
        writers[outputs["--history"]] = lambda tmp: tmp.write_text(text, encoding="utf-8")
    if writers:
        write_files(writers, "training output")


def _format_logs(logs: dict[str, float]) -> str:
    keys = [k for k in logs if k != "lr"]
    return "  ".join(f"{k} {logs[k]:.4g}" for k in keys if not (isinstance(logs[k], float) and math.isnan(logs[k])))


def _check_writable(path: Path, option: str) -> None:
    """CliError naming `option` unless a file can be created in `path`'s folder (tried, then removed)."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{option} {path}: folder {folder} does not exist")
    if path.is_dir():
        raise CliError(f"{option} {path} is a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CliError(f"{option} {path}: cannot write in folder {folder} ({exc.strerror or exc})") from None


# --- predict -------------------------------------------------------------------------------------------------------
def cmd_predict(args, stdout: TextIO, stderr: TextIO) -> int:
    from .data import load_features
    from .model_files import load_model

    model = load_model(args.model)
    if args.out:
        _check_writable(Path(args.out), "--out")
    meta = model.meta
    X = load_features(args.data, int(meta["raw_width"]), meta.get("encoder"))
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


# --- check ---------------------------------------------------------------------------------------------------------
def cmd_check(args, stdout: TextIO, stderr: TextIO) -> int:
    from .checks import check_model
    from .data import summarize
    from .early_stopping import check_monitors
    from .model_io import build_network, load_data
    from .project import load_project
    from .training_data import has_validation

    project = load_project(args.project)
    prepared = load_data(project)
    print(f"project: {project.name}", file=stdout)
    for line in summarize(prepared.dataset).lines():
        print(f"  {line}", file=stdout)
    split = f"train {len(prepared.train.y)}"
    if prepared.val is not None:
        split += f", validation {len(prepared.val.y)}"
    if prepared.test is not None:
        split += f", test {len(prepared.test.y)}"
    print(f"  split: {split}; network input width {prepared.input_width}", file=stdout)
    network = build_network(project, prepared.input_width)
    print(layer_table(network), file=stdout)
    problems = check_model(list(project.layers), project.training.loss, prepared.task, prepared.n_outputs)
    for problem in problems:
        print(str(problem), file=stderr if problem.level == "error" else stdout)
    failed = any(p.level == "error" for p in problems)
    try:
        check_monitors(project.training, prepared.task, has_validation(prepared))
    except LayerLabError as exc:
        print(f"error: {exc}", file=stderr)
        failed = True
    return EXIT_ERROR if failed else 0


def layer_table(network) -> str:
    """Keras-style summary: one row per layer with its output shape and parameter count."""
    rows = [("#", "Layer", "Output shape", "Params")]
    rows.append(("", "input", f"(None, {network.input_width})", "0"))
    for row in network.summary():
        params = f"{row.params:,}" + (f" (+{row.non_trainable} fixed)" if row.non_trainable else "")
        rows.append((str(row.index), row.description, f"(None, {row.output_width})", params))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
             for r in rows]
    rule = "-" * len(lines[0])
    total = network.param_count
    fixed = network.buffers.size
    footer = f"Total trainable parameters: {total:,}" + (f"; fixed (running statistics): {fixed:,}" if fixed else "")
    return "\n".join([lines[0], rule, *lines[1:], rule, footer])


# --- export --------------------------------------------------------------------------------------------------------
def cmd_export(args, stdout: TextIO, stderr: TextIO) -> int:
    from .export import ExportError, export_model, resolve_format
    from .model_files import load_model

    model = load_model(args.model)
    _check_writable(Path(args.out), "--out")
    try:
        resolve_format(args.format)
    except ExportError as exc:
        raise CliError(f"--format {exc}") from None
    export_model(model, args.format, args.out)
    print(f"exported {args.model} as {args.format} to {args.out}", file=stdout)
    return 0
