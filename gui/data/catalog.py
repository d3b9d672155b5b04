"""What the data panel offers and how it names it: the picker's groups and labels, the import entries, the
scaling choices, and how a file source is named and described.

Plain data and text, no widgets: the panel's words live here so they can change without touching its logic.
"""
from __future__ import annotations

from pathlib import Path

GROUPS = (("Playground", ("circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss")),
          ("More toys", ("moons", "blobs", "spirals", "checkerboard", "sine", "reg-multi")),
          ("Real datasets", ("iris", "wine", "breast_cancer", "digits", "diabetes", "linnerud")))
LABELS = {"circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian", "spiral": "Spiral",
          "reg-plane": "Plane (regression)", "reg-gauss": "Gaussian bumps (regression)", "moons": "Two moons",
          "blobs": "Blobs (k classes)", "spirals": "Spiral arms (k classes)", "checkerboard": "Checkerboard",
          "sine": "Sine (1-D regression)", "reg-multi": "Wave + bowl (2 outputs)", "iris": "Iris",
          "wine": "Wine", "breast_cancer": "Breast cancer", "digits": "Digits (8\u00d78 images)",
          "diabetes": "Diabetes (regression)", "linnerud": "Linnerud (3 outputs)"}
IMPORTS = (("csv", "Import CSV / TSV\u2026"), ("npz", "Import NPZ\u2026"), ("idx", "Import IDX (MNIST-style)\u2026"))
EXTRA_LABELS = {"classes": "Classes", "arms": "Arms", "cells": "Cells per side"}
SCALINGS = (("None", "none"), ("Standard (z-score)", "standard"), ("Min-max to [0, 1]", "minmax"))


def file_key(spec: dict) -> tuple:
    """What identifies the file a spec reads: another key means other raw columns."""
    return tuple(spec.get(k) for k in ("source", "path", "images", "labels"))


def file_text(spec: dict) -> str:
    """The file's name as the picker and the file row show it."""
    if spec["source"] == "points":
        return f"{spec['name']} ({len(spec['X']):,} points)"
    if spec["source"] == "idx":
        return f"{Path(spec['images']).name} + {Path(spec['labels']).name}"
    return Path(spec["path"]).name


def file_description(spec: dict) -> str:
    """The line under the picker for the user's own file."""
    if spec["source"] == "csv":
        target = spec["target"]
        shown = ", ".join(map(str, target)) if isinstance(target, list) else str(target)
        return f"Your CSV file; target: {shown if target != -1 else 'the last column'}"
    if spec["source"] == "points":
        return "Points kept inside the project: draw on the plot to add (click, drag) or delete (right-click) some"
    if spec["source"] == "npz":
        return "Your NumPy archive (X, y; optional X_val/y_val, X_test/y_test)"
    return "Your IDX image files (MNIST format)"
