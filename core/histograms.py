"""Histogram bins that line up across steps, and counting into them fast enough to do in every snapshot.

Fixed bin edges (`log_bins`, `symlog_bins`) make histograms from different steps comparable. `histogram_fixed`
counts into them, and `histogram_uniform` into equal-width bins over the values' range, with exactly
`np.histogram`'s results but a fraction of its cost: `np.histogram` spends ~100 us in Python even on 16 values,
and a snapshot of a small network takes a dozen histograms.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .errors import SpecError

# Up to this many values, one `np.searchsorted` over the edges beats every other method.
SMALL = 4096


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
    Up to `SMALL` values, or when the fast path does not apply: one `np.searchsorted` (no sort, unlike
    `np.histogram` with uneven bins). More float32 values (what networks train in) take a path with no log and
    no search: a table lookup on the top 12 bits of each float, one comparison of its bits, and one `np.bincount`;
    it is exact for `log_bins` / `symlog_bins` and for any edges at most one of which falls inside each
    1/128-relative step of float32 values.
    """
    e = np.ascontiguousarray(edges, dtype=np.float64)
    nb = e.size - 1
    if e.ndim != 1 or nb < 1 or not (e[1:] > e[:-1]).all():
        raise ValueError(f"histogram_fixed: edges must be 1-D, increasing, with at least 2 entries; got {e.shape}")
    v = np.asarray(values).reshape(-1)
    tables = _float32_tables(e.tobytes()) if v.dtype == np.float32 and v.size > SMALL else None
    if tables is None:
        return _count_searched(v, e)
    top, threshold, half_bin = tables
    bits = np.ascontiguousarray(v).view(np.uint32)
    half = (bits >> np.uint32(32 - top)).astype(np.intp)
    above = bits >= threshold.take(half)
    half += half
    half += above
    per_half = np.bincount(half, minlength=half_bin.size)
    counts = np.bincount(half_bin, weights=per_half, minlength=nb + 1)[:nb]
    return counts.astype(np.int64)


def _count_searched(v: np.ndarray, e: np.ndarray) -> np.ndarray:
    """`histogram_fixed` by binary search: position 0 is below e[0], i + 1 is bin i, nb + 1 is e[-1] and above
    (NaN sorts there too, and is taken out again)."""
    nb = e.size - 1
    with np.errstate(invalid="ignore"):
        v = v.astype(np.float64, copy=False)
    at = np.bincount(np.searchsorted(e, v, side="right"), minlength=nb + 2)
    counts = at[1:nb + 1].astype(np.int64)
    counts[0] += at[0]
    counts[-1] += at[nb + 1] - np.count_nonzero(v != v)
    return counts


def histogram_uniform(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """`np.histogram(values, bins, range=(min, max))` for finite values: (counts int64, edges), the same numbers
    (a range of one value is widened by 0.5 each side, edges have the values' float type), at a tenth of the
    cost on the small arrays a snapshot holds."""
    v = np.asarray(values).reshape(-1)
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    if v.size > SMALL:
        counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
        return counts.astype(np.int64), edges
    dtype = np.result_type(lo, hi, v)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.result_type(dtype, float)
    edges = np.linspace(lo, hi, bins + 1, dtype=dtype)
    index = np.searchsorted(edges, v, side="right") - 1
    np.minimum(index, bins - 1, out=index)            # the last bin is closed: max lands in it
    return np.bincount(index, minlength=bins).astype(np.int64), edges
