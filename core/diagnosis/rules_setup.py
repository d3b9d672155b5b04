"""Findings about how a run starts: the initialisation (step-0 probe), the loss at step 0, the input scales and
the model checks of `core.checks` (output layer and loss against the task)."""
from __future__ import annotations

import copy
import math

import numpy as np

from ..checks import Problem, check_model
from ..initializers import default_kernel_initializer, get_initializer
from .facts import RunFacts
from .findings import Edit, Finding, Fix, cite
from .fixes import default_initializer, present, standard_scaling
from .thresholds import (ACTIVATION_COLLAPSE, ACTIVATION_GROWTH, INIT_SCALE_FACTOR, INITIAL_LOSS,
                         INITIAL_LOSS_RATIO, INITIALIZATION, OUTPUT, SATURATION_FRACTION, SCALING,
                         UNSCALED_MAGNITUDE, UNSCALED_SPREAD_RATIO)


def bad_initialization(f: RunFacts) -> list[Finding]:
    probe = f.initial_probe
    if probe is None:
        return []
    kernels = [l for l in f.layers if l.has_kernel]
    findings = []
    symmetric = [l for l in kernels if probe.layer(l.index).identical_units]
    if symmetric:
        names = sorted({str(l.config.get("kernel_initializer", "default")) for l in symmetric})
        message = (f"Symmetric initialisation: every unit of layer{'s' if len(symmetric) > 1 else ''} "
                   f"{', '.join(str(l.index) for l in symmetric)} starts with the same weights ({', '.join(names)}), "
                   "so all of them compute the same output, receive the same gradient and stay identical: the layer "
                   "learns like a single unit. Random initialisation breaks the symmetry. " + cite(INITIALIZATION))
        evidence = {"identical_units": {l.index: l.units for l in symmetric}}
        findings.append(Finding("bad_initialization", "problem", message, evidence,
                                layers=tuple(l.index for l in symmetric), fixes=(default_initializer(symmetric),),
                                sources=INITIALIZATION))
    if f.data is None:
        return findings
    widths = [int(np.asarray(f.data.train.X).shape[1])] + [l.units or 0 for l in f.layers]
    off = {}
    for l in kernels:
        if l in symmetric:
            continue
        recommended_name = default_kernel_initializer(l.activation or "linear")
        recommended = math.sqrt(get_initializer(recommended_name).variance((widths[l.index], l.units)))
        measured = probe.layer(l.index).weight_std
        scale = measured / recommended if recommended > 0 else math.nan
        if math.isfinite(scale) and (scale > INIT_SCALE_FACTOR or scale < 1 / INIT_SCALE_FACTOR):
            off[l.index] = {"std": measured, "recommended_std": recommended, "recommended": recommended_name,
                            "ratio": scale, "initializer": l.config.get("kernel_initializer", recommended_name)}
    if not off:
        return findings
    hidden = [probe.layer(l.index) for l in f.layers if not l.is_output and l.type != "dropout"]
    stds = [h.output_std for h in hidden if math.isfinite(h.output_std)]
    consequences = {}
    if probe.input_std > 0 and stds:
        growth, last = max(stds) / probe.input_std, stds[-1] / probe.input_std
        if growth > ACTIVATION_GROWTH:
            consequences["output_growth"] = growth
        if last < ACTIVATION_COLLAPSE:
            consequences["output_collapse"] = last
    saturated = max((h.saturation for h in hidden if h.saturation is not None), default=0.0)
    if saturated >= SATURATION_FRACTION:
        consequences["saturated_fraction"] = saturated
    if not consequences:
        return findings
    effects = []
    if "output_growth" in consequences:
        effects.append(f"hidden outputs grow to {consequences['output_growth']:.3g}x the inputs' scale "
                       f"(threshold {ACTIVATION_GROWTH:g}x)")
    if "output_collapse" in consequences:
        effects.append(f"the last hidden outputs shrink to {consequences['output_collapse']:.2g}x the inputs' scale "
                       f"(threshold {ACTIVATION_COLLAPSE:g}x)")
    if "saturated_fraction" in consequences:
        effects.append(f"{saturated:.0%} of a hidden layer's outputs are saturated (threshold "
                       f"{SATURATION_FRACTION:.0%})")
    scales = "; ".join(f"layer {i}: std {v['std']:.3g} vs {v['recommended_std']:.3g} ({v['recommended']})"
                       for i, v in off.items())
    message = (f"Initial weights on the wrong scale ({scales}; {INIT_SCALE_FACTOR:g}x off is the threshold). At the "
               f"first step {' and '.join(effects)}. Xavier (Glorot) initialisation keeps sigmoid/tanh outputs in "
               "their working range, He initialisation does the same for ReLU. " + cite(INITIALIZATION))
    evidence = {"layers": off, "threshold": INIT_SCALE_FACTOR, "growth_threshold": ACTIVATION_GROWTH,
                "collapse_threshold": ACTIVATION_COLLAPSE, "saturation_threshold": SATURATION_FRACTION,
                "input_std": probe.input_std, **consequences}
    findings.append(Finding("bad_initialization", "problem", message, evidence, layers=tuple(off),
                            fixes=(default_initializer([l for l in kernels if l.index in off]),),
                            sources=INITIALIZATION))
    return findings


def initial_loss(f: RunFacts) -> list[Finding]:
    probe, base = f.initial_probe, f.baseline_loss
    if probe is None or not base or base <= 0 or not math.isfinite(probe.loss):
        return []
    ratio = probe.loss / base
    if ratio <= INITIAL_LOSS_RATIO:
        return []
    custom = [l for l in f.layers if l.has_kernel and "kernel_initializer" in l.config]
    scaling_off = f.project.data.get("scaling") == "none"
    message = (f"The loss at the first step is {probe.loss:.3g}, {ratio:.1f}x the {base:.3g} of an output that knows "
               f"nothing (threshold {INITIAL_LOSS_RATIO:g}x; for softmax over C classes that is ln C). The network "
               "starts confidently wrong, and its first steps only undo that."
               + (" The inputs are not scaled, which makes the first outputs large." if scaling_off else "")
               + " " + cite(INITIAL_LOSS))
    evidence = {"initial_loss": probe.loss, "expected_loss": base, "ratio": ratio, "threshold": INITIAL_LOSS_RATIO}
    fixes = present(standard_scaling(f.project) if scaling_off else None,
                    default_initializer(custom) if custom else None)
    return [Finding("initial_loss", "warning", message, evidence, fixes=fixes, sources=INITIAL_LOSS)]


def unscaled_inputs(f: RunFacts) -> list[Finding]:
    if f.data is None or f.project.data.get("scaling") != "none":
        return []
    X = np.asarray(f.data.train.X, dtype=np.float64)
    if X.size == 0:
        return []
    std, rms = _std_and_rms(X)
    varying = std[std > 0]
    spread = float(varying.max() / varying.min()) if varying.size else 1.0
    magnitude = float(rms.max())
    if spread <= UNSCALED_SPREAD_RATIO and magnitude <= UNSCALED_MAGNITUDE:
        return []
    names = list(getattr(f.data, "feature_names", ()) or [f"x{i + 1}" for i in range(X.shape[1])])
    widest, narrowest = int(np.argmax(std)), int(np.argmin(np.where(std > 0, std, np.inf)))
    message = (f"The inputs are not scaled (data.scaling is none) and their scales differ: feature "
               f"{names[widest]!r} spreads {spread:.3g}x as much as {names[narrowest]!r} (threshold "
               f"{UNSCALED_SPREAD_RATIO:g}x) and the largest root mean square is {magnitude:.3g} (threshold "
               f"{UNSCALED_MAGNITUDE:g}). The network then leans on the large features and the loss is far more "
               "sensitive to some weights than others, which makes it hard to optimise. " + cite(SCALING))
    evidence = {"spread_ratio": spread, "spread_threshold": UNSCALED_SPREAD_RATIO, "largest_rms": magnitude,
                "rms_threshold": UNSCALED_MAGNITUDE, "stds": {n: float(s) for n, s in zip(names, std)}}
    return [Finding("unscaled_inputs", "warning", message, evidence, fixes=(standard_scaling(f.project),),
                    sources=SCALING)]


# Data larger than this is summed a block of rows at a time (about this many bytes each), so no copy of it is made.
CHUNKED_ABOVE = 1 << 23


def _std_and_rms(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X.std(axis=0) and sqrt(mean(X * X, axis=0)), the same numbers as NumPy's. This runs after every
    `layerlab train` of unscaled data, and NumPy's way makes two temporary copies of the data (12,800 x 784 is
    80 MB each, most of the rule's time in a fresh process): large data is summed a block of rows at a time
    instead. NumPy sums over axis 0 of a C-ordered array (of 8 or more columns) row after row, so carrying each
    block's running total in as its first row gives its sums bit for bit."""
    n, d = X.shape
    if X.nbytes <= CHUNKED_ABOVE or d < 8 or not X.flags.c_contiguous:
        mean = np.add.reduce(X, axis=0, keepdims=True)
        np.true_divide(mean, n, out=mean)
        scratch = np.subtract(X, mean)
        np.multiply(scratch, scratch, out=scratch)
        std = np.sqrt(np.add.reduce(scratch, axis=0) / n)
        np.multiply(X, X, out=scratch)
        return std, np.sqrt(np.add.reduce(scratch, axis=0) / n)
    rows = max(1, CHUNKED_ABOVE // 2 // X.itemsize // d)
    buffer = np.empty((rows + 1, d), dtype=X.dtype)

    def row_sums(block_of) -> np.ndarray:
        """The sums over every row of block_of(rows of X), in row order."""
        total = None
        for start in range(0, n, rows):
            block = X[start:start + rows]
            if total is None:
                total = np.add.reduce(block_of(block, buffer[:len(block)]), axis=0)
            else:
                buffer[0] = total
                block_of(block, buffer[1:len(block) + 1])
                total = np.add.reduce(buffer[:len(block) + 1], axis=0)
        return total

    def values(block, out):
        np.copyto(out, block)
        return out

    def squared_deviations(block, out):
        np.subtract(block, mean, out=out)
        return np.multiply(out, out, out=out)

    def squares(block, out):
        return np.multiply(block, block, out=out)

    mean = (row_sums(values) / n)[None, :]
    std = np.sqrt(row_sums(squared_deviations) / n)
    rms = np.sqrt(row_sums(squares) / n)
    return std, rms


def model_checks(f: RunFacts) -> list[Finding]:
    """`core.checks.check_model` as findings: about the output layer or the loss, output_mismatch; else model_check."""
    n_outputs = getattr(f.data, "n_outputs", None) if f.data is not None else None
    task = f.task if n_outputs is not None else None
    layers = list(f.project.layers)
    findings = []
    for problem in check_model(layers, f.project.training.loss, task, n_outputs):
        last = max((i for i, l in enumerate(layers) if l.get("type") == "dense"), default=len(layers) - 1)
        about_output = (problem.where.startswith("training.loss") or problem.where == "model.layers"
                        or problem.where.startswith((f"model.layers[{last}]", f"model.layers[{len(layers) - 1}]")))
        fix = _check_fix(f.project, problem)
        index = _layer_of(problem.where)
        findings.append(Finding(
            "output_mismatch" if about_output else "model_check",
            "problem" if problem.level == "error" else "warning",
            f"{problem.where}: {problem.message}. " + cite(OUTPUT),
            {"where": problem.where, "level": problem.level, **({"task": task} if task else {})},
            layers=() if index is None else (index,), fixes=() if fix is None else (fix,), sources=OUTPUT))
    return findings


def _layer_of(where: str) -> int | None:
    if where.startswith("model.layers["):
        return int(where[len("model.layers["):].split("]")[0])
    return None


def _check_fix(project, problem: Problem) -> Fix | None:
    """`core.checks`' fix actions as edits by path."""
    fix = problem.fix
    if not fix:
        return None
    layers = [dict(l) for l in project.layers]
    label = problem.fix_label or fix["action"]
    action = fix["action"]
    if action == "set_units":
        i = fix["layer"]
        return Fix(label, (Edit(f"model.layers[{i}].units", layers[i].get("units"), fix["units"]),))
    if action == "set_activation":
        i = fix["layer"]
        return Fix(label, (Edit(f"model.layers[{i}].activation", layers[i].get("activation"), fix["activation"]),))
    if action == "set_loss":
        return Fix(label, (Edit("training.loss", project.training.loss, fix["loss"]),))
    if action == "add_output_layer":
        new = copy.deepcopy(layers) + [{"type": "dense", "units": fix.get("units", 1),
                                         "activation": fix.get("activation", "linear")}]
        return Fix(label, (Edit("model.layers", layers, new),))
    return None
