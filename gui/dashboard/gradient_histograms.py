"""Per-layer gradient histograms: for one chosen layer (both quantities) or small multiples of every layer.

Each row pairs a heat map of the histograms over time (TensorBoard's "distributions", but the run's beginning is
never dropped) with the latest histogram as bars on the same bin axis, its zero bin in red with a count: the view
that shows ReLU units dying (a growing red row) and gradients vanishing (mass sliding down the decades).
"""
from __future__ import annotations

import html

from PySide6 import QtCore, QtWidgets

from .bins import GRAD_VALUES, UNIT_NORMS, BinSpec, HeatMap, LatestBars
from .plot_panel import PlotPanel, collapse, combo
from .run_info import RunInfo
from .store import RunData
from .style import TEXT_COLOR, layer_color

ALL_LAYERS = -1
ROW_HEIGHT = 130       # pixels a row needs to read its bins' labels: more rows than fit make the view scroll
SPECS = {"unit_norms": UNIT_NORMS, "grad_values": GRAD_VALUES}


class HistogramRow:
    """One layer's heat map and latest bars for one quantity; pooled and re-targeted, never rebuilt per run."""

    def __init__(self, panel: PlotPanel, row: int):
        # Plots stay in their layout cell for the panel's lifetime (an unused row is collapsed, not removed):
        # re-adding a removed pyqtgraph item confuses who owns it and can crash the interpreter at exit.
        self.row = row
        self.heat_plot = panel.body.addPlot(row=row, col=0)
        self.bar_plot = panel.body.addPlot(row=row, col=1)
        self.plots = (self.heat_plot, self.bar_plot)
        self.heat = HeatMap(self.heat_plot)
        self.bars = LatestBars(self.bar_plot)
        self.bar_plot.setYLink(self.heat_plot)
        self.layer, self.spec = -1, UNIT_NORMS

    def configure(self, layer: int, label: str, spec: BinSpec, last_row: bool, first_row: bool = True) -> None:
        self.layer, self.spec = layer, spec
        color = layer_color(layer)
        self.heat.configure(spec, x_label=last_row, bar_label=first_row)
        self.bars.configure(spec, color, axis_label=last_row)
        self.heat_plot.setTitle(f'<span style="color:{color}">■</span> '
                                f'<span style="color:{TEXT_COLOR}">{html.escape(label)} · {spec.quantity}</span>',
                                size="8pt")
        self.bar_plot.setTitle(f'<span style="color:{TEXT_COLOR}">latest</span>', size="8pt")

    def draw(self, data: RunData) -> None:
        history = data.layers.get(self.layer)
        if history is None:
            return
        self.heat.set_history(getattr(history, self.spec.key))
        counts = None
        if data.snapshot is not None:
            try:
                entry = data.snapshot.layer(self.layer)
            except KeyError:
                entry = None
            if entry is not None:
                counts = entry.unit_grad_norm_counts if self.spec is UNIT_NORMS else entry.grad_value_counts
        self.bars.set_counts(counts)


class GradientHistogramView(PlotPanel):
    """objectName "gradientHistogramView". Selector: "All layers" (small multiples of one quantity) or one layer
    (per-unit gradient norms and gradient values, one above the other)."""

    topics = ("snapshot", "info")
    min_interval = 0.25

    def __init__(self, parent=None):
        super().__init__("gradientHistogramView", "Gradient histograms", parent)
        self.layer_selector = self.add_tool(combo([("All layers", ALL_LAYERS)], "histogramLayerSelector",
                                                  "Show every layer, or one layer in detail"))
        self.quantity_selector = self.add_tool(combo(
            [("per-unit gradient norm", "unit_norms"), ("gradient values", "grad_values")],
            "histogramQuantitySelector", "What the small multiples show"))
        self.layer_selector.currentIndexChanged.connect(self._rebuild)
        self.quantity_selector.currentIndexChanged.connect(self._rebuild)
        # Small multiples of a deep network scroll rather than squeeze every row below readability.
        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setObjectName("gradientHistogramScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        grid = self.layout()
        grid.removeWidget(self.graphics)
        self.scroll.setWidget(self.graphics)
        grid.addWidget(self.scroll, 0, 0)
        self.toolbar.raise_()
        self.rows: list[HistogramRow] = []      # the rows on screen, in order
        self._pool: list[HistogramRow] = []     # every row ever built (building plots is the slow part)
        self._layout_dirty = False
        self._data: RunData | None = None

    @property
    def layer(self) -> int:
        value = self.layer_selector.currentData()
        return ALL_LAYERS if value is None else int(value)

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.layer_selector.blockSignals(True)
        self.layer_selector.clear()
        self.layer_selector.addItem("All layers", ALL_LAYERS)
        for index in self.histogram_layers(info):
            self.layer_selector.addItem(info.layer_labels.get(index, str(index)), index)
        self.layer_selector.blockSignals(False)
        self._layout_dirty = True     # laid out at its next frame: a hidden tab costs nothing until shown
        self.quantity_selector.setVisible(True)

    @staticmethod
    def histogram_layers(info: RunInfo) -> tuple[int, ...]:
        """Layers with a kernel: the only ones whose gradients have per-unit norms and values to histogram."""
        kernels = info.weight_layers if info.weight_layers is not None else info.diag_layers
        return tuple(i for i in info.diag_layers if i in kernels)

    def _rebuild(self) -> None:
        """Lay out the rows for the current selection (after a user choice or a reset, never per frame)."""
        self._layout_dirty = False
        self.quantity_selector.setVisible(self.layer == ALL_LAYERS)
        info = self.info
        if info is None:
            return
        if self.layer == ALL_LAYERS:
            spec = SPECS[self.quantity_selector.currentData() or "unit_norms"]
            plan = [(index, spec) for index in self.histogram_layers(info)]
        else:
            plan = [(self.layer, UNIT_NORMS), (self.layer, GRAD_VALUES)]
        while len(self._pool) < len(plan):
            self._pool.append(HistogramRow(self, len(self._pool)))
        grid = self.body.layout
        for r, row in enumerate(self._pool):
            used = r < len(plan)
            for plot in row.plots:
                collapse(plot, not used)
            grid.setRowStretchFactor(r, 1 if used else 0)
            grid.setRowSpacing(r, 4 if used else 0)
            last = r == len(plan) - 1                # the bottom row also holds the step axis
            grid.setRowMinimumHeight(r, (ROW_HEIGHT + (40 if last else 0)) if used else 0)
            if used:
                index, spec = plan[r]
                row.configure(index, info.layer_labels.get(index, str(index)), spec, last_row=r == len(plan) - 1,
                              first_row=r == 0)
                if r:
                    row.heat_plot.setXLink(self._pool[0].heat_plot)
        self.rows = self._pool[: len(plan)]
        self.graphics.setMinimumHeight(32 + ROW_HEIGHT * len(plan) + 40)     # title, rows, the step axis
        grid.setColumnStretchFactor(0, 3)
        grid.setColumnStretchFactor(1, 1)
        self.invalidate()
        if self._data is not None:
            self.refresh(self._data, force=True)

    def row(self, layer: int, quantity: str = "unit_norms") -> HistogramRow:
        """The row showing `quantity` ("unit_norms" or "grad_values") of `layer` in the current selection."""
        for row in self.rows:
            if row.layer == layer and row.spec.key == quantity:
                return row
        raise KeyError((layer, quantity))

    def draw(self, data: RunData) -> None:
        self._data = data
        if self._layout_dirty:
            self._rebuild()
            return
        for row in self.rows:
            row.draw(data)
        snapshot = data.snapshot
        self.set_title("Gradient histograms", f"latest: step {snapshot.step:,}" if snapshot else "")
