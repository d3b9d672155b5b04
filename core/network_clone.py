"""An independent copy of a network: same layers, dtype, parameters and buffers, sharing no memory.

Probes and the learning-rate finder train or run copies, so the user's network (and its optimizer) never
changes. `copy.deepcopy` would not do: layers hold views into the network's flat arrays, and a deep copy turns
them into separate arrays that no longer move with `params`.
"""
from __future__ import annotations

import numpy as np

from .network import Network


def clone_network(network: Network) -> Network:
    copy = Network(network.layer_configs, network.input_width, network.dtype)
    if copy.params.shape != network.params.shape or copy.buffers.shape != network.buffers.shape:
        raise ValueError("the network's layer configs do not rebuild the same parameters")  # a bug, not user input
    np.copyto(copy.params, network.params)
    np.copyto(copy.buffers, network.buffers)
    return copy
