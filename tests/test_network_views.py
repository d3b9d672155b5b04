"""The network views ride along with the evaluation views: computed only while asked for, each kind on its own
schedule, and everything at the start and the end of a run."""
from __future__ import annotations

import numpy as np

from core.model_io import build_network, load_data
from core.network_views import LiveViewsCollector, LiveViewsSnapshot, NetworkViewsRequest
from core.project import default_project
from core.projection import INPUTS
from core.live_evaluation import ViewsSnapshot


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def collector(request: NetworkViewsRequest) -> tuple[LiveViewsCollector, Clock]:
    project = default_project()
    prepared = load_data(project)
    network = build_network(project, prepared.input_width)
    network.initialize(np.random.default_rng(0))
    clock = Clock()
    live = LiveViewsCollector(network, prepared, request, clock=clock, cost_clock=lambda: 0.0)
    live.inside.clock = clock
    live.inside.cost_clock = lambda: 0.0
    return live, clock


def test_nothing_asked_for_costs_nothing():
    live, _ = collector(NetworkViewsRequest())
    views = live.collect(0, 0)
    assert isinstance(views, LiveViewsSnapshot) and isinstance(views, ViewsSnapshot)
    assert views.network is None and views.grid is not None
    assert live.inside._graph is None and live.inside._projection is None
    assert not live.inside.due()


def test_the_views_asked_for_are_computed():
    request = NetworkViewsRequest(graph=True)
    live, _ = collector(request)
    views = live.collect(2, 20)
    assert views.network.graph.step == 20 and views.network.projection is None
    request.graph, request.projection_layer = False, INPUTS
    views = live.collect(2, 21)
    assert views.network.graph is None and views.network.projection.layer == INPUTS
    request.projection_layer = 1
    assert live.collect(2, 22).network.projection.layer == 1
    request.projection_layer = 9                       # a layer the network does not have: no projection
    assert live.collect(2, 23).network.projection is None
    request.projection_layer = None
    assert live.collect(2, 24).network is None


def test_each_kind_keeps_its_own_schedule():
    request = NetworkViewsRequest(graph=True)
    live, clock = collector(request)
    first = live.collect(0, 0)                         # the start of a run: everything
    assert live.min_interval == 0.2 and live.inside.min_interval == 0.1
    clock.now = 0.15                                   # the graph is due, the evaluation views are not
    assert live.due()
    second = live.collect(0, 5)
    assert second.network.step == 5 and second.confusion is first.confusion and second.step == 0
    clock.now = 0.2                                    # now only the evaluation views are due
    assert live.due()
    third = live.collect(0, 9)
    assert third.step == 9 and third.network is second.network
    clock.now = 0.21
    assert not live.due()
    request.graph = False                              # the graph tab is hidden: nothing more is due for it
    clock.now = 0.3
    assert not live.inside.due()
    final = live.collect(1, 12)                        # the end of a run (no due() before): everything asked for
    assert final.step == 12 and final.network is None
