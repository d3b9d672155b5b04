"""`layerlab train PROJECT`: train a project headless and write its weights (and, on request, a checkpoint and the
per-epoch history). While it trains it prints a progress bar (tqdm) with the loss and the main metric on a terminal;
one short line per epoch (loss, main metric and their validation values) when the output is a file or a pipe;
every metric with --verbose; nothing but the summary with --quiet. The run is recorded in the run store
(core/runs) unless `--no-record`; a store that cannot be used costs one warning on stderr, never the run."""
from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import LayerLabError
from ..fileio import same_file
from .common import EXIT_ERROR, CliError, add_store_arguments, check_writable, format_logs

HELP = "train a project headless and write its weights"


def add_arguments(train: argparse.ArgumentParser) -> None:
    train.add_argument("project", help="project file (.json)")
    train.add_argument("--epochs", type=int, help="set training.epochs: the whole run's length, which a schedule "
                       "spans (with --resume: the total to reach, counting the checkpoint's epochs)")
    train.add_argument("--stop-after", type=int, metavar="N", help="stop after N epochs of this run, keeping "
                       "training.epochs (and so the schedule) as it is; continue later with --checkpoint/--resume")
    train.add_argument("--seed", type=int, help="random seed (overrides the project; not with --resume)")
    start = train.add_mutually_exclusive_group()
    start.add_argument("--init-weights", metavar="W.npz", help="start from these weights instead of a fresh init: a "
                       "LayerLab model file, or an .npz / .safetensors matched by name and shape (LayerLab's names, "
                       "or a PyTorch state_dict; see docs/export.md)")
    start.add_argument("--resume", metavar="CKPT.npz", help="continue a checkpoint exactly where it stopped (the "
                       "project must be the checkpoint's; only training.epochs and diagnostics may differ)")
    train.add_argument("--out", metavar="MODEL.npz", help="weights file to write (default: PROJECT.weights.npz in "
                       "the current folder)")
    train.add_argument("--checkpoint", action="store_true", help="also store optimizer and trainer state")
    train.add_argument("--history", metavar="HISTORY.csv", help="write per-epoch losses and metrics as CSV")
    verbosity = train.add_mutually_exclusive_group()
    verbosity.add_argument("--quiet", action="store_true", help="print only the summary")
    verbosity.add_argument("--verbose", action="store_true", help="print every metric of every epoch (default: "
                           "a progress bar on a terminal, else one short line per epoch)")
    add_store_arguments(train, record=True)


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..checks import check_model
    from ..cross_validation.runner import fold_metrics
    from ..events import COMPLETED, Diverged, Failed, Finished
    from ..model_files import load_model
    from ..model_files.foreign import init_arrays
    from ..model_io import build_network, load_data, resume_project
    from ..project import load_project
    from ..trainer import Trainer
    from .diagnose import print_short_diagnosis

    project = _train_project(args, load_project(args.project))
    outputs, reads = _train_outputs(args, project)
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
        network.load_state_dict(init_arrays(args.init_weights, network), args.init_weights)
    if checkpoint is not None:
        network.load_state_dict(checkpoint.arrays, args.resume)
        try:
            trainer.load_checkpoint(checkpoint.meta["checkpoint"], checkpoint.optimizer, checkpoint.checkpoint_arrays)
        except LayerLabError as exc:
            raise CliError(f"--resume {args.resume}: {exc}") from None
    total = project.training.epochs
    if trainer.epoch >= total:
        raise CliError(f"--resume {args.resume} has already trained {trainer.epoch} epochs, and training.epochs is "
                       f"{total}: nothing to do (give a larger --epochs to train on)")
    this_run = None if args.stop_after is None else min(args.stop_after, total - trainer.epoch)
    start = time.perf_counter()
    show = TrainProgress(stdout, stderr, total, trainer.epoch, args.quiet, args.verbose)
    recorder = _recorder(args, project, stderr)
    try:
        result = trainer.fit(this_run, listener=show if recorder is None else _both(recorder, show))
    finally:
        show.close()
    # A run that stops short of training.epochs pauses training: the trainer keeps its last weights, so --resume
    # continues exactly (the best weights come back when training ends).
    paused = isinstance(result, Finished) and result.reason == COMPLETED and trainer.epoch < total
    if isinstance(result, Failed):
        _recorded(recorder, None, stderr)
        raise CliError(f"training failed: {result.message}")
    out_path = outputs["--out"]
    if isinstance(result, Diverged):
        print(f"error: {result.message}", file=stderr)
        keep = bool(np.all(np.isfinite(network.params)))
        if keep and out_path.exists():     # never replace a good model with the weights of a failed run
            outputs = {**outputs, "--out": last_good_path(out_path)}
            check_writable(outputs["--out"], "the last good weights", reads)
        # A diverged run cannot be continued, so no training state is written with its weights.
        _write_train_outputs(outputs, project, prepared, trainer, False, weights=keep)
        if keep:
            left = f" ({out_path} was left as it was)" if outputs["--out"] != out_path else ""
            print(f"kept the last good weights in {outputs['--out']}{left}", file=stderr)
        _recorded(recorder, outputs["--out"] if keep else None, stderr)
        print_short_diagnosis(stdout, project, prepared, trainer, "diverged")
        return EXIT_ERROR
    _write_train_outputs(outputs, project, prepared, trainer, args.checkpoint)
    elapsed = time.perf_counter() - start
    how = result.outcome
    best = f", {result.restored_note}" if result.restored_note else ""
    if paused:
        how, best = f"paused by --stop-after {args.stop_after} (training.epochs is {total})", ""
    # The weights written are the restored epoch's, so the numbers printed are that epoch's, and the line says so.
    shown = f"epoch {result.best_epoch + 1}'s " if best else ""
    logs = fold_metrics(trainer.history, None if paused else result)
    print(f"{how} after {result.epochs} epochs ({result.step} steps, {elapsed:.1f} s{best}): "
          f"{shown}{summary_logs(logs, args.verbose)}", file=stdout)
    if result.test_metrics and not paused:
        print("test: " + summary_logs(result.test_metrics, args.verbose), file=stdout)
    print(f"weights written to {out_path}", file=stdout)
    _recorded(recorder, out_path, stdout)
    print_short_diagnosis(stdout, project, prepared, trainer, result.status)
    return 0


def _recorder(args, project, stderr: TextIO):
    """The run's recorder (None with --no-record): a store that fails is one warning line, training goes on."""
    if args.no_record:
        return None
    from ..runs import RunRecorder

    return RunRecorder(args.runs, project, on_warning=lambda message: print(f"warning: {message}", file=stderr))


def _both(recorder, show):
    def listen(event) -> None:
        recorder(event)
        show(event)
    return listen


def _recorded(recorder, weights: Path | None, out: TextIO) -> None:
    """The weights' path into the run's row, the run's id on `out`, and the store closed."""
    if recorder is None:
        return
    if recorder.active and recorder.run_id is not None:
        if weights is not None:
            recorder.set_weights_path(weights)
        print(f"run {recorder.run_id} recorded in {recorder.store.path} ({recorder.status})", file=out)
    recorder.close()


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


def _train_outputs(args, project) -> tuple[dict[str, Path], list[tuple[str, Path]]]:
    """The files `train` writes, each folder proven writable now (a temporary file created and removed there), so
    a bad --out or --history shows before training rather than after it; neither may be a file `train` reads (the
    project, its data, the --init-weights or --resume file), a FIFO or a device."""
    from ..data import data_files

    # By default the weights land in the current folder (as any command-line tool's output does), never beside an
    # example or a shared project the user only read.
    outputs = {"--out": Path(args.out) if args.out else Path(Path(args.project).with_suffix(".weights.npz").name)}
    if args.history:
        outputs["--history"] = Path(args.history)
        if same_file(outputs["--history"], outputs["--out"]):
            raise CliError(f"--history {args.history} is the --out file; give them different names")
    reads = [("the project file", Path(args.project)), *data_files(project.data, project.base_dir)]
    if args.init_weights:
        reads.append(("the --init-weights file", Path(args.init_weights)))
    if args.resume:
        reads.append(("the --resume checkpoint", Path(args.resume)))
    for option, path in outputs.items():
        check_writable(path, option, reads)
    return outputs, reads


def last_good_path(out: Path) -> Path:
    """m.npz -> m.last-good.npz: where a diverged run keeps its last good weights when --out already exists."""
    suffix = out.suffix or ".npz"
    stem = out.name[:-len(out.suffix)] if out.suffix else out.name
    return out.with_name(f"{stem}.last-good{suffix}")


def _write_train_outputs(outputs: dict[str, Path], project, prepared, trainer, checkpoint: bool,
                         weights: bool = True) -> None:
    """The weights file and the history CSV together: both go to temporary files first and are renamed only once
    both were written, so either both land or neither does."""
    from ..fileio import write_files
    from ..history_csv import history_csv_text
    from ..model_io import model_writer

    writers = {}
    if weights:
        writers[outputs["--out"]] = model_writer(project, prepared, trainer.network, trainer, checkpoint,
                                                 str(outputs["--out"]))
    if "--history" in outputs:
        text = history_csv_text(trainer.history)
        writers[outputs["--history"]] = lambda tmp: tmp.write_text(text, encoding="utf-8")
    if writers:
        write_files(writers, "training output")


# The metric a short line shows beside the loss: the first of these the run computes, else its first metric.
MAIN_METRICS = ("accuracy", "r2", "mae", "rmse", "mse")


def main_metric(logs: dict[str, float]) -> str | None:
    names = [k for k in logs if k not in ("loss", "lr") and not k.startswith(("val_", "layers."))]
    return next((m for m in MAIN_METRICS if m in names), names[0] if names else None)


def short_logs(logs: dict[str, float]) -> str:
    """loss, the main metric and their validation values: a line that fits a terminal."""
    metric = main_metric(logs)
    keys = ["loss", metric, "val_loss", f"val_{metric}"] if metric else ["loss", "val_loss"]
    return format_logs({k: logs[k] for k in keys if k in logs})


def summary_logs(logs: dict[str, float], verbose: bool) -> str:
    return format_logs(logs) if verbose else short_logs(logs)


class TrainProgress:
    """The listener `Trainer.fit` calls with its events; `close()` ends the bar before the summary is printed."""

    def __init__(self, stdout: TextIO, stderr: TextIO, total_epochs: int, first_epoch: int, quiet: bool,
                 verbose: bool):
        self.stdout, self.total, self.quiet, self.verbose = stdout, total_epochs, quiet, verbose
        self.bar = None
        self._metric = ""
        if not quiet and hasattr(stderr, "isatty") and stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total_epochs, initial=first_epoch, file=stderr, unit="epoch", dynamic_ncols=True,
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}{postfix}")
            self._describe(first_epoch)

    def _describe(self, epoch: int) -> None:
        self.bar.set_description_str(f"epoch {min(epoch + 1, self.total)}/{self.total}", refresh=False)

    def __call__(self, event) -> None:
        from ..events import BatchEnd, EpochEnd

        if isinstance(event, BatchEnd) and self.bar is not None:
            done = event.epoch + (event.batch + 1) / event.batches_per_epoch
            self.bar.n = min(done, self.total)
            self._describe(event.epoch)
            loss = f"loss {event.loss:.4g}" if math.isfinite(event.loss) else f"loss {event.loss}"
            self.bar.set_postfix_str("  ".join(p for p in (loss, self._metric) if p), refresh=False)
            self.bar.refresh()
        elif isinstance(event, EpochEnd):
            metric = main_metric(event.logs)
            if metric and metric in event.logs:
                self._metric = f"{metric} {event.logs[metric]:.4g}"
            if self.bar is None and not self.quiet:
                line = format_logs(event.logs) if self.verbose else short_logs(event.logs)
                print(f"epoch {event.epoch + 1}/{self.total}  {line}", file=self.stdout)
            elif self.bar is not None and self.verbose:
                self.bar.write(f"epoch {event.epoch + 1}/{self.total}  {format_logs(event.logs)}",
                               file=self.bar.fp)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
