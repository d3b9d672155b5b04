"""`layerlab cv PROJECT`: k-fold cross-validation of a project (core/cross_validation): K models on the training and
validation rows, the test rows held out; a line per fold as it ends, then the per-fold table and mean ± std of
every metric. Each fold is a run in the store, grouped under one cross-validation entry (unless `--no-record`)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from .common import CliError, add_store_arguments, number, table

HELP = "k-fold cross-validation: every fold, mean and std"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project file (.json)")
    parser.add_argument("--folds", type=int, metavar="K", help="set training.cross_validation.folds (default: the "
                        "project's, else 5)")
    parser.add_argument("--plot", metavar="OUT.png", help="also draw the K folds' curves with their mean")
    parser.add_argument("--json", action="store_true", help="print the result as JSON for scripts (progress goes "
                        "to stderr)")
    parser.add_argument("--workers", type=int, metavar="N", help="train N folds at once, each in its own process "
                        "(a local Dask cluster, as `layerlab search` uses); default: one fold after another here")
    add_store_arguments(parser, record=True)


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..cross_validation import CrossValidation
    from ..events import Diverged, Failed, Finished
    from ..project import load_project

    from ..search.spec import MAX_WORKERS

    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise CliError(f"--workers must be between 1 and {MAX_WORKERS:,}, got {args.workers}")
    project = load_project(args.project)
    if args.plot:
        from .runs import _check_plot_path

        _check_plot_path(Path(args.plot))
    cv = CrossValidation(project, folds=args.folds, runs=args.runs, record=not args.no_record,
                         on_warning=lambda message: print(f"warning: {message}", file=stderr))
    progress = stderr if args.json else stdout
    k = len(cv.plan)
    how = "stratified " if cv.settings.stratified else ""
    print(f"{k} {how}folds of {len(cv.plan.rows)} training and validation rows ({cv.plan.test_rows} test rows held "
          f"out), seed {cv.settings.seed}", file=progress)

    def listen(fold: int, event) -> None:
        if isinstance(event, (Finished, Diverged, Failed)):
            what = event.message if isinstance(event, (Diverged, Failed)) else event.outcome
            print(f"fold {fold + 1}/{k}: {what}", file=progress, flush=True)

    if args.workers is None:
        result = cv.run(listen)
    else:
        result = _run_on_local_cluster(cv, min(args.workers, k), progress)
    if args.plot:
        from ..runs.plot import plot_cross_validation

        plot_cross_validation(result, args.plot, title=f"{project.name}: {k}-fold cross-validation")
    if args.json:
        print(json.dumps(result.to_json(), indent=2), file=stdout)
        return 0 if result.status == "finished" else 1
    keys = [k for k in result.mean if k.startswith("val_")] or list(result.mean)
    header = ["FOLD", "TRAIN", "VAL", "STATUS", *keys]
    rows = [[str(f.fold + 1), str(f.train_rows), str(f.val_rows), f.status, *(number(f.metrics.get(key))
                                                                                for key in keys)]
            for f in result.folds]
    rows.append(["mean", "", "", "", *(number(result.mean[key]) for key in keys)])
    rows.append(["std", "", "", "", *(number(result.std[key]) for key in keys)])
    print(table(header, rows, [True, True, True, False] + [True] * len(keys)), file=stdout)
    print("mean ± std: " + "  ".join(f"{key} {result.mean[key]:.4g} ± {result.std[key]:.2g}" for key in keys),
          file=stdout)
    if result.group_id is not None:
        print(f"recorded as cross-validation {result.group_id} (its folds: layerlab runs list --group "
              f"{result.group_id})", file=stdout)
    if args.plot:
        print(f"curves written to {args.plot}", file=stdout)
    if result.status != "finished":
        failed = [f for f in result.folds if f.status not in ("finished", "early_stopped")]
        detail = f": fold {failed[0].fold + 1} {failed[0].status} ({failed[0].detail})" if failed else ""
        raise CliError(f"the cross-validation {result.status}{detail}")
    return 0


def _run_on_local_cluster(cv, workers: int, progress: TextIO):
    """The folds on `workers` local worker processes, each fold's end printed as it comes."""
    from ..search.cluster import Cluster

    k = len(cv.plan)
    cluster = Cluster.start_local(workers)
    print(f"{workers} folds at once on a local cluster", file=progress, flush=True)
    try:
        return cv.run_on(cluster, lambda fold: print(f"fold {fold.fold + 1}/{k}: {fold.detail or fold.status}",
                                                     file=progress, flush=True))
    finally:
        cluster.close()
