"""Hands Python objects from worker threads to the GUI thread without passing them through queued signals.

Items wait in a thread-safe FIFO (a deque: appending takes no lock of ours); for an item posted with `wake=True` a
payload-free signal is queued to this object, which lives in the GUI thread, and its slot delivers whatever has
arrived, oldest first, as one list. Queued signals then carry no Python objects at all: PySide6 has crashed
(reference counts of signal arguments touched from two threads at once) when worker threads emitted
`Signal(object)` at a high rate, and one FIFO also keeps every kind of item in order.

An item posted with `wake=False` queues no signal: it waits for the next waking item or for the owner's own
`drain()` (the training pipeline drains once per frame). Every wake of the GUI thread while a training thread runs
Python costs training far more than the wake's own work (gui/runtime/busy_hold.py), so the frequent items ride
along with a frame the GUI thread draws anyway.
"""
from __future__ import annotations

import collections
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot


class Mailbox(QObject):
    posted = Signal()

    def __init__(self, deliver: Callable[[list[Any]], None], parent: QObject | None = None):
        """`deliver(items)` is called on the GUI thread with the items that arrived since the last delivery."""
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
        fast producer would keep the GUI thread here for ever; later items have their own queued signal or wait
        for the next drain.)"""
        items = self._items
        count = len(items)
        if count:
            self._deliver([items.popleft() for _ in range(count)])

    @Slot()
    def _on_posted(self) -> None:
        self.signals_received += 1
        self.drain()
