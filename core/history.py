"""Bounded histories for live plots of long runs: per-step series and histograms over time.

A run of 100,000+ steps must plot in constant memory without losing its beginning. Instead of sampling (which drops
early steps), both histories decimate: when full they merge adjacent pairs and double their stride, and later
appends are pooled `stride` at a time, so points stay evenly spaced and every appended value is still accounted
for in some point's mean and envelope. The bucket still being filled is shown as the last point, so the newest
value is always on screen. Every array handed out is a fresh copy: a GUI thread may draw it while appends go on.

Fixed bin edges (`log_bins`, `symlog_bins`) make histograms from different steps comparable; `histogram_fixed`
counts values into them faster than `np.histogram`.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .errors import SpecError


def _check_capacity(capacity: int, what: str) -> int:
    if int(capacity) != capacity or capacity < 2 or capacity % 2:
        raise ValueError(f"{what}: capacity={capacity!r}; expected an even integer >= 2")
    return int(capacity)


class DecimatingSeries:
    """(x, y) points with at most `capacity` stored, each the mean of `stride` raw appends plus their min and max.

    Memory: four preallocated float64 arrays of `capacity`. `append` is O(1) amortised (a merge costs O(capacity)
    once per capacity/2 points). NaN values of y propagate into their point's mean; min and max skip them.
    """

    def __init__(self, capacity: int = 4096):
        self.capacity = _check_capacity(capacity, "DecimatingSeries")
        self._x = np.empty(self.capacity)
        self._y = np.empty(self.capacity)
        self._lo = np.empty(self.capacity)
        self._hi = np.empty(self.capacity)
        self.clear()

    def clear(self) -> None:
        """Forget every point and return to stride 1 (the buffers are kept)."""
        self._n = 0
        self.stride = 1
        self._pc = 0  # appends in the pending bucket
        self._px = self._psum = self._pmin = self._pmax = 0.0
        self._last_x = -math.inf

    def append(self, x: float, y: float) -> None:
        """Add one raw point; x (the step) must not decrease."""
        x = float(x)
        y = float(y)
        if x < self._last_x:
            raise ValueError(f"DecimatingSeries.append: x={x:g} is before the previous x={self._last_x:g}")
        self._last_x = x
        c = self._pc
        if c == 0:
            self._px = x
            self._psum = self._pmin = self._pmax = y
        else:
            self._psum += y
            if y < self._pmin or self._pmin != self._pmin:
                self._pmin = y
            if y > self._pmax or self._pmax != self._pmax:
                self._pmax = y
        c += 1
        if c == self.stride:
            n = self._n
            self._x[n] = self._px
            self._y[n] = self._psum / c
            self._lo[n] = self._pmin
            self._hi[n] = self._pmax
            self._n = n + 1
            if self._n == self.capacity:
                self._merge()
            c = 0
        self._pc = c

    def _merge(self) -> None:
        h = self.capacity // 2
        self._x[:h] = self._x[0::2]
        self._y[:h] = 0.5 * (self._y[0::2] + self._y[1::2])  # equal counts per point: the mean of means
        self._lo[:h] = np.fmin(self._lo[0::2], self._lo[1::2])
        self._hi[:h] = np.fmax(self._hi[0::2], self._hi[1::2])
        self._n = h
        self.stride *= 2

    def __len__(self) -> int:
        return self._n + (1 if self._pc else 0)

    def _with_pending(self, stored: np.ndarray, pending: float) -> np.ndarray:
        out = np.empty(len(self))
        out[: self._n] = stored[: self._n]
        if self._pc:
            out[-1] = pending
        return out

    def x(self) -> np.ndarray:
        """(m,) the first step of each point."""
        return self._with_pending(self._x, self._px)

    def y(self) -> np.ndarray:
        """(m,) mean of the raw values pooled into each point."""
        return self._with_pending(self._y, self._psum / self._pc if self._pc else 0.0)

    def y_min(self) -> np.ndarray:
        """(m,) smallest raw value of each point (lower envelope)."""
        return self._with_pending(self._lo, self._pmin)

    def y_max(self) -> np.ndarray:
        """(m,) largest raw value of each point (upper envelope)."""
        return self._with_pending(self._hi, self._pmax)

    def counts(self) -> np.ndarray:
        """(m,) number of raw appends behind each point: `stride` for all but a partly filled last one."""
        out = np.full(len(self), self.stride, dtype=np.int64)
        if self._pc:
            out[-1] = self._pc
        return out


class HistogramHistory:
    """Histograms over time for a heat map: at most `capacity` columns of `n_bins` fractions each.

    Each snapshot is normalised to fractions summing to 1 (so a column is a distribution whatever the number of
    values behind it), and a column shows the mean of the fractions of the snapshots merged into it; snapshots
    with no values at all are skipped in that mean (a column made only of them is all zeros). Columns remember
    the first and last step they cover. Memory: (capacity, n_bins) float64 plus a few (capacity,) arrays.
    """

    def __init__(self, n_bins: int, capacity: int = 512):
        if int(n_bins) != n_bins or n_bins < 1:
            raise ValueError(f"HistogramHistory: n_bins={n_bins!r}; expected a positive integer")
        self.n_bins = int(n_bins)
        self.capacity = _check_capacity(capacity, "HistogramHistory")
        self._sum = np.zeros((self.capacity, self.n_bins))  # sum of fractions of the non-empty snapshots
        self._used = np.zeros(self.capacity, dtype=np.int64)  # non-empty snapshots per column
        self._first = np.zeros(self.capacity, dtype=np.int64)
        self._last = np.zeros(self.capacity, dtype=np.int64)
        self._psum = np.zeros(self.n_bins)
        self.clear()

    def clear(self) -> None:
        self._n = 0
        self.stride = 1
        self._pc = 0
        self._pused = 0
        self._pfirst = self._plast = 0
        self._psum[:] = 0.0
        self._last_step: int | None = None

    def append(self, step: int, counts: np.ndarray) -> None:
        """Add the histogram (n_bins,) of non-negative counts taken at `step` (steps must not decrease)."""
        step = int(step)
        if self._last_step is not None and step < self._last_step:
            raise ValueError(f"HistogramHistory.append: step {step} is before the previous step {self._last_step}")
        c = np.asarray(counts, dtype=np.float64)
        if c.shape != (self.n_bins,):
            raise ValueError(f"HistogramHistory.append: counts have shape {c.shape}; expected ({self.n_bins},)")
        total = c.sum()
        if not np.isfinite(total) or (c < 0).any():
            raise ValueError("HistogramHistory.append: counts must be finite and non-negative")
        self._last_step = step
        if self._pc == 0:
            self._pfirst = step
            self._psum[:] = 0.0
            self._pused = 0
        self._plast = step
        if total > 0:
            self._psum += c / total
            self._pused += 1
        self._pc += 1
        if self._pc == self.stride:
            n = self._n
            self._sum[n] = self._psum
            self._used[n] = self._pused
            self._first[n] = self._pfirst
            self._last[n] = self._plast
            self._n = n + 1
            self._pc = 0
            if self._n == self.capacity:
                self._merge()

    def _merge(self) -> None:
        h = self.capacity // 2
        self._sum[:h] = self._sum[0::2] + self._sum[1::2]
        self._used[:h] = self._used[0::2] + self._used[1::2]
        self._first[:h] = self._first[0::2]
        self._last[:h] = self._last[1::2]
        self._n = h
        self.stride *= 2

    def __len__(self) -> int:
        return self._n + (1 if self._pc else 0)

    def matrix(self) -> np.ndarray:
        """(n_columns, n_bins) mean fractions; every column sums to 1 (or is all 0 if all its snapshots were empty)."""
        sums = np.empty((len(self), self.n_bins))
        used = np.empty(len(self))
        sums[: self._n] = self._sum[: self._n]
        used[: self._n] = self._used[: self._n]
        if self._pc:
            sums[-1] = self._psum
            used[-1] = self._pused
        return sums / np.maximum(used, 1)[:, None]

    def spans(self) -> np.ndarray:
        """(n_columns, 2) int64: first and last step each column covers."""
        out = np.empty((len(self), 2), dtype=np.int64)
        out[: self._n, 0] = self._first[: self._n]
        out[: self._n, 1] = self._last[: self._n]
        if self._pc:
            out[-1] = (self._pfirst, self._plast)
        return out

    def steps(self) -> np.ndarray:
        """(n_columns,) int64: the first step of each column."""
        return self.spans()[:, 0].copy()

    def snapshot_counts(self) -> np.ndarray:
        """(n_columns,) number of snapshots merged into each column (empty ones included)."""
        out = np.full(len(self), self.stride, dtype=np.int64)
        if self._pc:
            out[-1] = self._pc
        return out


# Fixed bin edges and fast counting.


def _log_edges(lo: float, hi: float, per_decade: int, where: str) -> np.ndarray:
    if not (0 < lo < hi) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise SpecError(f"{where}: lo={lo!r}, hi={hi!r}; expected finite 0 < lo < hi")
    if int(per_decade) != per_decade or per_decade < 1:
        raise SpecError(f"{where}: per_decade={per_decade!r}; expected a positive integer")
    steps = math.log10(hi / lo) * per_decade
    n_log = round(steps)
    if n_log < 1 or abs(steps - n_log) > 1e-6:
        raise SpecError(
            f"{where}: hi/lo = {hi / lo:g} is not a whole number of 1/{per_decade} decades; "
            "expected e.g. lo=1e-10, hi=1e2"
        )
    edges = lo * 10.0 ** (np.arange(n_log + 1) / per_decade)
    edges[0], edges[-1] = lo, hi
    return edges


def log_bins(lo: float = 1e-10, hi: float = 1e2, per_decade: int = 4) -> np.ndarray:
    """Edges [0, lo, lo*10^(1/per_decade), ..., hi] for non-negative values such as gradient norms.

    The first bin [0, lo) is the zero bin: it holds exact zeros (and anything smaller than lo, which at this
    resolution is zero). With the defaults: 50 edges, 49 bins (the zero bin and 12 decades x 4).
    """
    return np.concatenate([[0.0], _log_edges(lo, hi, per_decade, "log_bins")])


def symlog_bins(lo: float = 1e-10, hi: float = 1e2, per_decade: int = 4) -> np.ndarray:
    """Edges [-hi, ..., -lo, lo, ..., hi] for signed values such as gradient entries.

    Negative log-spaced bins, one zero bin [-lo, lo) holding exact zeros (and every |v| < lo), then positive
    log-spaced bins; symmetric, so histograms of different steps share bins. With the defaults: 97 bins.
    """
    pos = _log_edges(lo, hi, per_decade, "symlog_bins")
    return np.concatenate([-pos[::-1], pos])


@functools.lru_cache(maxsize=16)
def _float32_tables(edges_bytes: bytes) -> tuple[int, np.ndarray, np.ndarray] | None:
    """Lookup tables that give the bin of any float32 from its bit pattern; None if the edges are too dense.

    The top `top` bits of a float32 (sign, exponent, first mantissa bits) name a bucket of floats that is a monotone
    run of values (or NaNs after an infinity). If at most one bin boundary falls inside each bucket, a float's bin
    is decided by one comparison of its bits with the bucket's `threshold`: half-bucket h = 2 * bucket + (bits >=
    threshold) then maps to a bin through `half_bin` (NaNs map to the extra index nb, which is dropped). Thresholds
    are found exactly by bisection against the float64 edges, so lookups reproduce `np.histogram` bit for bit.
    Returns (top, threshold (2^top,) uint32, half_bin (2^(top+1),) intp).
    """
    e = np.frombuffer(edges_bytes, dtype=np.float64)
    nb = e.size - 1

    def bins_of(bits: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # signalling NaN patterns raise "invalid" when widened
            val = bits.view(np.float32).astype(np.float64)
        out = np.searchsorted(e, np.clip(val, e[0], e[-1]), side="right") - 1
        np.clip(out, 0, nb - 1, out=out)
        out[np.isnan(val)] = nb
        return out

    for top in (12, 16):  # 12 bits: 1/8-relative buckets, enough for up to ~19 log bins per decade
        shift = 32 - top
        start = np.arange(1 << top, dtype=np.uint64) << np.uint64(shift)  # uint64: the last end overflows uint32
        end = start + np.uint64((1 << shift) - 1)
        lower = bins_of(start.astype(np.uint32))
        upper = bins_of(end.astype(np.uint32))
        cross = np.flatnonzero(lower != upper)
        finite = (lower[cross] < nb) & (upper[cross] < nb)
        if (np.abs(upper[cross] - lower[cross])[finite] > 1).any():
            continue
        # Bisection per crossing bucket, keeping bins_of(lo) == lower and bins_of(hi) != lower.
        lo, hi = start[cross], end[cross]
        while (hi - lo > 1).any():
            mid = lo + (hi - lo) // np.uint64(2)
            changed = bins_of(mid.astype(np.uint32)) != lower[cross]
            hi = np.where(changed, mid, hi)
            lo = np.where(changed, lo, mid)
        threshold = np.minimum(end + np.uint64(1), np.uint64(0xFFFFFFFF))  # one bin in the bucket: never reached
        threshold[cross] = hi
        half_bin = np.stack([lower, upper], axis=1).reshape(-1).astype(np.intp)
        threshold = threshold.astype(np.uint32)
        threshold.flags.writeable = half_bin.flags.writeable = False  # shared through the cache
        return top, threshold, half_bin
    return None


def histogram_fixed(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts (len(edges) - 1,) int64 of `values` (any shape) in the bins of `edges` (increasing).

    Bins are [e_i, e_{i+1}) with the last one closed, as in `np.histogram`. Values beyond the outer edges are
    clipped into the outermost bins and NaNs are ignored, so the result always equals
    `np.histogram(np.clip(values.astype(float64), edges[0], edges[-1]), edges)[0]`.
    float32 values (what networks train in) take a fast path with no log and no sort: a table lookup on the top 12
    bits of each float, one comparison of its bits, and one `np.bincount`; it is exact for `log_bins` /
    `symlog_bins` and for any edges at most one of which falls inside each 1/128-relative step of float32 values.
    Other dtypes, or denser edges, use `np.histogram` on the clipped values.
    """
    e = np.ascontiguousarray(edges, dtype=np.float64)
    nb = e.size - 1
    if e.ndim != 1 or nb < 1 or not (np.diff(e) > 0).all():
        raise ValueError(f"histogram_fixed: edges must be 1-D, increasing, with at least 2 entries; got {e.shape}")
    v = np.asarray(values)
    tables = _float32_tables(e.tobytes()) if v.dtype == np.float32 else None
    if tables is None:
        with np.errstate(invalid="ignore"):
            v = v.ravel().astype(np.float64, copy=False)
        v = v[~np.isnan(v)]
        return np.histogram(np.clip(v, e[0], e[-1]), e)[0].astype(np.int64)
    top, threshold, half_bin = tables
    bits = np.ascontiguousarray(v).reshape(-1).view(np.uint32)
    half = (bits >> np.uint32(32 - top)).astype(np.intp)
    above = bits >= threshold.take(half)
    half += half
    half += above
    per_half = np.bincount(half, minlength=half_bin.size)
    counts = np.bincount(half_bin, weights=per_half, minlength=nb + 1)[:nb]
    return counts.astype(np.int64)
