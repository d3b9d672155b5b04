"""LayerLab's entry point.

    python main.py                 open the app on the built-in spiral project, ready to press Train
    python main.py PROJECT.json    open the app on a project
    python main.py train|predict|check|export ...   the headless command line (never imports Qt)
"""
from __future__ import annotations

import sys
from typing import Sequence

HELP_FLAGS = ("-h", "--help")


def create_window(project=None):
    """Build the main window without entering the event loop (a QApplication must exist).

    `project` may be None (the built-in default), a path to a project file, or a `core.project.Project`.
    """
    from gui.main_window import create_window as _create

    return _create(project)


def run_app(project_path: str | None = None) -> int:
    from core.blas_threads import app_environment

    app_environment()            # before NumPy loads: BLAS leaves a core to the GUI thread (core/blas_threads.py)
    from gui.app import run

    return run(project_path)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from core.cli import COMMANDS, main as cli_main      # argparse and the command names only: no Qt, no NumPy

    if args and (args[0] in COMMANDS or args[0] in HELP_FLAGS):
        return cli_main(args)
    if len(args) > 1:
        print("error: the app takes at most one project file; for the command line see: layerlab --help",
              file=sys.stderr)
        return 2
    return run_app(args[0] if args else None)


if __name__ == "__main__":
    sys.exit(main())
