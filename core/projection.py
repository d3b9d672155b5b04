"""2-D pictures of high-dimensional data (course note 004): PCA of the inputs or of a hidden layer's activations,
live, on a fixed sample of rows; t-SNE of the same rows on demand (core/tsne_job.py).

The sample is drawn once per run from every split in proportion (seeded), so train, validation and test points
are all there and the same points move from one snapshot to the next. PCA's components have no sign of their
own: each new one takes the sign that agrees with the previous snapshot's, so the picture does not flip over
while the network trains. scikit-learn is imported only when a projection is first computed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .events import frozen_array
from .network import Network

MAX_ROWS = 1000
INPUTS = -1                     # the layer index that means "the network's inputs"
SPLIT_NAMES = ("train", "validation", "test")


@dataclass(frozen=True)
class ProjectionSample:
    """The rows a run's projections show: network inputs, their targets and which split each comes from."""

    X: np.ndarray              # (n, input_width) network inputs (crossed and scaled)
    y: np.ndarray              # targets, as the dataset holds them (class indices, or (n, k) values)
    split: np.ndarray          # (n,) int8: 0 train, 1 validation, 2 test
    rows: np.ndarray           # (n,) row index within its split

    def __len__(self) -> int:
        return int(self.X.shape[0])


@dataclass(frozen=True)
class Projection:
    epoch: int
    step: int
    layer: int                 # INPUTS or the model layer whose activations are projected
    coords: np.ndarray         # (n, 2) the sample's rows in the plane of the first two principal components
    explained: np.ndarray      # (2,) share of the variance along each axis
    features: np.ndarray       # (n, width) what was projected (t-SNE starts from it)
    sample: ProjectionSample


def projection_sample(prepared: Any, max_rows: int = MAX_ROWS, seed: int = 0) -> ProjectionSample:
    """Up to `max_rows` rows drawn from the train, validation and test splits in proportion to their sizes."""
    splits = [(code, split) for code, split in enumerate((prepared.train, getattr(prepared, "val", None),
                                                          getattr(prepared, "test", None)))
              if split is not None and len(split.y)]
    total = sum(len(split.y) for _, split in splits)
    rng = np.random.default_rng(seed)
    parts_X, parts_y, parts_split, parts_rows = [], [], [], []
    for code, split in splits:
        n = len(split.y)
        take = n if total <= max_rows else max(1, int(round(max_rows * n / total)))
        rows = np.arange(n) if take >= n else np.sort(rng.choice(n, take, replace=False))
        parts_X.append(np.asarray(split.X)[rows])
        parts_y.append(np.asarray(split.y)[rows])
        parts_split.append(np.full(rows.size, code, dtype=np.int8))
        parts_rows.append(rows)
    return ProjectionSample(frozen_array(np.concatenate(parts_X)), frozen_array(np.concatenate(parts_y)),
                            frozen_array(np.concatenate(parts_split)), frozen_array(np.concatenate(parts_rows)))


def activations(network: Network, X: np.ndarray, layer: int) -> np.ndarray:
    """The evaluation-mode output of model layer `layer` for inputs X (INPUTS: X itself, as the data holds it)."""
    if layer == INPUTS:
        return np.asarray(X)
    x = np.asarray(X, dtype=network.dtype)
    for layer_object in network.layers[:layer + 1]:
        x = layer_object.forward(x, False, None)
    return np.array(x, copy=True)


def pca_2d(features: np.ndarray, previous: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coords (n, 2), explained variance ratios (2,), components (2, width)) of scikit-learn's PCA.

    A component pointing away from the same component of `previous` (an earlier fit of the same layer) is turned
    round, so the picture keeps its orientation. One feature, or rows without any variance, give zeros."""
    X = np.asarray(features, dtype=np.float64)
    n, width = X.shape
    coords = np.zeros((n, 2))
    explained = np.zeros(2)
    components = np.zeros((2, width))
    k = min(2, width, n)
    if k == 0 or float(np.max(np.var(X, axis=0))) <= 1e-12:
        return coords, explained, components
    from sklearn.decomposition import PCA

    pca = PCA(n_components=k, svd_solver="full")
    coords[:, :k] = pca.fit_transform(X)
    explained[:k] = pca.explained_variance_ratio_
    components[:k] = pca.components_
    if previous is not None and previous.shape == components.shape:
        flip = np.einsum("ij,ij->i", components, previous) < 0
        coords[:, flip] *= -1
        components[flip] *= -1
    return coords, explained, components


class ProjectionProbe:
    """Projects one network's activations on one fixed sample, layer by layer as asked."""

    def __init__(self, network: Network, prepared: Any, max_rows: int = MAX_ROWS):
        self.network = network
        self.sample = projection_sample(prepared, max_rows)
        self._components: dict[int, np.ndarray] = {}

    def project(self, layer: int, epoch: int, step: int) -> Projection:
        if not (layer == INPUTS or 0 <= layer < len(self.network.layers)):
            raise ValueError(f"no layer {layer} to project (the network has {len(self.network.layers)})")
        features = activations(self.network, self.sample.X, layer)
        coords, explained, components = pca_2d(features, self._components.get(layer))
        self._components[layer] = components
        return Projection(epoch, step, layer, frozen_array(coords), frozen_array(explained),
                          frozen_array(features, np.float32), self.sample)
