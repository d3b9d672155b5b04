"""The frame every dashboard view lives in: a titled pyqtgraph figure, a small toolbar and PNG/SVG export.

The title is part of the figure (so an exported file says what it shows); the toolbar floats over the title row's
right end (so it costs no height and never lands in an exported file). A panel redraws only when a store topic
it depends on changed since its last frame.
"""
from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui.widgets.resize_storm import ResizeStorm

from .figure_files import write_png, write_svg
from .run_info import RunInfo
from .store import RunData
from .style import MUTED_COLOR, TEXT_COLOR

EXPORT_SIZE = (1000, 640)          # figure size used when a hidden view is exported
PNG_MIN_WIDTH = 1200               # exported PNGs are at least this wide (scaled up from the on-screen size)
FORMATS = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)"}

TOOL_STYLE = """
QToolButton, QComboBox { font-size: 8pt; color: #333; }
QToolButton { border: 1px solid #c8c8c8; border-radius: 3px; padding: 1px 6px; background: rgba(255,255,255,230); }
QToolButton:hover { border-color: #0877bd; }
QToolButton:checked { background: #dcebf7; border-color: #0877bd; }
QToolButton::menu-indicator { image: none; width: 0; }
"""


class Figure(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that keeps count of the time spent painting it, so the dashboard can pace its
    frames to what this machine can draw."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.paint_seconds = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - start

    def take_paint_seconds(self) -> float:
        seconds, self.paint_seconds = self.paint_seconds, 0.0
        return seconds


class PlotPanel(QtWidgets.QWidget):
    """Base class: subclasses build their plots in `self.body`, and implement `reset(info)` and `draw(data)`."""

    topics: tuple[str, ...] = ()    # store topics this view draws from
    min_interval = 1 / 30           # seconds between two draws: secondary views refresh less often than the loss
    priority = 0.0                  # seconds of head start when views queue for a frame (the loss goes first)

    def __init__(self, object_name: str, title: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.title = title
        self.info: RunInfo | None = None
        self.applicable = True
        self._seen: dict[str, int] = {}
        self.drawn_at = -1e9
        self.graphics = Figure()
        self.graphics.setBackground("w")
        self.graphics.setObjectName(f"{object_name}Graphics")
        self.graphics.ci.setContentsMargins(4, 2, 8, 4)
        self.graphics.ci.setSpacing(2)
        self.title_item = self.graphics.ci.addLabel("", row=0, col=0, justify="left")
        self.title_item.setMaximumHeight(24)
        self.set_title(title)
        self.body = self.graphics.ci.addLayout(row=1, col=0)
        self.body.setSpacing(6)
        self.toolbar = QtWidgets.QWidget()
        self.toolbar.setStyleSheet(TOOL_STYLE)
        self.tools = QtWidgets.QHBoxLayout(self.toolbar)
        self.tools.setContentsMargins(0, 3, 6, 0)
        self.tools.setSpacing(4)
        self.save_button = QtWidgets.QToolButton()
        self.save_button.setText("Save ▾")
        self.save_button.setObjectName(f"{object_name}SaveButton")
        self.save_button.setToolTip("Save this plot as a PNG or SVG file")
        self.save_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(self.save_button)
        self.save_png_action = menu.addAction("Save as PNG…", lambda: self.ask_save("png"))
        self.save_svg_action = menu.addAction("Save as SVG…", lambda: self.ask_save("svg"))
        self.save_button.setMenu(menu)
        self.tools.addWidget(self.save_button)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.graphics, 0, 0)
        grid.addWidget(self.toolbar, 0, 0, QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignRight)
        self.setMinimumSize(220, 160)

    # --- pieces for subclasses ----------------------------------------------------------------------------------
    def set_title(self, title: str, detail: str = "") -> None:
        """`title` in bold, then `detail` muted; the detail elides to the room the toolbar leaves (in full in the
        title's tooltip), so a long one never runs under the buttons. `_title_text` keeps the whole title."""
        text = _title_html(title, detail)
        if getattr(self, "_title_text", None) != text:
            self._title_text = text
            self._title_parts = (title, detail)
            self._show_title()

    def _show_title(self) -> None:
        title, detail = self._title_parts
        shown = detail
        width = self.graphics.width()
        if detail and width > 120:
            room = width - self.toolbar.sizeHint().width() - 28 - _metrics(10, True).horizontalAdvance(title)
            shown = _metrics(9).elidedText(detail, QtCore.Qt.TextElideMode.ElideRight, max(room, 0))
        html = _title_html(title, shown)
        if html != self.title_item.text:       # (setting it again re-lays out the whole figure)
            self.title_item.setText(html)
        self.title_item.setToolTip(detail if shown != detail else "")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if getattr(self, "_title_parts", None) is not None:
            self._show_title()

    def add_tool(self, widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
        """Put a control (toggle, selector) left of the Save button."""
        self.tools.insertWidget(self.tools.count() - 1, widget)
        return widget

    def toggle(self, text: str, tooltip: str, object_name: str, checked: bool = False) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setChecked(checked)
        button.setToolTip(tooltip)
        button.setObjectName(object_name)
        return self.add_tool(button)

    def add_plot(self, row: int, col: int, **kwargs) -> pg.PlotItem:
        return self.body.addPlot(row=row, col=col, **kwargs)

    # --- the redraw protocol ------------------------------------------------------------------------------------
    def reset(self, info: RunInfo) -> None:
        """A new run: rebuild per-layer items, clear every series. The title loses the previous run's details (a
        dead-unit count must not stay beside another network's "No ReLU-family layer")."""
        self.info = info
        self._seen = {}
        self.set_title(self.title)

    def needs(self, versions: dict[str, int]) -> bool:
        return any(self._seen.get(t) != versions[t] for t in self.topics)

    def due(self, now: float) -> bool:
        """Whether `min_interval` has passed since this view last drew (live frames respect it)."""
        return now - self.drawn_at >= self.min_interval

    def refresh(self, data: RunData, force: bool = False) -> bool:
        """Draw if something this view shows changed (always, with `force`); returns whether it drew."""
        if not force and not self.needs(data.versions):
            return False
        self.drawn_at = time.perf_counter()
        self._seen = {t: data.versions[t] for t in self.topics}
        self.draw(data)
        return True

    def invalidate(self) -> None:
        self._seen = {}
        self.drawn_at = -1e9

    def draw(self, data: RunData) -> None:
        raise NotImplementedError

    # --- export -------------------------------------------------------------------------------------------------
    def export_item(self) -> QtWidgets.QGraphicsItem:
        """The graphics item written to files (the whole figure, title included)."""
        return self.graphics.ci

    def default_file_name(self, fmt: str) -> str:
        return f"{self.objectName()}.{fmt}"

    def ask_save(self, fmt: str) -> str | None:
        """Ask for a file name (through the static QFileDialog call) and save; returns the path or None."""
        start = str(Path(QtCore.QDir.homePath()) / self.default_file_name(fmt))
        filters = ";;".join([FORMATS[fmt]] + [f for k, f in FORMATS.items() if k != fmt])
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(self, f"Save {self.title}", start, filters)
        if not path:
            return None
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            suffix = "svg" if chosen and "svg" in chosen.lower() else fmt
            path = f"{path}.{suffix}"
        try:
            return self.save(path)
        except Exception as exc:  # a full disk or a read-only folder: tell the user, keep the app running
            QtWidgets.QMessageBox.warning(self, "Could not save the plot", f"{path}: {exc}")
            return None

    def save(self, path: str, fmt: str | None = None) -> str:
        """Write the figure to `path` as PNG or SVG (from `fmt` or the file suffix); returns the path."""
        fmt = (fmt or Path(path).suffix.lstrip(".") or "png").lower()
        if fmt not in FORMATS:
            raise ValueError(f"cannot save a plot as {fmt!r}; expected one of {', '.join(FORMATS)}")
        item = self.export_item()
        with self._export_geometry():
            if fmt == "svg":
                write_svg(item, str(path))
            else:
                write_png(item, str(path), PNG_MIN_WIDTH)
        return str(path)

    @contextlib.contextmanager
    def _export_geometry(self):
        """A view never shown (another tab, a test) has no size yet: lay it out at a standard size meanwhile."""
        if self.graphics.isVisible():     # a drag's last size laid out, not the size the drag started from
            ResizeStorm.of(self.window()).end()
        ci = self.graphics.ci
        before = ci.geometry()
        hidden = not self.graphics.isVisible() or before.width() < 200 or before.height() < 120
        if hidden:
            ci.setGeometry(QtCore.QRectF(0, 0, *EXPORT_SIZE))
            ci.layout.activate()
        try:
            yield
        finally:
            if hidden:
                ci.setGeometry(before)


def _title_html(title: str, detail: str) -> str:
    text = f'<span style="color:{TEXT_COLOR}; font-weight:600; font-size:10pt">{title}</span>'
    if detail:
        text += f'&nbsp;&nbsp;<span style="color:{MUTED_COLOR}; font-size:9pt">{detail}</span>'
    return text


def _metrics(points: int, bold: bool = False) -> QtGui.QFontMetrics:
    font = QtGui.QFont()
    font.setPointSize(points)
    font.setBold(bold)
    return QtGui.QFontMetrics(font)


def collapse(item: QtWidgets.QGraphicsWidget, collapsed: bool, keep_space: bool = False) -> None:
    """Hide a pooled plot and let its layout cell shrink to nothing (or, with `keep_space`, only hide it: an empty
    cell in a grid row that is still in use). Pooled plots are never removed from their layout: re-adding a removed
    pyqtgraph item confuses who owns it, and building a new plot costs tens of milliseconds."""
    item.setVisible(not (collapsed or keep_space))
    big = QtCore.QSizeF(1e6, 1e6)
    if collapsed:
        item.setMinimumSize(0, 0)
        item.setMaximumSize(0, 0)
    else:
        item.setMaximumSize(big)
        item.setMinimumSize(0, 0)


def message_item(text: str) -> pg.TextItem:
    """A muted, centred note shown inside an empty plot ("No ReLU layers in this network")."""
    item = pg.TextItem(html=f'<div style="color:{MUTED_COLOR}; font-size:9pt; text-align:center">{text}</div>',
                       anchor=(0.5, 0.5))
    return item


def combo(items: list[tuple[str, object]], object_name: str, tooltip: str) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setObjectName(object_name)
    box.setToolTip(tooltip)
    box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
    for text, value in items:
        box.addItem(text, value)
    return box
