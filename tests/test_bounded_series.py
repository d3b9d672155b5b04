"""Bounded histories keep memory flat without dropping early steps; fixed bins count like np.histogram."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import SpecError
from core.histograms import _float32_tables, histogram_fixed, histogram_uniform, log_bins, symlog_bins
from core.bounded_series import DecimatingSeries, HistogramHistory


def reference_buckets(raw: np.ndarray, counts: np.ndarray):
    """Mean, min and max of consecutive runs of `raw` with the given lengths (computed independently)."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mean = np.add.reduceat(raw, starts) / counts
    return mean, np.minimum.reduceat(raw, starts), np.maximum.reduceat(raw, starts), starts


# ------------------------------------------------------------------------------------------------ DecimatingSeries


def test_million_appends_stay_within_capacity():
    s = DecimatingSeries(capacity=4096)
    buffers = [s._x, s._y, s._lo, s._hi]
    longest = 0
    for i in range(1_000_000):
        s.append(i, 1.0)
        if i % 997 == 0:
            longest = max(longest, len(s))
    assert longest <= 4096 and len(s) <= 4096
    assert len(s) > 2048  # decimation halves, it does not collapse
    assert [b.size for b in (s._x, s._y, s._lo, s._hi)] == [4096] * 4
    assert all(a is b for a, b in zip(buffers, [s._x, s._y, s._lo, s._hi]))  # no reallocation
    assert s.counts().sum() == 1_000_000


@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000, 12345])
def test_points_are_exact_means_and_envelopes_of_their_raw_values(n):
    rng = np.random.default_rng(n)
    raw = rng.standard_normal(n) * 10.0 ** rng.uniform(-2, 2, n)
    s = DecimatingSeries(capacity=64)
    for i, v in enumerate(raw):
        s.append(i, v)
    counts = s.counts()
    assert len(s) <= 64 and counts.sum() == n
    assert (counts[:-1] == s.stride).all() and 1 <= counts[-1] <= s.stride  # uniform pooling
    mean, lo, hi, starts = reference_buckets(raw, counts)
    np.testing.assert_array_equal(s.x(), starts)  # x of each point is its first step
    assert s.x()[0] == 0.0  # the first step survives every merge
    np.testing.assert_allclose(s.y(), mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(s.y_min(), lo)
    np.testing.assert_array_equal(s.y_max(), hi)
    # The count-weighted mean of the points is the mean of everything appended.
    assert np.sum(s.y() * counts) / counts.sum() == pytest.approx(raw.mean(), rel=1e-12, abs=1e-12)
    if n > 64:
        assert (np.diff(s.x()) == s.stride).all()  # evenly spaced


def test_irregular_steps_keep_first_step_and_the_mean():
    rng = np.random.default_rng(5)
    steps = np.cumsum(rng.integers(1, 50, 5000))
    values = rng.random(5000)
    s = DecimatingSeries(capacity=100)
    for x, y in zip(steps, values):
        s.append(x, y)
    assert s.x()[0] == steps[0]
    mean, lo, hi, starts = reference_buckets(values, s.counts())
    np.testing.assert_array_equal(s.x(), steps[starts])
    np.testing.assert_allclose(s.y(), mean, rtol=1e-12)
    np.testing.assert_array_equal(s.y_max(), hi)


def test_returned_arrays_do_not_change_with_later_appends():
    s = DecimatingSeries(capacity=8)
    for i in range(7):
        s.append(i, float(i))
    got = [s.x(), s.y(), s.y_min(), s.y_max(), s.counts()]
    saved = [a.copy() for a in got]
    for i in range(7, 100):  # several merges rewrite the internal buffers
        s.append(i, -float(i))
    for a, b in zip(got, saved):
        np.testing.assert_array_equal(a, b)


def test_nan_values_propagate_to_the_mean_but_not_the_envelope():
    s = DecimatingSeries(capacity=4)
    for i, v in enumerate([1.0, np.nan, 3.0, 2.0, 5.0, 6.0, 7.0, 8.0]):
        s.append(i, v)
    # 8 appends in capacity 4: stride 2 after the first merge, then again: points of 4.
    assert s.stride == 4 and len(s) == 2
    assert np.isnan(s.y()[0]) and s.y()[1] == pytest.approx(6.5)
    np.testing.assert_array_equal(s.y_min(), [1.0, 5.0])
    np.testing.assert_array_equal(s.y_max(), [3.0, 8.0])


def test_clear_and_argument_checks():
    s = DecimatingSeries(capacity=4)
    for i in range(10):
        s.append(i, i)
    s.clear()
    assert len(s) == 0 and s.stride == 1 and s.x().size == 0
    s.append(5, 1.0)
    assert list(s.x()) == [5.0]
    with pytest.raises(ValueError, match="before the previous"):
        s.append(4, 1.0)
    with pytest.raises(ValueError, match="even integer"):
        DecimatingSeries(capacity=7)


# ------------------------------------------------------------------------------------------------ HistogramHistory


def test_histogram_history_columns_are_mean_distributions_over_contiguous_spans():
    rng = np.random.default_rng(3)
    n_bins, n_snap = 6, 1001
    snaps = rng.integers(0, 50, (n_snap, n_bins)).astype(float)
    snaps[10] = 0.0  # an empty snapshot: skipped in its column's mean
    steps = np.arange(n_snap) * 10 + 7
    h = HistogramHistory(n_bins, capacity=32)
    for step, c in zip(steps, snaps):
        h.append(step, c)
        assert len(h) <= 32
    m, spans, per = h.matrix(), h.spans(), h.snapshot_counts()
    assert m.shape == (len(h), n_bins) and per.sum() == n_snap
    np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=1e-12)  # every column is a distribution
    assert spans[0, 0] == steps[0] and spans[-1, 1] == steps[-1]  # the full step range is kept
    np.testing.assert_array_equal(h.steps(), spans[:, 0])
    # Spans tile the appended steps in order, and each column is the mean of its snapshots' fractions.
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    np.testing.assert_array_equal(spans[:, 0], steps[starts])
    np.testing.assert_array_equal(spans[:, 1], steps[starts + per - 1])
    totals = snaps.sum(axis=1, keepdims=True)
    fractions = np.divide(snaps, totals, out=np.zeros_like(snaps), where=totals > 0)
    for j, (a, cnt) in enumerate(zip(starts, per)):
        nonempty = totals[a:a + cnt, 0] > 0
        np.testing.assert_allclose(m[j], fractions[a:a + cnt][nonempty].mean(axis=0), rtol=1e-12)


def test_histogram_history_copies_and_checks():
    h = HistogramHistory(3, capacity=4)
    h.append(0, [1, 1, 2])
    h.append(1, [0, 0, 0])
    m, s = h.matrix(), h.spans()
    saved = m.copy(), s.copy()
    for step in range(2, 40):
        h.append(step, [step, 1, 0])
    np.testing.assert_array_equal(m, saved[0])
    np.testing.assert_array_equal(s, saved[1])
    only_empty = HistogramHistory(2)
    only_empty.append(0, [0, 0])
    np.testing.assert_array_equal(only_empty.matrix(), [[0.0, 0.0]])
    with pytest.raises(ValueError, match="shape"):
        h.append(50, [1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        h.append(50, [1, -2, 0])
    with pytest.raises(ValueError, match="before the previous"):
        h.append(3, [1, 2, 0])


# -------------------------------------------------------------------------------------------------------- bins


def test_log_and_symlog_bin_layouts():
    e = log_bins()
    assert e.size == 50  # the zero bin plus 12 decades x 4 log bins
    assert e[0] == 0.0 and e[1] == 1e-10 and e[-1] == 100.0
    np.testing.assert_allclose(e[1:], np.logspace(-10, 2, 49), rtol=1e-12)
    s = symlog_bins(lo=0.25, hi=25.0, per_decade=2)
    np.testing.assert_array_equal(s, -s[::-1])
    np.testing.assert_allclose(s[s > 0], 0.25 * np.logspace(0, 2, 5), rtol=1e-12)
    assert s.size - 1 == 9  # 4 negative, the zero bin [-0.25, 0.25), 4 positive
    v = np.array([0.0, -0.0, 0.1, -0.25, 0.25, -0.2500001], dtype=np.float32)
    counts = histogram_fixed(v, s)
    np.testing.assert_array_equal(counts, [0, 0, 0, 1, 4, 1, 0, 0, 0])  # by hand: [-lo, lo) holds 0, -0, 0.1, -lo
    with pytest.raises(SpecError, match="whole number"):
        log_bins(lo=1e-3, hi=5e-3, per_decade=4)
    with pytest.raises(SpecError, match="0 < lo < hi"):
        symlog_bins(lo=1.0, hi=0.5)


def reference_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The documented rule: NaNs ignored, values clipped into the outer bins, then np.histogram."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[~np.isnan(v)]
    return np.histogram(np.clip(v, edges[0], edges[-1]), edges)[0]


def nasty_values(rng: np.random.Generator, edges: np.ndarray, signed: bool) -> np.ndarray:
    """Wide-range float32 values plus zeros, infinities, NaNs, subnormals and every edge's float32 neighbours."""
    wide = (rng.standard_normal(20_000) * 10.0 ** rng.uniform(-14, 5, 20_000)).astype(np.float32)
    e32 = edges.astype(np.float32)
    near = np.concatenate([e32, np.nextafter(e32, np.float32(np.inf)), np.nextafter(e32, np.float32(-np.inf))])
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3e38, -3e38], dtype=np.float32)
    v = np.concatenate([wide, near, special, np.zeros(500, np.float32)])
    return v if signed else np.abs(v)


@pytest.mark.parametrize("kind", ["log", "symlog"])
@pytest.mark.parametrize("per_decade", [1, 4, 10])
def test_histogram_fixed_equals_np_histogram(kind, per_decade):
    rng = np.random.default_rng(per_decade)
    edges = log_bins(per_decade=per_decade) if kind == "log" else symlog_bins(per_decade=per_decade)
    assert _float32_tables(edges.tobytes()) is not None  # float32 input takes the table path, not np.histogram
    v = nasty_values(rng, edges, signed=kind == "symlog")
    counts = histogram_fixed(v, edges)
    assert counts.dtype == np.int64 and counts.shape == (edges.size - 1,)
    np.testing.assert_array_equal(counts, reference_counts(v, edges))
    strided = v[: v.size // 7 * 7].reshape(-1, 7)[:, ::2]  # any shape, non-contiguous
    np.testing.assert_array_equal(histogram_fixed(strided, edges), reference_counts(strided, edges))
    np.testing.assert_array_equal(histogram_fixed(v.astype(np.float64), edges), reference_counts(v, edges))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_histogram_fixed_on_small_arrays_takes_the_search_and_equals_np_histogram(dtype):
    """Up to SMALL values (a layer's units, a small kernel) the counts come from one binary search."""
    rng = np.random.default_rng(5)
    for edges in (log_bins(), symlog_bins(), np.array([-1.0, 0.0, 1.0])):
        v = nasty_values(rng, edges, signed=True)
        if dtype is np.int64:
            v = np.round(np.nan_to_num(v, nan=0.0, posinf=1e9, neginf=-1e9).clip(-1e9, 1e9)).astype(np.int64)
        for size in (1, 16, 257, 4096):
            part = rng.choice(v, size).astype(dtype)
            np.testing.assert_array_equal(histogram_fixed(part, edges), reference_counts(part, edges))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 3, 16, 1000, 4096, 4097, 50_000])
def test_histogram_uniform_equals_np_histogram_over_the_values_range(dtype, size):
    rng = np.random.default_rng(size)
    for v in (rng.standard_normal(size), np.full(size, 0.25), rng.integers(-3, 4, size) / 8):
        v = v.astype(dtype)
        counts, edges = histogram_uniform(v, 40)
        ref_counts, ref_edges = np.histogram(v, bins=40, range=(float(v.min()), float(v.max())) if v.min() < v.max()
                                             else (float(v.min()) - 0.5, float(v.max()) + 0.5))
        np.testing.assert_array_equal(counts, ref_counts)
        np.testing.assert_array_equal(edges, ref_edges)
        assert counts.dtype == np.int64 and edges.dtype == ref_edges.dtype


def test_histogram_fixed_zero_bin_and_clipping():
    e = log_bins()
    v = np.array([0.0, 0.0, 1e-30, 5e-11, 1e-10, 99.0, 100.0, 1e9, np.inf, -3.0, np.nan], dtype=np.float32)
    counts = histogram_fixed(v, e)
    # zero bin [0, 1e-10): 0, 0, 1e-30, 5e-11 and the clipped -3.0; float32(1e-10) is just above 1e-10.
    assert counts[0] == 5
    assert counts[1] == 1
    assert counts[-1] == 4  # 99, 100 (closed last bin), 1e9 and inf clipped in; NaN ignored
    assert counts.sum() == 10


def test_histogram_fixed_other_edges_and_dense_edges():
    rng = np.random.default_rng(9)
    v = (rng.standard_normal(50_000) * 3).astype(np.float32)
    for edges in (np.linspace(-2.0, 2.0, 41), np.linspace(0.0, 1.0, 20_001), np.array([-1.0, 0.0, 1.0])):
        np.testing.assert_array_equal(histogram_fixed(v, edges), reference_counts(v, edges))
    with pytest.raises(ValueError, match="increasing"):
        histogram_fixed(v, np.array([0.0, 0.0, 1.0]))
