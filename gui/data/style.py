"""The look the data views share: class colours and how values and class names are written.

One place, so the panel's feature icons, the scatter, the tables and the header agree on what orange and blue mean.
"""
from __future__ import annotations

ORANGE, BLUE = "#f59322", "#0877bd"          # TensorFlow Playground: class 0 / negative, class 1 / positive
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
         "#17becf")


def class_colors(k: int) -> tuple[str, ...]:
    """Orange/blue for two classes (as in the playground), tab10 for more (cycled past ten)."""
    return (ORANGE, BLUE) if k == 2 else tuple(TAB10[i % 10] for i in range(k))


def pretty_name(name: str) -> str:
    """Class names like "-1" read better with a real minus sign."""
    return "\u2212" + name[1:] if name.startswith("-") else name


def fmt(value: float) -> str:
    return f"{value:.4g}".replace("-", "\u2212")


def short(value: float) -> str:
    return f"{value:.3g}".replace("-", "\u2212")
