"""The live training dashboard: `Dashboard` (a QWidget fed with core's training events) and `RunInfo`."""
from .dashboard import Dashboard
from .run_info import RunInfo

__all__ = ["Dashboard", "RunInfo"]
