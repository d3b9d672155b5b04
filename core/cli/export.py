"""`layerlab export MODEL --format F --out FILE`: a weights file (or export) in another format."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .common import CliError, check_writable

HELP = "export a weights file to another format"


def add_arguments(export: argparse.ArgumentParser) -> None:
    export.add_argument("model", help="weights file (.npz) written by LayerLab")
    export.add_argument("--format", required=True, help="onnx, json, safetensors, npz, pytorch or keras")
    export.add_argument("--out", required=True, metavar="FILE", help="output file")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..export import ExportError, export_model, resolve_format
    from ..model_files import load_model

    model = load_model(args.model)
    check_writable(Path(args.out), "--out")      # (export_model refuses the model file itself, in its words)
    try:
        resolve_format(args.format)
    except ExportError as exc:
        raise CliError(f"--format {exc}") from None
    export_model(model, args.format, args.out)
    print(f"exported {args.model} as {args.format} to {args.out}", file=stdout)
    return 0
