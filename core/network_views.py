"""The views that look inside the network (its graph, projections of its layers) computed beside the evaluation
views, on the thread that trains it, only while the dashboard shows them.

`NetworkViewsRequest` is what the dashboard shows now; the GUI replaces its attributes, the training thread reads
them between steps. `LiveViewsCollector` is a `core.live_evaluation.ViewsCollector` whose snapshots also carry the network
views; each kind keeps its own schedule (its rate, and a share of the training time measured on its own cost), so a
graph tab on screen never makes the decision boundary more expensive, and a hidden one costs nothing.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields
from typing import Any

from .network import Network
from .network_graph import GraphProbe, GraphSnapshot
from .projection import INPUTS, Projection, ProjectionProbe
from .live_evaluation import ViewsCollector, ViewsSnapshot

NETWORK_VIEWS_BUDGET = 0.03     # share of the training time the graph and the projection may take together
NETWORK_VIEWS_RATE = 10.0       # snapshots a second at most


@dataclass
class NetworkViewsRequest:
    """What the dashboard shows now (attributes are replaced whole, never mutated)."""

    graph: bool = False
    projection_layer: int | None = None   # None: no projection on screen; INPUTS (-1) or a model layer index

    @property
    def anything(self) -> bool:
        return self.graph or self.projection_layer is not None


@dataclass(frozen=True)
class NetworkViews:
    epoch: int
    step: int
    graph: GraphSnapshot | None
    projection: Projection | None
    cost_seconds: float


@dataclass(frozen=True)
class LiveViewsSnapshot(ViewsSnapshot):
    """The evaluation views, and the network views when some were asked for."""

    network: NetworkViews | None = None


class NetworkViewsCollector:
    """Computes NetworkViews as asked by a request, at most `max_rate` a second and within `budget`."""

    def __init__(self, network: Network, prepared: Any, request: NetworkViewsRequest,
                 budget: float = NETWORK_VIEWS_BUDGET, max_rate: float = NETWORK_VIEWS_RATE,
                 clock=time.perf_counter, cost_clock=time.thread_time):
        self.network = network
        self.prepared = prepared
        self.request = request
        self.budget = budget
        self.min_interval = 1.0 / max_rate if max_rate > 0 else math.inf
        self.clock = clock
        self.cost_clock = cost_clock
        self._next = 0.0
        self._graph: GraphProbe | None = None          # built on first use (the grid and probe rows)
        self._projection: ProjectionProbe | None = None

    def due(self) -> bool:
        return self.request.anything and self.clock() >= self._next

    def collect(self, epoch: int, step: int) -> NetworkViews | None:
        """The views asked for now (None when nothing is)."""
        request = self.request
        layer = request.projection_layer
        if not (request.graph or layer is not None):
            return None
        start = self.cost_clock()
        graph = projection = None
        if request.graph:
            if self._graph is None:
                self._graph = GraphProbe(self.network, self.prepared)
            graph = self._graph.snapshot(epoch, step)
        if layer is not None and (layer == INPUTS or 0 <= layer < len(self.network.layers)):
            if self._projection is None:
                self._projection = ProjectionProbe(self.network, self.prepared)
            projection = self._projection.project(layer, epoch, step)
        cost = self.cost_clock() - start
        self._next = self.clock() + max(self.min_interval, cost / self.budget if self.budget > 0 else math.inf)
        return NetworkViews(epoch, step, graph, projection, cost)


class LiveViewsCollector(ViewsCollector):
    """Evaluation views plus network views, each on its own schedule. `due()` says which kinds are due and the
    `collect()` right after it computes only those (reusing the other kind's latest); a `collect()` without a
    `due()` before it (the start and the end of a run) computes everything."""

    def __init__(self, network: Network, prepared: Any, request: NetworkViewsRequest | None = None, **kwargs):
        super().__init__(network, prepared, **kwargs)
        self.inside = NetworkViewsCollector(network, prepared, request or NetworkViewsRequest())
        self._due: tuple[bool, bool] | None = None
        self._evaluation: ViewsSnapshot | None = None
        self._network: NetworkViews | None = None

    @property
    def request(self) -> NetworkViewsRequest:
        return self.inside.request

    def due(self) -> bool:
        evaluation, network = super().due(), self.inside.due()
        self._due = (evaluation, network) if evaluation or network else None
        return self._due is not None

    def collect(self, epoch: int, step: int) -> LiveViewsSnapshot:
        due, self._due = self._due, None
        evaluation, network = due if due is not None else (True, True)
        if evaluation or self._evaluation is None:
            self._evaluation = super().collect(epoch, step)
        if network:
            self._network = self.inside.collect(epoch, step)
        elif not self.request.anything:
            self._network = None
        base = self._evaluation
        return LiveViewsSnapshot(**{f.name: getattr(base, f.name) for f in fields(ViewsSnapshot)},
                                 network=self._network)
