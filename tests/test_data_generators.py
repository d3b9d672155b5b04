"""Built-in generators: the playground's formulas (src/dataset.ts), the extra toys, sizes, seeds and speed.

References are independent of the code under test: per-point transcriptions of the playground's label functions,
and Monte Carlo estimates (with their own generator) of how often its noise flips a label.
"""
import math

import numpy as np
import pytest

from core.data import builtin_datasets, load_dataset
from core.errors import SpecError


def gen(name, **kw):
    return load_dataset({"source": "builtin", "name": name, **kw})


def mc_flip_rate(sample_point, label_of, noise, scale, n=200_000, seed=123):
    """P(label of point + noise * U(-scale, scale)^2 differs from label of point), by simulation."""
    rng = np.random.default_rng(seed)
    p = sample_point(rng, n)
    shifted = p + rng.uniform(-scale, scale, (n, 2)) * noise
    return float(np.mean(label_of(shifted) != label_of(p)))


# --- the playground's six -------------------------------------------------------------------------------------
def test_circle_without_noise_labels_the_inner_disc_positive():
    d = gen("circle", samples=2000)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    assert d.class_names == ("-1", "+1")
    assert np.all((r <= 2.5) | ((r >= 3.5) & (r <= 5.0)))
    np.testing.assert_array_equal(d.y, (r < 2.5).astype(int))
    assert np.bincount(d.y).tolist() == [1000, 1000]


def test_circle_noise_flips_labels_as_the_playground_does():
    noise = 0.5
    d = gen("circle", samples=50_000, noise=noise)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    inner = r <= 2.5
    assert np.all(inner | ((r >= 3.5) & (r <= 5.0)))   # noise never moves points

    def disc(rng, n):
        rr, a = rng.uniform(0, 2.5, n), rng.uniform(0, 2 * np.pi, n)
        return np.column_stack([rr * np.sin(a), rr * np.cos(a)])

    def ring(rng, n):
        rr, a = rng.uniform(3.5, 5, n), rng.uniform(0, 2 * np.pi, n)
        return np.column_stack([rr * np.sin(a), rr * np.cos(a)])

    def label(p):
        return np.hypot(p[:, 0], p[:, 1]) < 2.5

    assert np.mean(d.y[inner] == 0) == pytest.approx(mc_flip_rate(disc, label, noise, 5), abs=0.012)
    assert np.mean(d.y[~inner] == 1) == pytest.approx(mc_flip_rate(ring, label, noise, 5), abs=0.012)


def test_xor_without_noise_is_the_sign_of_x_times_y_with_padding():
    d = gen("xor", samples=3000)
    x, y = d.X[:, 0], d.X[:, 1]
    assert np.all((np.abs(x) >= 0.3) & (np.abs(x) <= 5.3) & (np.abs(y) >= 0.3) & (np.abs(y) <= 5.3))
    np.testing.assert_array_equal(d.y, (x * y >= 0).astype(int))


def test_xor_noise_flip_rate_matches_simulation():
    noise = 0.3
    d = gen("xor", samples=50_000, noise=noise)
    observed = np.mean(d.y != (d.X[:, 0] * d.X[:, 1] >= 0))

    def padded(rng, n):
        p = rng.uniform(-5, 5, (n, 2))
        return p + np.where(p > 0, 0.3, -0.3)

    expected = mc_flip_rate(padded, lambda p: p[:, 0] * p[:, 1] >= 0, noise, 5)
    assert observed == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
def test_gauss_centres_and_variance(noise):
    d = gen("gauss", samples=50_000, noise=noise)
    variance = 0.5 + 7 * noise          # d3 linear scale: noise 0..0.5 -> variance 0.5..4
    for cls, centre in ((1, 2.0), (0, -2.0)):
        pts = d.X[d.y == cls]
        np.testing.assert_allclose(pts.mean(axis=0), [centre, centre], atol=0.05)
        np.testing.assert_allclose(pts.var(axis=0), [variance, variance], rtol=0.04)


def test_spiral_without_noise_lies_on_the_playground_arms():
    n = 500
    d = gen("spiral", samples=n)
    x, y = d.X[:, 0], d.X[:, 1]
    r = np.hypot(x, y)
    half = n / 2
    i = r / 5 * half
    np.testing.assert_allclose(i, np.round(i), atol=1e-9)           # r = i / (n/2) * 5 for whole i
    for cls, delta in ((1, 0.0), (0, np.pi)):
        m = d.y == cls
        t = 1.75 * i[m] / half * 2 * np.pi + delta
        np.testing.assert_allclose(x[m], r[m] * np.sin(t), atol=1e-9)
        np.testing.assert_allclose(y[m], r[m] * np.cos(t), atol=1e-9)
    assert sorted(np.round(i[d.y == 1]).astype(int)) == list(range(250))


def test_spiral_noise_is_a_uniform_jitter_scaled_by_noise():
    base, small, large = (gen("spiral", samples=1000, noise=v, seed=4).X for v in (0.0, 0.1, 0.4))
    jitter = small - base
    assert np.abs(jitter).max() <= 0.1 + 1e-12
    assert np.abs(jitter).max() > 0.09
    np.testing.assert_allclose(large - base, 4 * jitter, atol=1e-12)


def test_reg_plane_target():
    d = gen("reg-plane", samples=5000)
    assert d.task == "regression" and d.y.shape == (5000, 1)
    assert np.all(np.abs(d.X) <= 6)
    np.testing.assert_allclose(d.y[:, 0], (d.X[:, 0] + d.X[:, 1]) / 10, atol=1e-12)
    noisy = gen("reg-plane", samples=50_000, noise=0.5)
    residual = noisy.y[:, 0] - noisy.X.sum(axis=1) / 10     # (s1 + s2) / 10, s ~ U(-3, 3)
    assert np.abs(residual).max() <= 0.6
    assert residual.var() == pytest.approx(2 * 6 ** 2 / 12 / 100, rel=0.03)


def playground_gauss_label(x, y):
    """getLabel of regressGaussian in dataset.ts, transcribed point by point."""
    label = 0.0
    for cx, cy, sign in [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]:
        dist = math.sqrt((x - cx) ** 2 + (y - cy) ** 2)
        scaled = min(1.0, max(0.0, 1 + (dist - 0) * (0 - 1) / (2 - 0)))   # d3 linear [0,2]->[1,0], clamped
        new = sign * scaled
        if abs(new) > abs(label):
            label = new
    return label


def test_reg_gauss_matches_the_playground_label_function():
    d = gen("reg-gauss", samples=3000)
    expected = [playground_gauss_label(x, y) for x, y in d.X]
    np.testing.assert_allclose(d.y[:, 0], expected, atol=1e-12)
    assert d.y.min() < -0.9 and d.y.max() > 0.9 and np.mean(d.y == 0) > 0.2


def test_default_sizes_and_odd_sizes_are_exact():
    assert gen("spiral").n_samples == 500
    assert gen("reg-gauss").n_samples == 1200
    d = gen("circle", samples=51)
    assert d.n_samples == 51 and np.bincount(d.y).tolist() == [25, 26]
    assert gen("gauss", samples=50_000).n_samples == 50_000


@pytest.mark.parametrize("samples", [49, 50_001])
def test_sample_count_limits(samples):
    with pytest.raises(SpecError, match="data.samples"):
        gen("xor", samples=samples)


def test_same_seed_same_data_other_seed_other_data():
    for info in builtin_datasets():
        if not info.generated:
            continue
        a, b, c = gen(info.name, seed=7), gen(info.name, seed=7), gen(info.name, seed=8)
        np.testing.assert_array_equal(a.X, b.X)
        np.testing.assert_array_equal(a.y, b.y)
        assert not np.array_equal(a.X, c.X), info.name


def test_the_largest_size_generates():
    """(How fast: benchmarks/bench_core_ops.py.)"""
    for info in builtin_datasets():
        if info.generated:
            d = gen(info.name, samples=50_000, noise=0.2)
            assert d.n_samples == 50_000 and np.all(np.isfinite(d.X))


def test_generated_rows_are_shuffled():
    d = gen("gauss", samples=1000)
    assert 0 < np.mean(d.y[:500]) < 1          # the playground shuffles; classes are not in blocks


# --- the extra toys -------------------------------------------------------------------------------------------
def on_circle(points, centre, radius):
    return np.allclose(np.hypot(points[:, 0] - centre[0], points[:, 1] - centre[1]), radius, atol=1e-9)


def test_moons_match_scikit_learn_geometry():
    from sklearn.datasets import make_moons

    ref_X, ref_y = make_moons(400, noise=0.0, random_state=0)
    ref_X = (ref_X - [0.5, 0.25]) * 3                     # the documented centring and scale
    d = gen("moons", samples=400, noise=0.0)
    for X, y in ((ref_X, ref_y), (d.X, d.y)):
        assert on_circle(X[y == 0], (-1.5, -0.75), 3) and np.all(X[y == 0][:, 1] >= -0.75 - 1e-9)
        assert on_circle(X[y == 1], (1.5, 0.75), 3) and np.all(X[y == 1][:, 1] <= 0.75 + 1e-9)
    assert d.task == "binary"


def test_blobs_classes_centres_and_spread():
    d = gen("blobs", samples=30_000, classes=5, noise=0.2)
    assert d.task == "multiclass" and d.n_classes == 5 and d.n_outputs == 5
    assert np.bincount(d.y).tolist() == [6000] * 5
    for k in range(5):
        a = np.pi / 2 + 2 * np.pi * k / 5
        pts = d.X[d.y == k]
        np.testing.assert_allclose(pts.mean(axis=0), [4 * np.cos(a), 4 * np.sin(a)], atol=0.05)
        np.testing.assert_allclose(pts.std(axis=0), [1.1, 1.1], rtol=0.04)


def test_spirals_arms_are_turned_copies_of_the_playground_arm():
    d = gen("spirals", samples=600, arms=3)
    assert d.n_classes == 3 and np.bincount(d.y).tolist() == [200] * 3
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    for k in range(3):
        m = d.y == k
        t = 1.75 * 2 * np.pi * r[m] / 5 + 2 * np.pi * k / 3
        np.testing.assert_allclose(d.X[m, 0], r[m] * np.sin(t), atol=1e-9)
        np.testing.assert_allclose(d.X[m, 1], r[m] * np.cos(t), atol=1e-9)


def test_checkerboard_colours():
    d = gen("checkerboard", samples=4000, cells=4)
    cell = np.floor((d.X + 6) / 3).astype(int)
    np.testing.assert_array_equal(d.y, cell.sum(axis=1) % 2)
    assert 0.45 < d.y.mean() < 0.55


def test_sine_and_multi_output_regression():
    d = gen("sine", samples=2000, noise=0.0)
    assert d.X.shape == (2000, 1) and d.feature_names == ("x1",)
    np.testing.assert_allclose(d.y[:, 0], np.sin(d.X[:, 0]), atol=1e-12)
    noisy = gen("sine", samples=40_000, noise=0.2)
    assert (noisy.y[:, 0] - np.sin(noisy.X[:, 0])).std() == pytest.approx(0.2, rel=0.03)
    m = gen("reg-multi", samples=1000, noise=0.0)
    assert m.y.shape == (1000, 2) and m.target_names == ("wave", "bowl") and m.n_outputs == 2
    x1, x2 = m.X[:, 0], m.X[:, 1]
    np.testing.assert_allclose(m.y[:, 0], np.sin(x1 / 2) * np.cos(x2 / 2), atol=1e-12)
    np.testing.assert_allclose(m.y[:, 1], (x1 ** 2 + x2 ** 2) / 36 - 1, atol=1e-12)


def test_catalogue_describes_every_dataset():
    infos = builtin_datasets()
    names = [i.name for i in infos]
    assert names[:6] == ["circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss"]
    assert {"moons", "blobs", "spirals", "checkerboard", "sine", "reg-multi", "iris", "wine", "breast_cancer",
            "digits", "diabetes", "linnerud"} <= set(names)
    for info in infos:
        assert info.description and info.kind in ("classification", "regression", "real")
        if info.generated:
            samples = info.param("samples")
            assert (samples.minimum, samples.maximum) == (50, 50_000)
            assert samples.default == (500 if info.kind == "classification" else 1200)
            assert info.param("noise").maximum == 0.5
        d = gen(info.name)
        assert d.task == info.task and d.input_width == info.n_features and (d.input_width == 2) == info.two_d
