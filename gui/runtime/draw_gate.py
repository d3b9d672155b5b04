"""The draw gate: while the GUI thread is busy, the training thread waits between batches.

Drawing is mostly Python calling into Qt, and every call into Qt hands the interpreter to the training thread; a
thread that wants it back waits its turn. Measured here while the spiral trained: a dashboard frame took 5-8 times
as long as on an idle machine, a first look at the histograms tab stalled the window for 0.8-1.4 s, and training
lost that time as well. Holding the gate, GUI work runs at idle speed and training pauses only that long (the
dashboard paces its frames to a share of the time). The trainer passes the gate between batches (`Trainer.gate` is
`DrawGate.lock`, a plain lock: one `locked()` call a batch while it is open). Who holds it: the busy hold
(gui/runtime/busy_hold.py), whenever the GUI thread handles events while a run trains.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator


class DrawGate:
    """A lock the GUI thread may take recursively, and let go of entirely while it waits for another thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> "DrawGate":
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
        else:
            self.lock.acquire()
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, *_exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self.lock.release()

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Open the gate while this thread waits for a worker (which may be waiting at the gate)."""
        me = threading.get_ident()
        if self._owner != me:
            yield
            return
        depth = self._depth
        self._owner, self._depth = None, 0
        self.lock.release()
        try:
            yield
        finally:
            if self._owner == me:               # taken again meanwhile (an event handled while waiting)
                self._depth += depth
            else:
                self.lock.acquire()
                self._owner, self._depth = me, depth
