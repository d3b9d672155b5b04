"""LayerLab's desktop interface (PySide6 + pyqtgraph) over the pure-NumPy core.

The window and what frames it sit at the top: `app.py` (start the app), `main_window.py` (wires the rooms together),
`menus.py`, `docks.py`, `dashboard_sync.py`, `app_settings.py`, `theme.py`. The rooms:
`project/` (the open project: document and undo, session, files, exports, examples), `data/` (the data panel),
`network/` (the layer builder and editor, problems), `training/` (settings, run controls, the controller and the
pipeline that carries a run's events to the views), `dashboard/` (the live views), `runs/` (recording runs in the
run store, the Runs tab, cross-validation), `diagnosis/` (the Diagnosis tab, *Show me*, fixes and the
learning-rate range test), `widgets/` (fields, forms, banners the panels share), `runtime/`
(handing work between worker threads and the GUI thread).
"""
