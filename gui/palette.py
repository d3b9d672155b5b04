"""The colours that mean something: one per class and one per layer, the same in every view.

Class k is one colour everywhere a class is drawn (the data preview and summary, the decision boundary, the
confusion matrix, the ROC and precision-recall legends), so a user who learned "setosa is orange" in the data panel
reads it the same way in the dashboard. Every view asks `class_color(k, n_classes)`; nothing else defines a class
colour. Layers take tab10 in model order (`layer_color`).

Plain strings, no Qt: the editors, the dashboard and the data views all import it.
"""
from __future__ import annotations

import colorsys

# TensorFlow Playground's pair: orange for class 0 / negative values, blue for class 1 / positive values.
ORANGE = "#f59322"
BLUE = "#0877bd"
# tab10, the qualitative palette most plotting tools share; layers use it in model order.
TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
         "#17becf")
# Classes: the playground's pair first (so a binary task reads as in the playground and a third class only adds a
# colour), then the rest of tab10 (its own blue and orange left out: too close to the pair).
CLASS_COLORS = (ORANGE, BLUE, "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                "#17becf")


def class_color(index: int, n_classes: int) -> str:
    """The colour of class `index` of `n_classes` ("#rrggbb"). Up to ten classes take CLASS_COLORS in order; more
    classes than that spread over the hue circle, so no two share a colour."""
    if n_classes <= len(CLASS_COLORS):
        return CLASS_COLORS[index % len(CLASS_COLORS)]
    hue = (index % n_classes) / n_classes
    value = 0.82 if index % 2 else 0.62        # alternate lightness: neighbours on the hue circle stay apart
    r, g, b = colorsys.hsv_to_rgb((0.08 + hue) % 1.0, 0.75, value)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def class_colors(n_classes: int) -> tuple[str, ...]:
    """The colours of classes 0 .. n_classes - 1."""
    return tuple(class_color(k, n_classes) for k in range(n_classes))


def layer_color(index: int) -> str:
    """The colour of model layer `index` (its position in the network) in every view."""
    return TAB10[index % len(TAB10)]
