"""The command line: `train`, `predict`, `check`, `export`, `runs`, `cv`, `experiment`, `search`, `diagnose`
and `lr-find`, headless and free of Qt.

Each command is a module of this package with `HELP`, `add_arguments(parser)` and `run(args, stdout, stderr) ->
exit code`, and one line in COMMANDS; a command imports what it needs when it runs, so `--help` stays fast.
Bad input ends with one line on stderr and a non-zero exit, never a traceback, and never a half-written or
clobbered output file (every output goes to a temporary file first).
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from importlib import import_module
from typing import Sequence, TextIO

from ..errors import LayerLabError
from ..fileio import FileWriteError
from .common import EXIT_ERROR, EXIT_USAGE, CliError

# The commands, in the order `layerlab --help` lists them: module core/cli/<name>.py each (a dash in a command's
# name is an underscore in its module's).
COMMANDS = ("train", "predict", "check", "export", "runs", "cv", "experiment", "search", "diagnose", "lr-find")


EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl+C, so every `finally` runs and removes temporary files."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


@contextlib.contextmanager
def _terminate_like_interrupt():
    """While a command runs, SIGTERM unwinds the stack as SIGINT does (Python's default would end the process on
    the spot, leaving a half-written temporary file behind); the previous handler comes back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the default prints the whole usage first)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def command(name: str):
    """The module of command `name`."""
    return import_module(f"{__name__}.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="layerlab", description="LayerLab: build, train and inspect neural networks. "
        "Without a command, opens the app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = command(name)
        module.add_arguments(sub.add_parser(name, help=module.HELP))
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
    if args.command is None:
        parser.print_help(stdout)
        return 0
    try:
        with _terminate_like_interrupt():
            return command(args.command).run(args, stdout, stderr)
    except Terminated:
        print("error: terminated", file=stderr)
        return EXIT_TERMINATED
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


__all__ = ["COMMANDS", "CliError", "EXIT_ERROR", "EXIT_USAGE", "build_parser", "main"]
