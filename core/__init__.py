"""LayerLab's training core: pure NumPy, no Qt.

spec (JSON data) -> Network -> Trainer -> events and snapshots -> weights files and exports.
"""

__version__ = "0.1.0"
