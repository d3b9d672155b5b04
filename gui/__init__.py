"""LayerLab's desktop interface (PySide6 + pyqtgraph) over the pure-NumPy core."""
