"""Which file an export may be written to: never over the model being exported, and never under a suffix that
names another format (an ONNX model in `mix.json`, a Python script in `m.keras`), since the file would then be
opened as what it is not. Checked before anything is built or written."""
from __future__ import annotations

from pathlib import Path

from ..fileio import same_file
from .common import ExportError

# Suffixes of formats LayerLab writes, and of framework model files an export must not pretend to be.
KNOWN_SUFFIXES = {".npz": "the npz format", ".json": "the json format", ".onnx": "the onnx format",
                  ".safetensors": "the safetensors format", ".py": "a Python script (pytorch, keras)"}
FOREIGN_SUFFIXES = {".keras": "Keras' own model format", ".h5": "Keras' HDF5 model format",
                    ".hdf5": "Keras' HDF5 model format", ".pt": "PyTorch's saved-model format",
                    ".pth": "PyTorch's saved-model format"}
SCRIPT_FORMATS = ("pytorch", "keras")


def check_target(model, fmt: str, out: Path, expected_suffix: str) -> None:
    """ExportError unless `out` is a fit name for a `fmt` export of `model` (a LoadedModel)."""
    source = getattr(getattr(model, "file", None), "path", None)
    if source is not None and same_file(Path(source), out):
        raise ExportError(f"cannot export {source} over itself: choose another output file (rewriting it would "
                          "drop what the export leaves out, such as a checkpoint's training state)")
    suffix = out.suffix.lower()
    if suffix == expected_suffix or out.is_dir():   # a folder: the writer says so, which is the real problem
        return
    article = "an" if fmt in ("npz", "onnx") else "a"
    kind = "a Python script" if fmt in SCRIPT_FORMATS else f"{article} {fmt} file"
    what = KNOWN_SUFFIXES.get(suffix) or FOREIGN_SUFFIXES.get(suffix)
    if what is not None:
        raise ExportError(f"cannot export as {fmt} to {out}: {suffix} is the suffix of {what}, but this export is "
                          f"{kind}; name it {expected_suffix} (e.g. {out.with_suffix(expected_suffix).name})")
    if fmt in SCRIPT_FORMATS:
        raise ExportError(f"cannot export as {fmt} to {out}: the export is a Python script, so its name must end in "
                          f".py (e.g. {out.with_suffix('.py').name})")


