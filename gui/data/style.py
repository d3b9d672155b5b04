"""The look the data views share: class colours and how values and class names are written.

The class colours are the app's (gui/palette.py), so the scatter, the tables and the header agree with the
dashboard on what each colour means.
"""
from __future__ import annotations

from gui.palette import BLUE, ORANGE, class_color, class_colors  # noqa: F401  (the views import them from here)


def pretty_name(name: str) -> str:
    """Class names like "-1" read better with a real minus sign."""
    return "\u2212" + name[1:] if name.startswith("-") else name


def fmt(value: float) -> str:
    return f"{value:.4g}".replace("-", "\u2212")


def short(value: float) -> str:
    return f"{value:.3g}".replace("-", "\u2212")
