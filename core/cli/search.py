"""`layerlab search PROJECT`: run the project's hyperparameter search (its `search` section) on a local Dask cluster
or an existing one, with a progress line on a terminal, then print the best trials and each parameter's importance
(or, with --json, one JSON object). Ctrl+C cancels: running trials stop, finished ones are kept and printed, and
--resume continues later."""
from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import Any, TextIO

from .common import CliError, check_writable

HELP = "search hyperparameters (the project's search section) on Dask"
TOP = 10                 # trials in the table
EXIT_INTERRUPTED = 130
DATA_FILE_KEYS = ("path", "images", "labels", "test_images", "test_labels")     # data settings naming a file


def add_arguments(search: argparse.ArgumentParser) -> None:
    search.add_argument("project", help="project file (.json) with a \"search\" section (see docs/search.md)")
    search.add_argument("--trials", type=int, metavar="N", help="trials to run (overrides search.trials; with "
                        "--resume: the total to reach)")
    search.add_argument("--workers", type=int, metavar="N", help="trials at once (overrides search.workers)")
    search.add_argument("--scheduler", metavar="ADDR", help="run on the Dask cluster whose scheduler is at ADDR "
                        "(tcp://host:8786) instead of a local one")
    search.add_argument("--storage", metavar="URL", help="keep the Optuna study in this database (an RDB URL the "
                        "cluster's workers reach, e.g. postgresql://...); default: the run store's file")
    search.add_argument("--resume", nargs="?", const=True, default=False, metavar="ID",
                        help="continue the newest search of this project and space (or search ID) up to the "
                        "requested number of trials")
    search.add_argument("--runs", metavar="PATH", help="run store to record the trials in (default: "
                        "LAYERLAB_RUNS, else the per-user store)")
    search.add_argument("--best-out", metavar="BEST.json", help="write the project with the best trial's settings")
    search.add_argument("--json", action="store_true", help="print the result as one JSON object")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..project import load_project
    from ..search import Search

    project = load_project(args.project)
    options = _options(args)
    best_out = Path(args.best_out) if args.best_out else None
    if best_out is not None:
        from ..data import data_files

        reads = [("the project file", Path(args.project)), *data_files(project.data, project.base_dir)]
        if args.runs:
            reads.append(("the run store", Path(args.runs)))
        check_writable(best_out, "--best-out", reads)
    interactive = hasattr(stderr, "isatty") and stderr.isatty()
    show = _Progress(stdout, stderr, interactive, quiet=args.json)
    search = Search(project, runs=args.runs, on_event=show, **options)
    show.progress.metric = search.plan.metric
    result, interrupted = _run(search, stderr)
    show.close()
    if args.json:
        print(json.dumps(result.to_json()), file=stdout)
    else:
        _print_result(result, stdout)
    if best_out is not None:
        _write_best(project, result, best_out)
        if not args.json:
            print(f"best settings written to {best_out}", file=stdout)
    return EXIT_INTERRUPTED if interrupted else 0


def _options(args) -> dict[str, Any]:
    """The flags as `Search` options, each checked with a message that names the flag."""
    from ..errors import SpecError
    from ..search.spec import MAX_TRIALS, MAX_WORKERS, check_scheduler

    options: dict[str, Any] = {}
    if args.trials is not None:
        if not 1 <= args.trials <= MAX_TRIALS:
            raise CliError(f"--trials must be between 1 and {MAX_TRIALS:,}, got {args.trials}")
        options["trials"] = args.trials
    if args.workers is not None:
        if not 1 <= args.workers <= MAX_WORKERS:
            raise CliError(f"--workers must be between 1 and {MAX_WORKERS:,}, got {args.workers}")
        options["workers"] = args.workers
    if args.scheduler is not None:
        try:
            options["scheduler"] = check_scheduler(args.scheduler, "--scheduler")
        except SpecError as exc:
            raise CliError(str(exc)) from None
    if args.storage is not None:
        options["storage"] = _check_storage(args.storage)
    if args.resume is not True and args.resume is not False:
        try:
            options["resume"] = int(args.resume)
        except ValueError:
            raise CliError(f"--resume takes a search id (a number), got {args.resume!r}") from None
    else:
        options["resume"] = bool(args.resume)
    return options


def _check_storage(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise CliError(f"--storage must be a database URL such as 'postgresql://user@host/db' or "
                       f"'sqlite:////path/study.db', got {url!r}") from None
    return url


def _run(search: Any, stderr: TextIO) -> tuple[Any, bool]:
    """Run the search on this (the main) thread with Ctrl+C as Cancel: running trials stop, finished ones are kept
    (the local cluster's workers ignore the terminal's Ctrl+C, core/search/cluster.py); a second Ctrl+C gives up at
    once."""
    interrupted: list[bool] = []

    def cancel(_signum: int, _frame: Any) -> None:
        if interrupted:
            raise KeyboardInterrupt
        interrupted.append(True)
        search.cancel()
        print("\ncancelling: running trials stop, finished ones are kept (Ctrl+C again to quit at once)",
              file=stderr)
    previous = signal.signal(signal.SIGINT, cancel) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        return search.run(), bool(interrupted)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


class _Progress:
    """The search's events as a progress line on a terminal (stderr), or one line per finished trial on stdout."""

    def __init__(self, stdout: TextIO, stderr: TextIO, interactive: bool, quiet: bool):
        from ..search.progress import SearchProgress

        self.stdout, self.stderr = stdout, stderr
        self.interactive, self.quiet = interactive, quiet
        self.progress = SearchProgress()
        self._lock = threading.Lock()
        self._drawn = False

    def __call__(self, event: Any) -> None:
        from ..search import SearchStarted, TrialFinished, TrialStarted

        with self._lock:
            self.progress.update(event)
            if isinstance(event, SearchStarted) and not self.quiet:
                where = "a local cluster" if event.local else f"the cluster at {event.scheduler}"
                resumed = f", {event.done} done before" if event.done else ""
                print(f"search {event.group_id}: {event.total} trials on {where}, {event.workers} at once{resumed}",
                      file=self.stderr if self.interactive else self.stdout)
            elif isinstance(event, TrialFinished) and not self.interactive and not self.quiet:
                t = event.trial
                value = "" if t.value is None else f" {self.progress.metric} {t.value:.4g}"
                why = f" ({t.detail})" if t.detail and t.state != "complete" else ""
                print(f"trial {t.number} {t.state}{value}{why}  [{event.finished}/{event.total}]", file=self.stdout)
            if self.interactive and isinstance(event, (SearchStarted, TrialStarted, TrialFinished)):
                self._draw()

    def _draw(self) -> None:
        from .common import progress_bar

        self.stderr.write(f"\r{progress_bar(self.progress.fraction)} {self.progress.line()}\033[K")
        self.stderr.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stderr.write("\n")
            self.stderr.flush()


def _print_result(result: Any, out: TextIO) -> None:
    counts = ", ".join(f"{result.count(s)} {s}" for s in ("complete", "pruned", "failed") if result.count(s))
    print(f"search {result.group_id} {result.status}: {len(result.trials)} trials ({counts or 'none'}); "
          f"{result.metric} is {'maximised' if result.direction == 'maximize' else 'minimised'}", file=out)
    top = result.top(TOP)
    if not top:
        print("no trial completed", file=out)
        return
    paths = list(top[0].params)
    rows = [["#", result.metric, "run", "seconds"] + paths]
    for t in top:
        rows.append([str(t.number), f"{t.value:.5g}", "" if t.run is None else str(t.run),
                     "" if t.duration is None else f"{t.duration:.1f}"] + [_short(t.params[p]) for p in paths])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"best {len(top)} of {result.count('complete')} complete trials:", file=out)
    for row in rows:
        print("  ".join(cell.rjust(w) if i < 4 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
              .rstrip(), file=out)
    if result.importance:
        print("importance (share of the value's variance):", file=out)
        width = max(len(p) for p in result.importance)
        for path, share in sorted(result.importance.items(), key=lambda kv: -kv[1]):
            print(f"  {path.ljust(width)}  {share:5.1%}  {'#' * round(30 * share)}", file=out)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _write_best(project: Any, result: Any, path: Path) -> None:
    from ..fileio import atomic_write_text
    from ..project import json_text
    from ..search.space import base_object, trial_object

    if result.best is None:
        raise CliError(f"--best-out {path}: no trial completed, so there is no best setting to write")
    obj = trial_object(base_object(project), result.best.params)
    base = Path(project.base_dir).resolve()
    if path.resolve().parent != base:          # data files stay found from the new file's folder
        for key in DATA_FILE_KEYS:
            value = obj["data"].get(key)
            if isinstance(value, str) and not Path(value).is_absolute():
                obj["data"][key] = (base / value).as_posix()
    atomic_write_text(path, json_text(obj) + "\n", "project")
