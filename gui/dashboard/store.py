"""The dashboard's memory of a run: bounded histories fed by training events, read by the views when they draw.

Appends are O(1) amortised (core.bounded_series decimates, it does not grow), so a 100,000-step run costs the memory
of a 1,000-step one and never loses its beginning. Each kind of input bumps a version counter; a view redraws only
when a version it depends on moved since its last frame.

x axes: per-epoch values sit at x = epochs completed (EpochEnd.epoch + 1); batch values at the fractional epoch
(epoch + (batch + 1) / batches_per_epoch), so both share the loss plot's axis. Per-layer diagnostics use the
optimizer step (DiagnosticsSnapshot.step, EpochEnd.step), the x axis of gradient and dead-unit views.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.bounded_series import DecimatingSeries, HistogramHistory
from core.diagnostics import GRAD_VALUE_EDGES, UNIT_NORM_EDGES, DiagnosticsSnapshot
from core.events import BatchEnd, EpochEnd
from core.live_evaluation import ViewsSnapshot

from .run_info import RunInfo

SERIES_CAPACITY = 1024          # points kept per curve (pairs merge when full): about one per pixel of a plot
HISTOGRAM_CAPACITY = 256        # columns kept per heat map
TOPICS = ("batch", "epoch", "snapshot", "views", "test", "info")


@dataclass
class LayerHistory:
    """Everything recorded for one diagnosed layer."""

    grad_norm: DecimatingSeries           # traced: a point every few milliseconds, not only per snapshot
    weight_norm: DecimatingSeries
    update_ratio: DecimatingSeries
    dead_epoch: DecimatingSeries          # EpochEnd.dead_units at the epoch's last step
    dead_batch: DecimatingSeries          # traced: units dead for every sample of one batch
    saturation: DecimatingSeries
    unit_norms: HistogramHistory          # per-unit gradient norms over UNIT_NORM_EDGES
    grad_values: HistogramHistory         # gradient entries over GRAD_VALUE_EDGES
    dead_now: int | None = None           # latest per-epoch dead count

    @classmethod
    def create(cls, series_capacity: int, histogram_capacity: int) -> "LayerHistory":
        def series() -> DecimatingSeries:
            return DecimatingSeries(series_capacity)

        return cls(series(), series(), series(), series(), series(), series(),
                   HistogramHistory(len(UNIT_NORM_EDGES) - 1, histogram_capacity),
                   HistogramHistory(len(GRAD_VALUE_EDGES) - 1, histogram_capacity))

    def all_series(self) -> list[DecimatingSeries]:
        return [self.grad_norm, self.weight_norm, self.update_ratio, self.dead_epoch, self.dead_batch,
                self.saturation]


@dataclass
class RunData:
    """Histories of one run; `reset(info)` starts a new one."""

    series_capacity: int = SERIES_CAPACITY
    histogram_capacity: int = HISTOGRAM_CAPACITY
    info: RunInfo | None = None
    epochs: dict[str, DecimatingSeries] = field(default_factory=dict)   # logs key -> per-epoch series
    batch_loss: DecimatingSeries | None = None
    batch_lr: DecimatingSeries | None = None
    layers: dict[int, LayerHistory] = field(default_factory=dict)
    snapshot: DiagnosticsSnapshot | None = None
    views: ViewsSnapshot | None = None
    test_views: ViewsSnapshot | None = None  # the test rows, evaluated after a run or on demand (never during one)
    best_epoch: int | None = None          # x of the latest EpochEnd with improved=True
    epochs_seen: int = 0
    versions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOPICS, 0))

    def __post_init__(self) -> None:
        self.batch_loss = DecimatingSeries(self.series_capacity)
        self.batch_lr = DecimatingSeries(self.series_capacity)
        self._last_epoch_x = -math.inf
        self._last_batch_x = -math.inf
        self._last_step = -math.inf

    # --- lifecycle ----------------------------------------------------------------------------------------------
    def reset(self, info: RunInfo | None) -> None:
        self.info = info
        self.layers = {}
        if info is not None:
            self.layers = {i: LayerHistory.create(self.series_capacity, self.histogram_capacity)
                           for i in info.diag_layers}
        self.clear()
        self.versions["info"] += 1

    def clear(self) -> None:
        """Forget every value (keeps the layers and their buffers)."""
        self.epochs = {}
        self.batch_loss.clear()
        self.batch_lr.clear()
        for history in self.layers.values():
            for series in history.all_series():
                series.clear()
            history.unit_norms.clear()
            history.grad_values.clear()
            history.dead_now = None
        self.snapshot = None
        self.views = None
        self.test_views = None
        self.best_epoch = None
        self.epochs_seen = 0
        self._last_epoch_x = self._last_batch_x = self._last_step = -math.inf
        for topic in TOPICS:
            self.versions[topic] += 1

    def _rewound(self, last: float, now: float) -> bool:
        """A value from before the latest one means a new run started on the same dashboard: start over."""
        if now < last:
            self.clear()
            return True
        return False

    # --- appends (cheap: no drawing) ----------------------------------------------------------------------------
    def add_batch(self, event: BatchEnd) -> None:
        per_epoch = max(int(event.batches_per_epoch), 1)
        x = event.epoch + (event.batch + 1) / per_epoch
        self._rewound(self._last_batch_x, x)
        self._last_batch_x = x
        self.batch_loss.append(x, event.loss)
        self.batch_lr.append(x, event.lr)
        self.versions["batch"] += 1

    def add_epochs(self, events: list[EpochEnd]) -> None:
        if not events:
            return
        for event in events:
            x = event.epoch + 1
            self._rewound(self._last_epoch_x, x)
            self._last_epoch_x = x
            for key, value in event.logs.items():
                # The per-layer history keys are drawn from snapshots instead; a nan is a value not computed this
                # epoch (the ranking metric is logged about once a second), a gap rather than a point.
                if value != value or key.startswith("layers."):
                    continue
                series = self.epochs.get(key)
                if series is None:
                    series = self.epochs[key] = DecimatingSeries(self.series_capacity)
                series.append(x, value)
            for index, count in event.dead_units.items():
                history = self.layers.get(int(index))
                if history is not None:
                    history.dead_epoch.append(event.step, count)
                    history.dead_now = int(count)
            if event.improved:
                self.best_epoch = x
            self.epochs_seen += 1
        self.versions["epoch"] += 1

    def add_snapshot(self, snapshot: DiagnosticsSnapshot) -> None:
        step = snapshot.step
        self._rewound(self._last_step, step)
        self._last_step = step
        trace = snapshot.trace
        if trace is not None and len(trace):
            # The trace has a point every few milliseconds; the snapshot's own figures are its last row.
            self._add_trace_columns(trace.steps, trace.grad_layers, trace.grad_norms, "grad_norm")
            self._add_trace_columns(trace.steps, trace.dead_layers, trace.dead_batch, "dead_batch")
        for entry in snapshot.layers:
            history = self.layers.get(entry.index)
            if history is None:
                continue
            if trace is None:
                history.grad_norm.append(step, entry.grad_norm)
                if entry.dead_batch is not None:
                    history.dead_batch.append(step, entry.dead_batch)
            history.weight_norm.append(step, entry.weight_norm)
            history.update_ratio.append(step, entry.update_ratio)
            if entry.saturation is not None:
                history.saturation.append(step, entry.saturation)
            history.unit_norms.append(step, entry.unit_grad_norm_counts)
            history.grad_values.append(step, entry.grad_value_counts)
        self.snapshot = snapshot
        self.versions["snapshot"] += 1

    def _add_trace_columns(self, steps, layer_indices, values, series_name: str) -> None:
        for column, index in enumerate(layer_indices):
            history = self.layers.get(index)
            if history is None:
                continue
            series = getattr(history, series_name)
            append = series.append
            for x, y in zip(steps.tolist(), values[:, column].tolist()):
                append(x, y)

    def add_views(self, views: ViewsSnapshot) -> None:
        self.views = views
        self.versions["views"] += 1

    def set_test_views(self, views: ViewsSnapshot | None) -> None:
        self.test_views = views
        self.versions["test"] += 1

    # --- reading ------------------------------------------------------------------------------------------------
    def epoch_series(self, key: str) -> DecimatingSeries | None:
        return self.epochs.get(key)

    def metric_keys(self) -> list[str]:
        """Train-side metric keys logged so far (not loss or lr), in the order they first appeared."""
        return [k for k in self.epochs if not k.startswith("val_") and k not in ("loss", "lr")]

    def point_count(self) -> int:
        """Points held in every history (for memory checks): bounded by the capacities, whatever the run length."""
        total = len(self.batch_loss) + len(self.batch_lr) + sum(len(s) for s in self.epochs.values())
        for history in self.layers.values():
            total += sum(len(s) for s in history.all_series())
            total += len(history.unit_norms) + len(history.grad_values)
        return total
