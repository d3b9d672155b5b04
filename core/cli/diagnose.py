"""`layerlab diagnose PROJECT [--weights W] [--json]`: train a project (or read a trained model's history) and
print what is wrong with the run, the evidence, the course-note sections and the fixes (core/diagnosis).

`short_diagnosis` is the few lines `layerlab train` prints at the end of a run."""
from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any, TextIO

HELP = "say what is wrong with a training run and how to fix it"
WIDTH = 100
SHORT_LIMIT = 3          # findings `layerlab train` names at the end of a run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project file (.json)")
    parser.add_argument("--weights", metavar="W.npz", help="diagnose this trained model (a weights or checkpoint "
                        "file, or an export) and the history it keeps, instead of training the project")
    parser.add_argument("--json", action="store_true", help="print the findings as a JSON list of {code, severity, "
                        "layers, epochs, evidence, message, fixes, sources}")


def run(args, stdout: TextIO, stderr: TextIO) -> int:
    from ..diagnosis.headless import diagnose_model_file, train_and_diagnose
    from ..model_io import load_data
    from ..project import load_project

    project = load_project(args.project)
    data = load_data(project)
    if args.weights:
        diagnosed = diagnose_model_file(project, args.weights, data)
        what = f"the model in {args.weights}" + (f" ({diagnosed.epochs} epochs of history)" if diagnosed.epochs
                                                 else " (no training history in the file: weights and probes only)")
    else:
        diagnosed = train_and_diagnose(project, data)
        what = (f"a run of {diagnosed.epochs} epochs ({diagnosed.status})" if diagnosed.network is not None
                else "the model (not trained: it has errors)")
    if args.json:
        print(json.dumps([f.to_dict() for f in diagnosed.findings], indent=2), file=stdout)
        return 0
    print(f"diagnosis of {project.name!r}, {what}:", file=stdout)
    if not diagnosed.findings:
        print("  nothing to report (no rule had the evidence it needs: train for more epochs, with a validation "
              "split)", file=stdout)
    for finding in diagnosed.findings:
        print(format_finding(finding), file=stdout)
    return 0


def format_finding(finding: Any) -> str:
    """A finding as a block of text: severity, code and layers; the explanation; the evidence; the fixes."""
    from ..diagnosis.text import format_edits, format_evidence

    layers = f"  layer{'s' if len(finding.layers) > 1 else ''} {', '.join(map(str, finding.layers))}" \
        if finding.layers else ""
    lines = [f"\n{finding.severity.upper():8s} {finding.code}{layers}"]
    lines += textwrap.wrap(finding.message, WIDTH, initial_indent="  ", subsequent_indent="  ")
    lines += textwrap.wrap("evidence: " + format_evidence(finding.evidence), WIDTH, initial_indent="  ",
                           subsequent_indent="    ")
    for number, fix in enumerate(finding.fixes, 1):
        lines += textwrap.wrap(f"fix {number}: {fix.label} ({format_edits(fix)})", WIDTH, initial_indent="  ",
                               subsequent_indent="    ")
    return "\n".join(lines)


def short_diagnosis(findings: list) -> list[str]:
    """At most SHORT_LIMIT problems and warnings, each with its first fix (wrapped to WIDTH like the rest of the
    summary), or the good fit; for the end of `layerlab train`."""
    from ..diagnosis.text import first_sentence

    serious = [f for f in findings if f.severity in ("problem", "warning")]
    if not serious:
        good = next((f for f in findings if f.code == "good_fit"), None)
        return ["diagnosis: " + (first_sentence(good.message) if good else "no problem found")]
    lines = [f"diagnosis ({len(serious)} finding{'s' if len(serious) > 1 else ''}; `layerlab diagnose` explains "
             "each):"]
    for finding in serious[:SHORT_LIMIT]:
        fix = f" Fix: {finding.fixes[0].label}." if finding.fixes else ""
        lines += textwrap.wrap(f"{finding.severity} {finding.code}: {first_sentence(finding.message)}{fix}", WIDTH,
                               initial_indent="  ", subsequent_indent="    ")
    if len(serious) > SHORT_LIMIT:
        lines.append(f"  and {len(serious) - SHORT_LIMIT} more")
    return lines


def print_short_diagnosis(stdout: TextIO, project: Any, data: Any, trainer: Any, status: str) -> None:
    """`layerlab train`'s closing lines: the trained run diagnosed from its history and network."""
    from ..diagnosis import diagnose
    from ..errors import LayerLabError

    try:
        findings = diagnose(project, trainer.history, network=trainer.network, data=data, status=status)
    except LayerLabError as exc:
        print(f"diagnosis: not available ({exc})", file=stdout)
        return
    for line in short_diagnosis(findings):
        print(line, file=stdout)
