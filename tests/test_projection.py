"""Projections of the data and of hidden layers: the sample, PCA equal to scikit-learn's on the same rows, a stable
orientation while training, and t-SNE in a process of its own with progress."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA

from core.model_io import build_network, load_data
from core.project import parse_project
from core.projection import INPUTS, ProjectionProbe, activations, pca_2d, projection_sample
from core.tsne_job import perplexity_for, progress_of, tsne_2d

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def digits():
    project = parse_project({"format": "layerlab/1", "data": {"source": "builtin", "name": "digits",
                                                             "split": {"val": 0.2, "test": 0.1}},
                             "model": {"layers": [{"type": "dense", "units": 24, "activation": "relu"},
                                                  {"type": "dense", "units": 10, "activation": "softmax"}]}})
    prepared = load_data(project)
    network = build_network(project, prepared.input_width)
    network.initialize(np.random.default_rng(0))
    return network, prepared


def same_up_to_sign(ours: np.ndarray, theirs: np.ndarray) -> None:
    for k in range(theirs.shape[1]):
        sign = np.sign(np.dot(ours[:, k], theirs[:, k])) or 1.0
        np.testing.assert_allclose(sign * ours[:, k], theirs[:, k], rtol=1e-6, atol=1e-8)


def test_the_sample_takes_every_split_in_proportion(digits):
    _, prepared = digits
    sample = projection_sample(prepared, max_rows=500)
    counts = np.bincount(sample.split, minlength=3)
    sizes = np.array([len(prepared.train.y), len(prepared.val.y), len(prepared.test.y)])
    np.testing.assert_allclose(counts, 500 * sizes / sizes.sum(), atol=1)
    for code, split in enumerate((prepared.train, prepared.val, prepared.test)):
        mine = sample.split == code
        np.testing.assert_array_equal(sample.X[mine], np.asarray(split.X)[sample.rows[mine]])
        np.testing.assert_array_equal(sample.y[mine], np.asarray(split.y)[sample.rows[mine]])
    again = projection_sample(prepared, max_rows=500)
    np.testing.assert_array_equal(again.rows, sample.rows)
    whole = projection_sample(prepared, max_rows=10_000)
    assert len(whole) == sizes.sum()


def test_pca_of_the_inputs_equals_scikit_learns_on_the_same_rows(digits):
    network, prepared = digits
    projection = ProjectionProbe(network, prepared).project(INPUTS, 0, 0)
    rows = np.asarray(projection.sample.X, dtype=np.float64)
    reference = PCA(n_components=2).fit(rows)
    same_up_to_sign(projection.coords, reference.transform(rows))
    np.testing.assert_allclose(projection.explained, reference.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_array_equal(projection.features, projection.sample.X.astype(np.float32))


def test_pca_of_a_hidden_layer_projects_its_activations(digits):
    network, prepared = digits
    projection = ProjectionProbe(network, prepared).project(0, 3, 30)
    hidden = np.maximum(projection.sample.X.astype(np.float32) @ network.layers[0].params["weight"]
                        + network.layers[0].params["bias"], 0)
    np.testing.assert_allclose(projection.features, hidden, rtol=1e-5, atol=1e-6)
    same_up_to_sign(projection.coords, PCA(n_components=2).fit_transform(hidden.astype(np.float64)))
    assert (projection.layer, projection.epoch, projection.step) == (0, 3, 30)
    with pytest.raises(ValueError, match="no layer 5"):
        ProjectionProbe(network, prepared).project(5, 0, 0)


def test_the_picture_keeps_its_orientation_while_the_network_changes(digits):
    network, prepared = digits
    probe = ProjectionProbe(network, prepared)
    first = probe.project(0, 0, 0)
    before = network.params.copy()
    try:
        for k in range(5):       # small changes of the weights: each axis must not flip over
            network.params += np.random.default_rng(k).normal(0, 1e-3, network.params.shape).astype(network.dtype)
            later = probe.project(0, k + 1, k + 1)
            for axis in range(2):
                assert np.corrcoef(first.coords[:, axis], later.coords[:, axis])[0, 1] > 0.9
    finally:
        network.params[...] = before


def test_degenerate_layers_project_to_zeros():
    coords, explained, _ = pca_2d(np.ones((20, 4)))
    assert not coords.any() and not explained.any()
    coords, explained, _ = pca_2d(np.arange(10.0)[:, None])          # one feature: the second axis is zero
    assert np.all(coords[:, 1] == 0) and explained[0] == pytest.approx(1.0)


def test_activations_of_the_inputs_are_the_inputs(digits):
    network, prepared = digits
    X = np.asarray(prepared.train.X[:5])
    np.testing.assert_array_equal(activations(network, X, INPUTS), X)
    np.testing.assert_allclose(activations(network, X, 1), network.predict(X), rtol=1e-6)


def test_tsne_separates_clusters_and_reports_progress(tmp_path):
    rng = np.random.default_rng(0)
    features = np.vstack([rng.normal(0, 0.3, (30, 5)), rng.normal(4, 0.3, (30, 5))])
    source, out = tmp_path / "features.npy", tmp_path / "out.npy"
    np.save(source, features)
    done = subprocess.run([sys.executable, "-m", "core.tsne_job", str(source), str(out), "--max-iter", "300"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "tsne iterations 300" and lines[-1] == "tsne done"
    fractions = [f for f in (progress_of(line, 300) for line in lines) if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 5
    embedding = np.load(out, allow_pickle=False)
    assert embedding.shape == (60, 2)
    a, b = embedding[:30].mean(axis=0), embedding[30:].mean(axis=0)
    spread = max(embedding[:30].std(axis=0).max(), embedding[30:].std(axis=0).max())
    assert np.linalg.norm(a - b) > 3 * spread


def test_tsne_refuses_unreadable_input_without_writing(tmp_path):
    source, out = tmp_path / "bad.npy", tmp_path / "out.npy"
    np.save(source, np.array([[1.0, np.nan]]))
    done = subprocess.run([sys.executable, "-m", "core.tsne_job", str(source), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "finite 2-D array" in done.stderr and not out.exists()


def test_tsne_of_tiny_samples():
    assert perplexity_for(1000) == 30.0 and perplexity_for(31) == 10.0 and perplexity_for(2) == 1.0
    assert tsne_2d(np.ones((2, 3))).shape == (2, 2)
