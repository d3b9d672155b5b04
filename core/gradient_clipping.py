"""Gradient clipping as the trainer (and the learning-rate range test) applies it: torch's `clip_grad_value_`, then
`clip_grad_norm_` over all parameters at once."""
from __future__ import annotations

import math

import numpy as np


def clip_gradient(G: np.ndarray, clip_value: float | None, clip_norm: float | None, g2: float | None = None) -> None:
    """Clip the flat gradient G in place: each value to +-clip_value, then its L2 norm to clip_norm (scaled by
    clip_norm / (norm + 1e-6), as torch does). `g2`: G . G before clipping, when the caller has it already."""
    if clip_value is not None:
        np.clip(G, -clip_value, clip_value, out=G)
        g2 = None
    if clip_norm is not None:
        norm = math.sqrt(float(np.dot(G, G)) if g2 is None else g2)
        if norm > clip_norm:
            G *= clip_norm / (norm + 1e-6)
