"""`layerlab experiment EXAMPLE.json`: train every variant of an example's experiment over its seeds and print
each effect's measure per variant (mean and per seed) and whether the effect holds."""
from __future__ import annotations

import argparse
import json
import math
from typing import TextIO

from .common import CliError

HELP = "train an example's variants over its seeds and print its effects per variant"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project file with an \"experiment\" section (.json)")
    parser.add_argument("--seeds", type=int, metavar="N", help="use seeds 0..N-1 instead of the experiment's")
    parser.add_argument("--variant", action="append", metavar="NAME", help="run only this variant (repeatable)")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="train N runs at once on a local Dask "
                        "cluster of N worker processes (default 1: one after another)")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the variants' curves overlaid (the first "
                        "seed of each; .png, .svg or .pdf)")
    parser.add_argument("--plot-metric", metavar="KEY", help="with --plot: the history column of the right panel "
                        "(default: the main metric), e.g. layers.0.grad_norm or layers.1.dead")
    parser.add_argument("--log-y", action="store_true", help="with --plot: losses on a log scale")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..experiments import run_experiment
    from ..experiments.expand import experiment_of
    from ..project import load_project

    project = load_project(args.project)
    spec = experiment_of(project)
    if args.seeds is not None and args.seeds < 1:
        raise CliError(f"--seeds must be a positive integer, got {args.seeds}")
    if args.workers < 1:
        raise CliError(f"--workers must be a positive integer, got {args.workers}")
    seeds = tuple(range(args.seeds)) if args.seeds is not None else None
    variants = None
    if args.variant:
        for name in args.variant:
            spec.variant(name)
        variants = tuple(args.variant)

    def progress(planned, run) -> None:
        if not args.json:
            print(f"{planned.variant} seed {planned.seed}: {run.status} after {len(run.history.get('loss', []))} "
                  "epochs", file=stderr)

    if args.plot:
        from pathlib import Path

        from .common import check_writable
        check_writable(Path(args.plot), "--plot")
    result = run_experiment(project, seeds, progress, variants, args.workers)
    if args.plot:
        _plot(result, project.name, args.plot, args.log_y, args.plot_metric)
    ran = [v.name for v in spec.variants if variants is None or v.name in variants]
    report = []
    for effect in spec.effects:
        rows = {v: {"mean": _num(result.mean(effect.measure, v)),
                    "seeds": [_num(x) for x in result.values(effect.measure, v)]} for v in ran}
        complete = all(v in ran for v in effect.order)
        report.append({"measure": effect.measure, "order": list(effect.order), "direction": effect.direction,
                       "margin": effect.margin, "claim": effect.claim, "variants": rows,
                       "holds": result.holds(effect) if complete else None})
    seeds_used = sorted({s for _, s in result.runs})
    if args.json:
        print(json.dumps({"experiment": project.name, "seeds": seeds_used,
                          "statuses": {f"{v} seed {s}": r.status for (v, s), r in result.runs.items()},
                          "effects": report}, indent=2), file=stdout)
        return 0
    print(f"{project.name}: {len(result.runs)} runs, seeds {', '.join(map(str, seeds_used))}", file=stdout)
    for item in report:
        arrow = "rises" if item["direction"] == "increasing" else "falls"
        verdict = {True: "holds", False: "DOES NOT HOLD", None: "not judged (a variant was left out)"}[item["holds"]]
        print(f"\n{item['measure']} {arrow} along {' -> '.join(item['order'])} (margin {item['margin']:g}): "
              f"{verdict}", file=stdout)
        if item["claim"]:
            print(f"  claim: {item['claim']}", file=stdout)
        for name, row in item["variants"].items():
            per_seed = ", ".join(_fmt(x) for x in row["seeds"])
            print(f"  {name:<22} {_fmt(row['mean']):>10}   (seeds: {per_seed})", file=stdout)
    return 0


def _plot(result, title: str, path: str, log_y: bool, metric: str | None) -> None:
    """The first seed's run of each variant, overlaid (core/runs/plot.py: losses left, main metric right)."""
    from ..runs.plot import Curves, plot_curves

    first: dict[str, object] = {}
    for (variant, seed), run in result.runs.items():
        first.setdefault(variant, (seed, run))
    curves = [Curves(f"{variant} (seed {seed})", run.history) for variant, (seed, run) in first.items()
              if run.history.get("loss")]
    plot_curves(curves, path, log_y=log_y, title=title, metric=metric)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"
