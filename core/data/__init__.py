"""LayerLab's data: built-in datasets, CSV/NPZ/IDX import, feature crosses, splits and scaling.

`load_dataset(spec)` gives a raw `Dataset`; `prepare(dataset, spec)` crosses, splits and scales it into a
`PreparedData` whose `Preprocessor` travels with the model. The `data` spec format is in docs/data.md.
"""
from ..tasks import OutputAdvice, output_advice
from .builtin import BuiltinInfo, ParamInfo, builtin_datasets
from .csv_table import CsvLayout, is_number, sniff_layout
from ..tasks import TASKS
from .dataset import Dataset
from .loading import data_files, load_dataset, load_features
from .prepare import PreparedData, Split, prepare
from .preprocess import CROSSES, Preprocessor, apply_crosses, build_crosses
from .spec import validate_data_spec
from .summary import ColumnStats, DataSummary, summarize

__all__ = [
    "BuiltinInfo", "CROSSES", "ColumnStats", "CsvLayout", "DataSummary", "Dataset", "OutputAdvice", "ParamInfo",
    "PreparedData", "Preprocessor", "Split", "TASKS", "apply_crosses", "build_crosses", "builtin_datasets",
    "data_files", "is_number", "load_dataset", "load_features", "output_advice", "prepare", "sniff_layout",
    "summarize", "validate_data_spec",
]
