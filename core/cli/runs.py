"""`layerlab runs list|show|compare|delete`: the run store from the terminal (the same store the app's Runs view
shows). Every listing takes `--json` for scripts: strict JSON on stdout, NaN as null."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from .common import CliError, add_store_arguments, duration, number, setting, table, when

HELP = "list, show, compare or delete recorded runs"
HISTORY_KEYS_SHOWN = 12          # `runs show` summarises at most this many history keys (losses and metrics first)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="one line per run, newest first")
    listing.add_argument("--project", metavar="NAME", help="only runs of projects with this name")
    listing.add_argument("--status", help="only runs with this status (finished, stopped, diverged, ...)")
    listing.add_argument("--tag", help="only runs with this tag")
    listing.add_argument("--group", type=int, metavar="ID", help="only the runs of this cross-validation or search")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N runs")
    show = verbs.add_parser("show", help="a run's settings, final and best values, and history summary")
    show.add_argument("id", type=int)
    compare = verbs.add_parser("compare", help="the settings that differ and the final values, side by side")
    compare.add_argument("ids", type=int, nargs="+", metavar="ID")
    compare.add_argument("--plot", metavar="OUT.png", help="also draw the runs' curves overlaid (.png, .svg, .pdf)")
    compare.add_argument("--log", action="store_true", help="log scale for losses in --plot")
    delete = verbs.add_parser("delete", help="delete runs from the store")
    delete.add_argument("ids", type=int, nargs="+", metavar="ID")
    delete.add_argument("--delete-weights", action="store_true", help="also delete the runs' weights files")
    for sub in (listing, show, compare, delete):
        add_store_arguments(sub)
        if sub is not delete:
            sub.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..runs import RunStore, store_path

    path = store_path(args.runs)
    if not path.exists():           # reading a store that is not there: nothing recorded yet (and no file made)
        if args.verb == "list":
            print("[]" if args.json else f"no runs recorded yet (no store at {path})", file=stdout)
            return 0
        raise CliError(f"there is no run store at {path} yet, so no run {_first_id(args)}")
    with RunStore(path) as store:
        return VERBS[args.verb](store, args, stdout, stderr)


def _first_id(args) -> int:
    return args.id if hasattr(args, "id") else args.ids[0]


def list_runs(store, args, stdout: TextIO, stderr: TextIO) -> int:
    from ..runs import main_metric

    if args.limit is not None and args.limit < 1:
        raise CliError(f"--limit must be a positive integer, got {args.limit}")
    runs = store.list_runs(project=args.project, status=args.status, tag=args.tag, group_id=args.group,
                           limit=args.limit)
    if args.json:
        print(json.dumps([r.to_json() for r in runs], indent=2), file=stdout)
        return 0
    if not runs:
        print(f"no runs match (store {store.path})", file=stdout)
        return 0
    metric = main_metric(k for r in runs for k in r.final) or "accuracy"
    header = ["ID", "NAME", "STATUS", "STARTED", "EPOCHS", "TIME", "LOSS", "VAL_LOSS", metric.upper(),
              f"VAL_{metric.upper()}"]
    rows = [[str(r.id), r.name, r.status, when(r.started), str(r.start_epoch + r.epochs), duration(r.duration),
             *(number(r.final.get(k)) for k in ("loss", "val_loss", metric, f"val_{metric}"))] for r in runs]
    print(table(header, rows, [True, False, False, False, True, True, True, True, True, True]), file=stdout)
    return 0


def show_run(store, args, stdout: TextIO, stderr: TextIO) -> int:
    from ..project_paths import flatten

    run = store.get_run(args.id)
    if args.json:
        print(json.dumps(run.to_json(), indent=2), file=stdout)
        return 0
    facts = [("name", run.name), ("project", run.project_name), ("status", run.status + (f": {run.detail}"
                                                                                        if run.detail else "")),
             ("started", when(run.started)), ("finished", when(run.finished)), ("time", duration(run.duration)),
             ("epochs", f"{run.start_epoch + run.epochs}" + (f" (resumed at {run.start_epoch})"
                                                             if run.start_epoch else "")),
             ("seed", setting(run.seed)), ("weights", run.weights_path or "-")]
    if run.group_id is not None:
        facts.append(("group", f"{run.group_id} ({run.kind} {(run.group_index or 0) + 1})"))
    if run.tags:
        facts.append(("tags", ", ".join(run.tags)))
    if run.notes:
        facts.append(("notes", run.notes))
    print(f"run {run.id}", file=stdout)
    for label, value in facts:
        print(f"  {label + ':':10s}{value}", file=stdout)
    settings = flatten({k: v for k, v in run.project.items() if k not in ("format", "name", "description")})
    print("settings:", file=stdout)
    print(_indent(table(["PATH", "VALUE"], [[p, setting(v)] for p, v in settings.items()])), file=stdout)
    keys = [k for k in run.final if not k.startswith("layers.")]
    if keys:
        rows = [[k, number(run.final.get(k)), number(run.best.get(k)),
                 str(run.best_epoch[k] + 1) if k in run.best_epoch else "-"] for k in keys]
        print("final and best values:", file=stdout)
        print(_indent(table(["KEY", "FINAL", "BEST", "BEST EPOCH"], rows, [False, True, True, True])), file=stdout)
    if run.test:
        print("test: " + "  ".join(f"{k} {number(v)}" for k, v in run.test.items()), file=stdout)
    _history_summary(run, stdout)
    return 0


def _history_summary(run, stdout: TextIO) -> None:
    import numpy as np

    keys = list(run.history)
    ordered = [k for k in keys if not k.startswith("layers.")] + [k for k in keys if k.startswith("layers.")]
    if not ordered:
        print("history: none recorded", file=stdout)
        return
    rows = []
    for key in ordered[:HISTORY_KEYS_SHOWN]:
        values = np.asarray(run.history[key], dtype=np.float64)
        finite = values[np.isfinite(values)]
        rows.append([key, str(len(values)), number(float(values[0])), number(float(values[-1])),
                     number(float(finite.min())) if finite.size else "-",
                     number(float(finite.max())) if finite.size else "-"])
    print(f"history ({len(ordered)} keys" + (f", first {HISTORY_KEYS_SHOWN} shown; --json for all"
                                              if len(ordered) > HISTORY_KEYS_SHOWN else "") + "):", file=stdout)
    print(_indent(table(["KEY", "EPOCHS", "FIRST", "LAST", "MIN", "MAX"], rows,
                        [False, True, True, True, True, True])), file=stdout)


def compare_runs(store, args, stdout: TextIO, stderr: TextIO) -> int:
    from ..runs.records import finite_or_none

    ids = list(dict.fromkeys(args.ids))
    if len(ids) < 2:
        raise CliError("runs compare needs at least two different run ids")
    if args.plot:
        _check_plot_path(Path(args.plot))
    runs = store.get_runs(ids)
    differences = store.differing_settings(runs)
    keys = list(dict.fromkeys(k for r in runs for k in r.final if not k.startswith("layers.")))
    final = {k: [r.final.get(k) for r in runs] for k in keys}
    if args.plot:
        from ..runs.plot import plot_runs

        plot_runs(runs, args.plot, log_y=args.log)
    if args.json:
        print(json.dumps(finite_or_none({"runs": [{"id": r.id, "name": r.name, "status": r.status} for r in runs],
                                         "differences": differences, "final": final}), indent=2), file=stdout)
        return 0
    header = ["", *(f"#{r.id} {r.name}" for r in runs)]
    right = [False] + [True] * len(runs)
    print(table(header, [["status", *(r.status for r in runs)],
                         ["epochs", *(str(r.start_epoch + r.epochs) for r in runs)]], right), file=stdout)
    print("\nsettings that differ:", file=stdout)
    if differences:
        print(_indent(table(["PATH", *header[1:]], [[p, *map(setting, v)] for p, v in differences.items()], right)),
              file=stdout)
    else:
        print("  none: the runs trained the same settings", file=stdout)
    print("\nfinal values:", file=stdout)
    print(_indent(table(["KEY", *header[1:]], [[k, *map(number, v)] for k, v in final.items()], right)),
          file=stdout)
    if args.plot:
        print(f"\ncurves written to {args.plot}", file=stdout)
    return 0


def _check_plot_path(path: Path) -> None:
    from ..runs.plot import FORMATS
    from .common import check_writable

    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise CliError(f"--plot {path}: give it one of the suffixes {', '.join('.' + f for f in FORMATS)}")
    check_writable(path, "--plot")


def delete_runs(store, args, stdout: TextIO, stderr: TextIO) -> int:
    from ..runs import UnknownRunError

    ids = list(dict.fromkeys(args.ids))
    try:
        paths = store.delete_runs(ids)          # one transaction: every id is there, or nothing is deleted
    except UnknownRunError as exc:
        raise CliError(f"{exc}; nothing deleted") from None
    print(f"deleted run{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}", file=stdout)
    if args.delete_weights:
        for path in paths:
            _delete_file(Path(path), stdout, stderr)
    elif paths:
        print(f"kept {len(paths)} weights file{'s' if len(paths) > 1 else ''} (--delete-weights deletes them)",
              file=stdout)
    return 0


def _delete_file(path: Path, stdout: TextIO, stderr: TextIO) -> None:
    try:
        path.unlink()
        print(f"deleted {path}", file=stdout)
    except FileNotFoundError:
        print(f"warning: {path} was already gone", file=stderr)
    except OSError as exc:
        print(f"warning: cannot delete {path}: {exc.strerror or exc}", file=stderr)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


VERBS: dict[str, Any] = {"list": list_runs, "show": show_run, "compare": compare_runs, "delete": delete_runs}
