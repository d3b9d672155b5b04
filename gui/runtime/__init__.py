"""Handing work between worker threads and the GUI thread."""
