"""`layerlab check PROJECT`: validate a project, load its data, print the layer table and the model's problems."""
from __future__ import annotations

import argparse
from typing import TextIO

from ..errors import LayerLabError
from .common import EXIT_ERROR

HELP = "validate a project, load its data and print the layer table"


def add_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("project", help="project file (.json)")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..checks import check_model
    from ..data import summarize
    from ..early_stopping import check_monitors
    from ..model_io import build_network, load_data
    from ..project import load_project
    from ..training_data import has_validation

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
