"""Handing work between worker threads and the GUI thread: the mailbox, the draw gate, the busy hold, the gc guard
(and, at interpreter exit, deleting the windows a script left alive before Qt goes: exit_cleanup; letting go of the
wrappers PySide keeps for Qt's own layout items before Qt deletes them: layout_items).

How a training run uses them, end to end: gui/training/pipeline.py.
"""

FRAME_INTERVAL = 1.0 / 20.0
"""Seconds between two frames: the GUI thread's live work (taking in a run's news, drawing the dashboard) happens in
frames, paced by the training pipeline while a run is live and by the dashboard's own timer otherwise."""
