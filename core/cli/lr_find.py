"""`layerlab lr-find PROJECT [--plot F.png] [--json]`: Leslie Smith's learning-rate range test on the project's
initial network (core/lr_finder.py): the suggested rate, and the loss-against-rate curve as a plot or JSON."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from .common import CliError, check_writable

HELP = "suggest a learning rate (a range test)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project file (.json)")
    parser.add_argument("--plot", metavar="F.png", help="write the loss against the learning rate as a PNG")
    parser.add_argument("--json", action="store_true",
                        help='print {"suggestion": lr, "steepest": lr, "valley": lr, "lrs": [...], "losses": [...]}')


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..diagnosis.fixes import current_lr
    from ..diagnosis.headless import model_errors
    from ..lr_finder import find_lr
    from ..model_io import load_data
    from ..project import load_project

    project = load_project(args.project)
    if args.plot:
        check_writable(Path(args.plot), "--plot")
    data = load_data(project)
    errors = model_errors(project, data)
    if errors:
        raise CliError(f"{errors[0].where}: {errors[0].message}")
    result = find_lr(project, data)
    if args.plot:
        from ..lr_finder_plot import plot_lr_finder

        plot_lr_finder(result, args.plot, f"Learning-rate range test: {project.name}")
    if args.json:
        print(json.dumps(result.to_dict()), file=stdout)
    else:
        end = "stopped when the loss diverged" if result.diverged else "no divergence"
        print(f"suggested learning rate: {result.suggestion:.3g} (valley; steepest descent at {result.steepest:.3g}); "
              f"the project uses {current_lr(project):g}", file=stdout)
        print(f"{len(result.lrs)} steps from {result.lrs[0]:.0e} to {result.lrs[-1]:.3g} ({end})", file=stdout)
    if args.plot:
        print(f"plot written to {args.plot}", file=stdout)
    return 0
