"""Whole processes: `layerlab train PROJECT.json` as a user runs it against a PyTorch script that trains the same
batches, on the three benchmark networks (bench_nets.py), and the GEMM share of the 784-256-256-10 step.

    python benchmarks/bench_whole_process.py --torch-python /path/to/python-with-torch [--repeats 5] [--only N]
        [--threads 1|default] [--dtype float32|float64] [--float64] [--baseline OTHER_CHECKOUT] [--no-gemm]

Times are CPU seconds of each process (user + system, all its threads), which a busy shared machine disturbs far
less than wall time (the wall-time ratio is printed too). Each side is a fresh process: start-up and imports, the
data loaded from the same .npz, the same network (same sizes and activations, each side's default initialisers),
the same batches (batch size, a shuffle every epoch, no validation split, no scaling), default Adam, eager, the same
epochs, one line printed per epoch, the weights written. LayerLab runs as a user runs it (`python main.py train`,
the run recorded in a store in the temporary folder, the closing diagnosis printed); PyTorch runs
torch_whole_process.py. Threads: OMP/MKL/OPENBLAS_NUM_THREADS=1 on both sides (`--threads default` leaves both on
their defaults; LayerLab's optimizer splits vectors of 2^17 entries or more over its own thread per core either
way, counted in its CPU time). Sides: this checkout, optionally float64 (`--float64`) and another checkout
(`--baseline`, e.g. main before a change), and PyTorch, in an order that rotates each repetition, after one
uncounted run of each (Python's bytecode cache then holds every module, as on a user's machine). Each repetition
gives one ratio per side (PyTorch's seconds / that side's), the median of those is printed beside the median
seconds. "Steady" (784 net only) is the marginal cost of the epochs after the fresh run's: T(E2) - T(E1) of each
side, repetition by repetition.

The GEMM share: the 784-256-256-10 float32 step (Trainer.train_step on the data's batches, one thread) against
NumPy's matmul-only ceiling, the same eight matrix products alone into preallocated outputs; and the batch loop's
step (what an epoch costs per batch, dead-unit tracking and live diagnostics included) against the same ceiling.

Figures of 2026-12-06 (2 shared cores under other people's load, one thread each, torch 2.14.1 CPU, NumPy 2.4;
`--repeats 5 --baseline <main at 041ddd2> --float64`, all sides in the same repetitions; CPU seconds, ratio =
PyTorch / LayerLab as the median of the per-repetition ratios):

    network (epochs)               PyTorch   LayerLab (ratio)     main before (ratio)   target
    2-8-8-1 tanh, b10 (300)        14.9 s    1.24 s (12.6x)       1.17 s (12.7x)        >= 8x
    digits 64-128-64-10, b32 (100) 10.2 s    1.28 s (7.8x)        1.39 s (7.2x)         >= 4x
    784-256-256-10, b128 (4)        5.8 s    2.40 s (2.26x)       2.59 s (2.16x)        >= 1.35x
    784 steady (epochs 5-12)        3.7 s    2.63 s (1.36x)       3.06 s (1.27x)        >= 2x   (not reached)
    float64 / float32 (LayerLab)    spiral 0.93x, digits 1.62x                          <= 2x

A second run on the 784 net (`--only 3`, 5 repetitions): fresh 2.42x (main before: 2.18x; main's process took
1.25x this one's CPU time), steady 1.20x (main before: 1.33x): the steady epochs' difference is within the noise
of a difference of two process times. The first run of this script that day (main before any change, 3
repetitions): 11.9x / 7.0x / 1.92x / 0.87x (steady); the machine's load moves single figures by 10-30%, so compare
sides of one run. Every ratio printed is
measured within one repetition. (The steady epochs: the loss is ~1e-6 from epoch 2 on; on this data no unit stays
dead for a whole epoch within 12 epochs, so PyTorch's subnormal slow-down does not show up here.)

GEMM share (train_step, CPU time, one BLAS thread): about 55% before and after (ceiling 1.44 ms of 2.6 ms a step
measured on a quieter machine; 49% / 49% in the second run, 46-52% while the test suite ran beside it); the step's
code is unchanged. Where the rest goes,
per 784-256-256-10 step (CPU): Adam's update 0.65-0.75 ms (twelve element-wise NumPy passes over 269,322
parameters, split over two threads, whose order of roundings the bit-identical results fix), backward beyond its
matrix products 0.1-0.14 ms (ReLU masks, bias sums), the kept previous weights and the gradient norm 0.08 ms,
forward beyond its products 0.035 ms, the loss 0.02 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# (bench_nets index, epochs of the fresh run, epochs of the longer run for the steady state or None)
PLAN = [(0, 300, None), (1, 100, None), (2, 4, 12)]


def project_json(spec: dict, epochs: int, dtype: str) -> dict:
    sizes = spec["sizes"]
    binary = spec["loss"] == "bce"
    layers = [{"type": "dense", "units": u, "activation": spec["hidden"]} for u in sizes[1:-1]]
    layers.append({"type": "dense", "units": sizes[-1], "activation": "sigmoid" if binary else "softmax"})
    return {"format": "layerlab/1", "name": spec["name"],
            "data": {"source": "npz", "path": "data.npz", "split": {"val": 0.0, "test": 0.0}, "scaling": "none"},
            "model": {"layers": layers},
            "training": {"loss": "binary_crossentropy" if binary else "categorical_crossentropy",
                         "optimizer": {"name": "adam", "lr": 0.001}, "batch_size": spec["batch"], "epochs": epochs,
                         "shuffle": True, "seed": 0, "dtype": dtype}}


def prepare(folder: Path, index: int, dtype: str) -> tuple[dict, Path]:
    import numpy as np

    sys.path.insert(0, str(HERE))
    from bench_nets import NETS, make_data

    spec = NETS[index]
    net_dir = folder / f"net{index + 1}"
    net_dir.mkdir()
    X, y = make_data(spec)
    np.savez(net_dir / "data.npz", X=X, y=y)
    return spec, net_dir


def layerlab_command(root: Path, net_dir: Path, spec: dict, epochs: int, dtype: str) -> list[str]:
    project = net_dir / f"project{epochs}-{dtype}.json"
    if not project.exists():
        project.write_text(json.dumps(project_json(spec, epochs, dtype)), encoding="utf-8")
    return [sys.executable, str(root / "main.py"), "train", str(project), "--out", str(net_dir / "model.npz"),
            "--runs", str(net_dir / "runs.sqlite")]


def torch_command(python: str, net_dir: Path, spec: dict, epochs: int) -> list[str]:
    return [python, str(HERE / "torch_whole_process.py"), str(net_dir / "data.npz"), str(net_dir / "model.pt"),
            ",".join(map(str, spec["sizes"])), spec["hidden"], spec["loss"], str(spec["batch"]), str(epochs)]


def timed_process(command: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """The process's CPU seconds (user + system, all its threads): on a shared machine its wall time mostly
    measures the neighbours; CPU time is what the process itself cost (the wall time comes second)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{proc.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def compare(sides: dict[str, tuple[Path, str]], spec: dict, net_dir: Path, epochs: list[int], torch_python: str,
            env: dict, repeats: int) -> dict[int, dict[str, list[tuple[float, float]]]]:
    """(CPU, wall) seconds of each side for each epoch count: the LayerLab sides (label -> code root, dtype) and
    PyTorch, in an order that rotates each repetition, after one warm-up run of each."""
    commands = {e: {**{label: layerlab_command(root, net_dir, spec, e, dtype) for label, (root, dtype) in sides.items()},
                    "PyTorch": torch_command(torch_python, net_dir, spec, e)} for e in epochs}
    for by_side in commands.values():
        for command in by_side.values():
            timed_process(command, env, net_dir)
    times = {e: {label: [] for label in commands[e]} for e in epochs}
    for r in range(repeats):
        for e, by_side in commands.items():
            order = list(by_side.items())
            k = r % len(order)
            for label, command in order[k:] + order[:k]:
                times[e][label].append(timed_process(command, env, net_dir))
    return times


def report(name: str, what: str, times: dict[str, list[tuple[float, float]]]) -> None:
    """Each LayerLab side's median CPU seconds and its ratio to PyTorch, as the median of the per-repetition
    ratios (each measured in one repetition), the wall-time ratio beside it."""
    theirs = times["PyTorch"]
    print(f"{name:44s} {what}: PyTorch {statistics.median(c for c, _ in theirs):6.2f} s CPU", flush=True)
    for label, ours in times.items():
        if label == "PyTorch":
            continue
        ratios = [b[0] / a[0] for a, b in zip(ours, theirs)]
        walls = [b[1] / a[1] for a, b in zip(ours, theirs) if a[1] > 0]
        print(f"{'':46s}{label:18s} {statistics.median(c for c, _ in ours):6.2f} s CPU  ratio "
              f"{statistics.median(ratios):5.2f}x (each: {' '.join(f'{r:.2f}' for r in ratios)}; wall "
              f"{statistics.median(walls):.2f}x)", flush=True)


def marginal(short: dict[str, list[tuple[float, float]]], long: dict[str, list[tuple[float, float]]]) \
        -> dict[str, list[tuple[float, float]]]:
    """The longer run's seconds minus the shorter one's, repetition by repetition: the epochs in between."""
    return {label: [(b[0] - a[0], b[1] - a[1]) for a, b in zip(short[label], long[label])] for label in short}


def gemm_share(env: dict, root: Path) -> dict:
    """Measured in a child process so its thread settings hold from NumPy's import on."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--gemm-child", str(root)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"GEMM share failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gemm_child(root: Path) -> None:
    import numpy as np

    sys.path.insert(0, str(root))
    sys.path.insert(0, str(HERE))
    from bench_nets import NETS, make_data
    from core.events import BatchEnd
    from core.network import Network
    from core.trainer import Trainer
    from core.training_config import parse_training
    from core.training_data import TrainingData

    spec = NETS[2]
    X, y = make_data(spec)
    data = TrainingData.from_arrays(X, y, task="multiclass", n_classes=10)
    sizes, bs = spec["sizes"], spec["batch"]
    layers = [{"type": "dense", "units": u, "activation": "relu"} for u in sizes[1:-1]]
    layers.append({"type": "dense", "units": sizes[-1], "activation": "softmax"})
    config = parse_training({"loss": "categorical_crossentropy", "optimizer": {"name": "adam"}, "batch_size": bs,
                             "epochs": 1000, "seed": 0})
    trainer = Trainer(Network(layers, sizes[0]), data, config)
    Xt, Tt = trainer._X, trainer._T
    nb = Xt.shape[0] // bs
    batches = [(Xt[i * bs:(i + 1) * bs], Tt[i * bs:(i + 1) * bs]) for i in range(nb)]
    # The ceiling: forward x@W (3), backward x.T@dz (3) and dz@W.T (2), into preallocated outputs.
    rng = np.random.default_rng(0)
    a = [rng.standard_normal((bs, w)).astype(np.float32) for w in sizes]
    W = [rng.standard_normal((sizes[i], sizes[i + 1])).astype(np.float32) for i in range(3)]
    z = [np.empty((bs, sizes[i + 1]), np.float32) for i in range(3)]
    dW = [np.empty_like(w) for w in W]
    dx = [np.empty((bs, sizes[i]), np.float32) for i in range(3)]

    def ceiling_round() -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        for _ in range(nb):
            for i in range(3):
                np.matmul(a[i], W[i], out=z[i])
            for i in (2, 1, 0):
                np.matmul(a[i].T, a[i + 1], out=dW[i])
                if i:
                    np.matmul(a[i + 1], W[i].T, out=dx[i])
        return (time.perf_counter() - t) / nb, (time.process_time() - c) / nb

    def step_round() -> tuple[float, float]:
        t, c = time.perf_counter(), time.process_time()
        for Xb, Tb in batches:
            trainer.train_step(Xb, Tb)
        return (time.perf_counter() - t) / nb, (time.process_time() - c) / nb

    loop = {"t": None, "steps": 0, "t0": None}

    def listener(event) -> None:
        if isinstance(event, BatchEnd) and event.batch == event.batches_per_epoch - 1:
            if loop["t0"] is not None:
                loop["t"], loop["steps"] = event.elapsed - loop["t0"], event.step - loop["s0"]
            loop["t0"], loop["s0"] = event.elapsed, event.step

    with np.errstate(all="ignore"):
        step_round()
        ceiling_round()
        steps, ceilings, loops = [], [], []
        for _ in range(7):
            steps.append(step_round())
            ceilings.append(ceiling_round())
        for _ in range(3):
            trainer.fit(2, listener=listener)     # a batch loop's step: its second epoch, per batch
            loops.append(loop["t"] / loop["steps"])
            loop["t0"] = None
    ceiling = statistics.median(w for w, _ in ceilings)
    ceiling_cpu = statistics.median(c for _, c in ceilings)
    step_cpu = statistics.median(c for _, c in steps)
    steps = [w for w, _ in steps]
    print(json.dumps({"ceiling_ms": 1e3 * ceiling, "step_ms": 1e3 * statistics.median(steps),
                      "step_cpu_ms": 1e3 * step_cpu, "cpu_share": ceiling_cpu / step_cpu,
                      "loop_step_ms": 1e3 * statistics.median(loops),
                      "share": ceiling / statistics.median(steps), "loop_share": ceiling / statistics.median(loops)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", default=os.environ.get("LAYERLAB_TORCH_PYTHON"),
                        help="a Python interpreter with torch installed")
    parser.add_argument("--repeats", type=int, default=3, help="alternating repetitions (medians of them)")
    parser.add_argument("--only", type=int, help="run only network number N (1-3)")
    parser.add_argument("--threads", choices=("1", "default"), default="1",
                        help="BLAS/OpenMP threads on both sides (default 1)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                        help="LayerLab's dtype (PyTorch stays float32)")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every epoch count")
    parser.add_argument("--no-gemm", action="store_true", help="skip the GEMM share")
    parser.add_argument("--baseline", metavar="DIR", help="another LayerLab checkout (e.g. main before a change), "
                        "run as a side of its own in the same repetitions")
    parser.add_argument("--float64", action="store_true", help="also LayerLab in float64 (target: within 2x of "
                        "float32 on the small nets)")
    parser.add_argument("--gemm-child", metavar="ROOT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gemm_child:
        gemm_child(Path(args.gemm_child))
        return
    env = dict(os.environ)
    # As on a user's machine: compiled modules are cached after the first (warm-up) run (outside the checkouts).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for var in THREAD_VARS:
        if args.threads == "1":
            env[var] = "1"
        else:
            env.pop(var, None)
    plan = PLAN if args.only is None else [PLAN[args.only - 1]]
    if not args.torch_python:
        raise SystemExit("give --torch-python (an interpreter with torch)")
    sides = {f"LayerLab {args.dtype}": (ROOT, args.dtype)}
    if args.float64 and args.dtype != "float64":
        sides["LayerLab float64"] = (ROOT, "float64")
    if args.baseline:
        sides[f"baseline {args.dtype}"] = (Path(args.baseline).resolve(), args.dtype)
    print(f"threads: {args.threads}; CPU seconds, medians of {args.repeats} rotating repetitions; "
          f"sides: {', '.join(sides)}, PyTorch", flush=True)
    with tempfile.TemporaryDirectory(prefix="layerlab-whole-") as tmp:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        for index, fresh_epochs, long_epochs in plan:
            spec, net_dir = prepare(Path(tmp), index, args.dtype)
            fresh = max(1, round(fresh_epochs * args.epochs_scale))
            epochs = [fresh] + ([max(fresh + 1, round(long_epochs * args.epochs_scale))] if long_epochs else [])
            times = compare(sides, spec, net_dir, epochs, args.torch_python, env, args.repeats)
            report(spec["name"], f"{fresh} epochs", times[fresh])
            if long_epochs:
                report("", f"steady (epochs {fresh + 1}-{epochs[1]})", marginal(times[fresh], times[epochs[1]]))
            if len(sides) > 1:
                first = times[fresh][next(iter(sides))]
                for label in list(sides)[1:]:
                    per = [b[0] / a[0] for a, b in zip(first, times[fresh][label])]
                    print(f"{'':46s}{label} / {next(iter(sides))}: {statistics.median(per):.2f}x CPU (each: "
                          f"{' '.join(f'{r:.2f}' for r in per)})", flush=True)
    if not args.no_gemm and (args.only in (None, 3)):
        one = {**env, **{var: "1" for var in THREAD_VARS}}
        one.pop("PYTHONPYCACHEPREFIX", None)
        for label, (root, _) in sides.items():
            if label.startswith("LayerLab float64"):
                continue
            g = gemm_share(one, root)
            print(f"GEMM share ({label}), 784-256-256-10 float32, one BLAS thread: ceiling {g['ceiling_ms']:.3f} ms/step;"
                  f" train_step {g['step_ms']:.3f} ms ({100 * g['share']:.0f}%), CPU {g['step_cpu_ms']:.3f} ms "
                  f"({100 * g['cpu_share']:.0f}%); batch-loop step {g['loop_step_ms']:.3f} ms "
                  f"({100 * g['loop_share']:.0f}%)  (target >= 75%)", flush=True)


if __name__ == "__main__":
    main()
