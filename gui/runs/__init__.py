"""Remembering and comparing runs in the app: recording each run in the run store from the training thread
(`recording.py`), the Runs view (`view.py`: the table in `table.py`, its filters in `filters.py`, curves and
settings side by side in `compare.py`, the delete box in `delete_dialog.py`) and k-fold cross-validation on a
worker thread (`cross_validation.py`). The store itself is core's
(`core/runs`); these modules only show it and hand it work off the GUI thread."""
