"""Hands Python objects from worker threads to the GUI thread without passing them through queued signals.

Items wait in a thread-safe FIFO; for each item a payload-free signal is queued to this object, which lives in the
GUI thread, and its slot delivers whatever has arrived, oldest first. Queued signals then carry no Python objects
at all: PySide6 has crashed (reference counts of signal arguments touched from two threads at once) when worker
threads emitted `Signal(object)` at a high rate, and one FIFO also keeps every kind of item in order.

An item posted with `wake=False` queues no signal: it waits for the next waking item or for the owner's own
`drain()` (the training controller drains once per frame). Every wake of the GUI thread while a training thread
runs Python costs training far more than the wake's own work (gui/runtime/busy_hold.py), so the frequent items ride along
with a frame the GUI thread draws anyway.
"""
from __future__ import annotations

import collections
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from .draw_gate import DRAW_GATE


class Mailbox(QObject):
    posted = Signal()

    def __init__(self, deliver: Callable[[Any], None], parent: QObject | None = None):
        super().__init__(parent)
        self._deliver = deliver
        self._items: collections.deque = collections.deque()
        self.signals_received = 0
        self.posted.connect(self._on_posted)

    def post(self, item: Any, wake: bool = True) -> None:
        """From any thread: queue `item` for delivery on the GUI thread (at once, or with `wake=False` at the next
        drain)."""
        self._items.append(item)
        if wake:
            self.posted.emit()

    def __len__(self) -> int:
        return len(self._items)

    def drain(self) -> None:
        """On the GUI thread: deliver what had been posted when the drain began, in order. (Not "until empty": a
        fast producer would keep the GUI thread here for ever; later items have their own queued signal.)
        Delivery holds the draw gate, so its Python work is not slowed down by a training thread."""
        items = self._items
        with DRAW_GATE:
            for _ in range(len(items)):
                self._deliver(items.popleft())

    @Slot()
    def _on_posted(self) -> None:
        self.signals_received += 1
        self.drain()
