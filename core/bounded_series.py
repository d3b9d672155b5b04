"""Bounded series for live plots of long runs: per-step values and histograms over time (what the dashboard keeps;
the trainer's own per-epoch record is `Trainer.history`).

A run of 100,000+ steps must plot in constant memory without losing its beginning. Instead of sampling (which drops
early steps), both histories decimate: when full they merge adjacent pairs and double their stride, and later
appends are pooled `stride` at a time, so points stay evenly spaced and every appended value is still accounted
for in some point's mean and envelope. The bucket still being filled is shown as the last point, so the newest
value is always on screen. Every array handed out is a fresh copy: a GUI thread may draw it while appends go on.
"""
from __future__ import annotations

import math

import numpy as np



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
