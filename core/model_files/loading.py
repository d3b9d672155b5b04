"""`load_model`: a LayerLab weights file, JSON export or safetensors export, recognised by its suffix or content,
read and checked into a `LoadedModel`."""
from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from ..data import Preprocessor
from ..errors import LayerLabError, WeightsError
from ..file_input import check_input_file
from ..network import Network
from ..project import parse_project
from ..tasks import TASKS
from .json_reader import load_json_model, looks_like_json
from .model import LoadedModel
from .names import check_names
from .safetensors_reader import looks_like_safetensors, read_safetensors
from .weights_file import WeightsFile, load_weights


def load_model(path: str | Path) -> LoadedModel:
    """A model ready to predict on raw inputs, from a LayerLab weights file (.npz), a LayerLab JSON export
    (`"format": "layerlab-json/1"`) or a LayerLab safetensors export, each recognised by its suffix or content.

    Every problem (missing, truncated, pickled or foreign file, NaN weights, metadata that does not describe a
    usable model, arrays for another architecture) is a one-line WeightsError naming the file; nothing is returned
    half-loaded."""
    check_input_file(path, "model file", WeightsError)     # never open a FIFO or a device
    if looks_like_safetensors(Path(path)):
        return _model_from(read_safetensors(path), path)
    if looks_like_json(Path(path)):
        return load_json_model(path)
    _check_kind(Path(path))
    described: dict[str, tuple] = {}

    def array_budget(meta: dict) -> int:
        """The largest array this model can have (its whole parameter vector, in float64): no member is inflated
        beyond it."""
        described["model"] = _describe(meta, path)
        network = described["model"][2]
        return 8 * (network.params.size + network.buffers.size) + 1024

    try:
        wf = load_weights(path, array_budget)
    except (NotImplementedError, RuntimeError, zlib.error) as exc:  # zipfile on a damaged or exotic archive
        raise WeightsError(f"{path} is not a valid weights file (damaged .npz: {exc})") from None
    return _model_from(wf, path, described.get("model"))


def _describe(meta: dict, path: str | Path) -> tuple:
    """(project, preprocessor, network) as the metadata describes them; WeightsError when it does not."""
    try:
        project = parse_project(meta["project"], Path(path).parent, "embedded project")
        preprocessor = Preprocessor.from_dict(meta["preprocessing"])
        network = Network(list(project.layers), int(meta["input_width"]), project.training.dtype)
        _check_meta(meta, preprocessor, network)
    except LayerLabError as exc:
        raise WeightsError(f"{path}: its metadata does not describe a usable model: {exc}") from None
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise WeightsError(f"{path}: its metadata does not describe a usable model ({what})") from None
    return project, preprocessor, network


def _model_from(wf: WeightsFile, path: str | Path, described: tuple | None = None) -> LoadedModel:
    """Build the network and preprocessing a weights file's metadata describes, then load its arrays."""
    meta = wf.meta
    project, preprocessor, network = described or _describe(meta, path)
    network.load_state_dict(wf.arrays, str(path))
    return LoadedModel(network, preprocessor, meta, project, wf)


def _check_kind(path: Path) -> None:
    """Name what a file is when it is neither an .npz nor a JSON export (NumPy calls every such file pickled)."""
    if not path.is_file():
        return  # load_weights names a missing file or a folder
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise WeightsError(f"cannot read weights file {path}: {exc.strerror or exc}") from None
    if not head:
        raise WeightsError(f"weights file {path} is empty")
    if head.startswith((b"PK", b"\x93NUMPY")):
        return
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise WeightsError(f"{path} contains pickled data, which LayerLab never loads")
    raise WeightsError(f"{path} is not a LayerLab model: expected a weights file (.npz), a JSON export or a "
                       "safetensors export")


def _check_meta(meta: dict, preprocessor: Any, network: Network) -> None:
    """What prediction reads from the metadata must be there and agree with the network and the preprocessing."""
    if meta.get("task") not in TASKS:
        raise WeightsError(f"task must be one of {', '.join(TASKS)}, got {meta.get('task')!r}")
    raw_width = meta.get("raw_width")
    if not isinstance(raw_width, int) or raw_width != preprocessor.raw_width:
        raise WeightsError(f"raw_width is {raw_width!r} but the preprocessing takes {preprocessor.raw_width} columns")
    if preprocessor.width != network.input_width:
        raise WeightsError(f"the preprocessing gives {preprocessor.width} inputs but the network takes "
                           f"{network.input_width}")
    output_width = meta.get("output_width", network.output_width)
    if output_width != network.output_width:
        raise WeightsError(f"output_width is {output_width!r} but the network outputs {network.output_width} values")
    encoder = meta.get("encoder")
    if encoder is not None and not isinstance(encoder, dict):
        raise WeightsError(f"encoder must be an object or null, got {type(encoder).__name__}")
    check_names(meta, network.output_width)
