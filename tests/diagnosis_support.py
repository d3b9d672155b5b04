"""Projects, crafted histories and checks shared by the diagnosis and LR-finder tests."""
from __future__ import annotations

import copy
import math
from typing import Any

from core.diagnosis.facts import RunFacts
from core.diagnosis.probe import LayerProbe, ProbeResult
from core.project import parse_project
from core.project_paths import apply_edits, get_value

LN2 = math.log(2.0)


def make_project(layers: list[dict] | None = None, loss: str | None = "binary_crossentropy",
                 optimizer: dict | None = None, data: dict | None = None, **training: Any):
    layers = layers or [{"type": "dense", "units": 8, "activation": "relu"},
                        {"type": "dense", "units": 8, "activation": "relu"},
                        {"type": "dense", "units": 1, "activation": "sigmoid"}]
    spec = {"format": "layerlab/1", "name": "test",
            "data": data or {"source": "builtin", "name": "spiral", "samples": 200, "scaling": "standard"},
            "model": {"layers": copy.deepcopy(layers)},
            "training": {"optimizer": optimizer or {"name": "sgd", "lr": 0.1}, "batch_size": 10, "epochs": 20,
                         **training}}
    if loss is not None:
        spec["training"]["loss"] = loss
    return parse_project(spec)


def dense(units: int, activation: str = "relu", **extra: Any) -> dict:
    return {"type": "dense", "units": units, "activation": activation, **extra}


def facts(project, history: dict | None = None, **kwargs: Any) -> RunFacts:
    return RunFacts(project, history or {}, **kwargs)


def with_probe(f: RunFacts, probe: ProbeResult) -> RunFacts:
    """`f` whose step-0 probe is `probe` (a crafted measurement instead of a network pass)."""
    f.__dict__["initial_probe"] = probe
    return f


def layer_probe(index: int, units: int = 8, **values: Any) -> LayerProbe:
    base = dict(grad_norm=1.0, weight_std=0.3, weight_norm=1.0, output_std=1.0, saturation=None, dead=None,
                identical_units=False)
    base.update(values)
    return LayerProbe(index, units, **base)


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def only(findings, code: str):
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, f"expected one {code}, got {codes(findings)}"
    return matching[0]


def assert_fixes_apply(project, findings) -> None:
    """Every fix is a valid project edit: apply_edits accepts it and the new project holds each new value."""
    for finding in findings:
        for fix in finding.fixes:
            assert fix.edits, f"{finding.code}: fix {fix.label!r} has no edits"
            edited = apply_edits(project, fix.as_edits())
            obj = edited.to_dict()
            for edit in fix.edits:
                assert get_value(obj, edit.path) == edit.after, (finding.code, edit.path)
                before = get_value(project.to_dict(), edit.path) if _has(project, edit.path) else None
                if edit.path != "training.optimizer.lr":       # the effective rate is shown even when unset
                    assert before == edit.before, (finding.code, edit.path, before, edit.before)


def _has(project, path: str) -> bool:
    from core.project_paths import has_value
    return has_value(project.to_dict(), path)
