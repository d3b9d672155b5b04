"""Load time and peak memory of a large numeric CSV through `core.data.load_dataset`.

    python benchmarks/bench_csv_load.py [--rows 1000000] [--cols 20] [--keep DIR]

Writes a rows x (cols + 1) CSV (cols float features and a float target) into a temporary folder, then loads it in
a fresh child process so the peak resident memory (ru_maxrss) belongs to the load alone. Prints the file size, the
load time, the child's resident memory after imports and at its peak, and the size of the resulting arrays, so
the overhead over the data itself is visible. Also loads the same rows with a text (categorical) column, which
takes the csv-module path instead of NumPy's parser.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def write_csv(path: Path, rows: int, cols: int, text_column: bool, seed: int = 0) -> None:
    """Written in blocks so the writer itself stays small."""
    rng = np.random.default_rng(seed)
    names = [f"f{j}" for j in range(cols)] + (["colour"] if text_column else []) + ["target"]
    line = ",".join(["%.6f"] * cols + (["%s"] if text_column else []) + ["%.6f"]) + "\n"
    colours = ["red", "green", "blue"]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(names) + "\n")
        for start in range(0, rows, 50_000):
            m = min(50_000, rows - start)
            X = rng.standard_normal((m, cols))
            y = X[:, :3].sum(axis=1) + 0.1 * rng.standard_normal(m)
            if text_column:
                picks = rng.integers(3, size=m).tolist()
                out.writelines(line % (*row, colours[c], t) for row, c, t in zip(X.tolist(), picks, y.tolist()))
            else:
                out.writelines(line % (*row, t) for row, t in zip(X.tolist(), y.tolist()))


def peak_rss_mib() -> float:
    """Peak resident memory of this process: VmHWM (reset by exec, unlike ru_maxrss, which keeps the parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str) -> None:
    from core.data import load_dataset

    after_imports = peak_rss_mib()
    calls = []
    start = time.perf_counter()
    dataset = load_dataset({"source": "csv", "path": path, "target": "target"}, progress=calls.append)
    seconds = time.perf_counter() - start
    peak = peak_rss_mib()
    print(json.dumps({"seconds": seconds, "rss_after_imports_mib": after_imports, "peak_rss_mib": peak,
                      "result_mib": (dataset.X.nbytes + dataset.y.nbytes) / 2 ** 20, "shape": list(dataset.X.shape),
                      "task": dataset.task, "progress_calls": len(calls), "monotonic": calls == sorted(calls),
                      "last_progress": calls[-1]}))


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--keep", help="write the files into this folder and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        for text_column in (False, True):
            path = folder / f"bench_{args.rows}x{args.cols}{'_text' if text_column else ''}.csv"
            start = time.perf_counter()
            write_csv(path, args.rows, args.cols, text_column)
            written = time.perf_counter() - start
            r = measure(path)
            kind = "numeric + one text column" if text_column else "numeric"
            print(f"{kind}: {args.rows} rows x {args.cols} features, file {path.stat().st_size / 2 ** 20:.0f} MiB "
                  f"(written in {written:.1f} s)")
            print(f"  load {r['seconds']:.2f} s ({args.rows / r['seconds'] / 1e3:.0f}k rows/s); X {r['shape']}, "
                  f"task {r['task']}")
            print(f"  peak RSS {r['peak_rss_mib']:.0f} MiB (after imports {r['rss_after_imports_mib']:.0f} MiB); "
                  f"arrays returned {r['result_mib']:.0f} MiB; overhead "
                  f"{r['peak_rss_mib'] - r['rss_after_imports_mib'] - r['result_mib']:.0f} MiB")
            print(f"  progress: {r['progress_calls']} calls, monotonic {r['monotonic']}, last {r['last_progress']}")


if __name__ == "__main__":
    main()
