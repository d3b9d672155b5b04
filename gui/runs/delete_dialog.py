"""Asking before runs are deleted, and whether their weights files go too (they are kept unless the user says)."""
from __future__ import annotations

from PySide6 import QtWidgets


def ask_delete(parent: QtWidgets.QWidget, runs, weights: list[str]) -> bool | None:
    """None: cancel; False: delete the runs; True: delete the runs and their weights files. The box is
    `deleteRunsDialog` with buttons `deleteRunsOnly`, `deleteRunsAndWeights` (when there are files) and Cancel."""
    box = QtWidgets.QMessageBox(parent)
    box.setObjectName("deleteRunsDialog")
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setWindowTitle("Delete runs")
    names = ", ".join(r.name for r in runs[:5]) + (f" and {len(runs) - 5} more" if len(runs) > 5 else "")
    box.setText(f"Delete {len(runs)} run{'s' if len(runs) > 1 else ''} from the run store? ({names})")
    if weights:
        box.setInformativeText(f"{len(weights)} of them ha{'ve' if len(weights) > 1 else 's'} a weights file; "
                               "they are kept unless you choose otherwise.")
    only = box.addButton("Delete runs", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    only.setObjectName("deleteRunsOnly")
    both = None
    if weights:
        both = box.addButton("Delete runs and weights files", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        both.setObjectName("deleteRunsAndWeights")
    cancel = box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is only:
        return False
    if both is not None and clicked is both:
        return True
    return None
