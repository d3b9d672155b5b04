"""The app's look: a light Fusion palette, one stylesheet (gui/style.qss) and the few colours the editors share.

Plots keep their own styling (gui/dashboard/style.py); this module styles the widgets around them so the whole
window reads as one tool: white panels on a light grey frame, one blue accent, red only for errors.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from .palette import BLUE, ORANGE, TAB10, layer_color  # noqa: F401  (class and layer colours: gui/palette.py)

HERE = Path(__file__).resolve().parent
ICONS = HERE / "icons"

ACCENT = "#0877bd"          # the playground's blue: selection, focus, the Train button
ERROR = "#c62828"
WARNING = "#a15c00"
MUTED = "#6b7280"


def icon(name: str) -> QIcon:
    """An icon from gui/icons (SVG), or an empty icon if it is missing."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def light_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#eef0f3",
        QPalette.ColorRole.WindowText: "#1f2328",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f6f8fa",
        QPalette.ColorRole.ToolTipBase: "#ffffe8",
        QPalette.ColorRole.ToolTipText: "#1f2328",
        QPalette.ColorRole.PlaceholderText: "#9aa1a9",
        QPalette.ColorRole.Text: "#1f2328",
        QPalette.ColorRole.Button: "#f6f8fa",
        QPalette.ColorRole.ButtonText: "#1f2328",
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#a0a6ad"))
    return palette


def stylesheet() -> str:
    path = HERE / "style.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def apply_style(app: QApplication) -> None:
    """Fusion + the light palette + the stylesheet: the same look on every platform."""
    if "Fusion" in QStyleFactory.keys():
        app.setStyle("Fusion")
    app.setPalette(light_palette())
    app.setStyleSheet(stylesheet())


def set_state(widget: QWidget, name: str, value) -> None:
    """Set a dynamic property the stylesheet selects on (invalid="true", role="error") and re-apply the style."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
