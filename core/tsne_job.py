"""t-SNE of a projection's rows in a process of its own: `python -m core.tsne_job FEATURES.npy OUT.npy`.

scikit-learn's TSNE takes seconds and offers neither progress nor cancel, and much of it holds the interpreter lock.
Run in a child process it cannot slow the window or the training thread, it is cancelled by ending the process,
and its progress is read from its output: a first line `tsne iterations N`, then scikit-learn's own
`[t-SNE] Iteration K: ...` lines (every 50 iterations), then `tsne done`. The result (n, 2) float64 is written
atomically, so a cancelled job leaves no half-written file. Inputs are read without unpickling.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from .fileio import atomic_write_with

MAX_ITER = 1000
ITERATION_LINE = re.compile(r"\[t-SNE\] Iteration (\d+)")


def perplexity_for(n: int, wanted: float = 30.0) -> float:
    """scikit-learn needs perplexity < n; a third of the rows keeps small samples meaningful."""
    return float(max(1.0, min(wanted, (n - 1) / 3.0)))


def tsne_2d(features: np.ndarray, seed: int = 0, max_iter: int = MAX_ITER, perplexity: float = 30.0,
            verbose: int = 0) -> np.ndarray:
    """(n, 2) t-SNE embedding of `features` (n, width), PCA-initialised and seeded."""
    from sklearn.manifold import TSNE

    X = np.asarray(features, dtype=np.float64)
    if X.shape[0] < 3:
        return np.zeros((X.shape[0], 2))
    tsne = TSNE(n_components=2, perplexity=perplexity_for(X.shape[0], perplexity), init="pca", random_state=seed,
                max_iter=max(250, int(max_iter)), verbose=verbose)
    return tsne.fit_transform(X)


def progress_of(line: str, max_iter: int) -> float | None:
    """The fraction done that a line of the job's output reports, or None."""
    match = ITERATION_LINE.search(line)
    if match is None:
        return None
    return min(1.0, int(match.group(1)) / max(max_iter, 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.tsne_job", description="t-SNE of an .npy of features")
    parser.add_argument("features")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-iter", type=int, default=MAX_ITER)
    parser.add_argument("--perplexity", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        features = np.load(args.features, allow_pickle=False)
        if features.ndim != 2 or not np.all(np.isfinite(features)):
            raise ValueError(f"expected a finite 2-D array, got shape {features.shape}")
    except (OSError, ValueError) as exc:
        print(f"tsne error: cannot read {args.features}: {exc}", file=sys.stderr)
        return 2
    print(f"tsne iterations {max(250, args.max_iter)}", flush=True)
    embedding = tsne_2d(features, args.seed, args.max_iter, args.perplexity, verbose=2)
    sys.stdout.flush()
    def write(path: Path) -> None:
        with open(path, "wb") as f:          # a file object: np.save would add ".npy" to a temporary name
            np.save(f, embedding)

    atomic_write_with(Path(args.out), write, "t-SNE result")
    print("tsne done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
