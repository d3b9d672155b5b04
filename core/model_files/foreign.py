"""Starting weights (`layerlab train --init-weights`) from a file LayerLab may not have written: a LayerLab model
file, or a plain .npz / .safetensors matched to the project's network by name and shape.

Three naming layouts are understood (docs/export.md, "Starting from foreign weights"):
- LayerLab's own names and shapes: `layers.{i}.weight` (in, out), `layers.{i}.bias`, `layers.{i}.alpha`,
  `layers.{i}.gamma` / `beta` / `running_mean` / `running_var`, with i the index in `model.layers`;
- a PyTorch `state_dict` of LayerLab's PyTorch export: `layer{i}_dense.weight` (out, in), `layer{i}_dense.bias`,
  `layer{i}_prelu.weight`, `layer{i}_batch_norm.weight` / `bias` / `running_mean` / `running_var`,
  `layer{i}_layer_norm.weight` / `bias`;
- a PyTorch `state_dict` of an `nn.Sequential`: `{k}.weight`, `{k}.bias`, ... where the modules that hold
  parameters are taken in order, one per LayerLab layer that has parameters (a dense layer with a PReLU activation
  takes two: the Linear, then the PReLU).
PyTorch's Linear weight is (out, in) and is transposed; `num_batches_tracked` is ignored; anything else that does
not fit, the first mismatch named, is a WeightsError.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import WeightsError
from ..file_input import check_input_file
from .json_reader import looks_like_json
from .safetensors_reader import looks_like_safetensors
from .weights_file import META_KEY, read_npz

# LayerLab key <- PyTorch parameter name, per layer type.
TORCH_NAMES = {
    "dense": {"weight": "weight", "bias": "bias"},
    "prelu": {"alpha": "weight"},
    "batch_norm": {"gamma": "weight", "beta": "bias", "running_mean": "running_mean", "running_var": "running_var"},
    "layer_norm": {"gamma": "weight", "beta": "bias"},
}
IGNORED = ("num_batches_tracked",)


def init_arrays(path: str | Path, network) -> dict[str, np.ndarray]:
    """LayerLab-named arrays for `network` from `path` (see the module docstring); `network.load_state_dict` then
    checks every value. WeightsError in one line for anything that does not fit."""
    from .loading import load_model

    path = Path(path)
    check_input_file(path, "--init-weights file", WeightsError)
    budget = 8 * (network.params.size + network.buffers.size) + (1 << 20)
    if looks_like_json(path):
        return load_model(path).file.arrays
    if looks_like_safetensors(path):
        tensors = _safetensors(path, budget)
        if tensors is None:
            return load_model(path).file.arrays
    else:
        tensors = read_npz(path, "--init-weights file", lambda name: True, budget, meta_required=False)
        if META_KEY in tensors:
            return load_model(path).file.arrays
    return match_arrays(tensors, network, str(path))


def _safetensors(path: Path, budget: int) -> dict[str, np.ndarray] | None:
    """A foreign safetensors file's tensors, or None for a LayerLab export (read by load_model instead)."""
    from safetensors import SafetensorError, safe_open

    if path.stat().st_size > 4 * budget:
        raise WeightsError(f"{path}: {path.stat().st_size:,} bytes, far more than the project's network holds")
    try:
        with safe_open(str(path), framework="np") as handle:
            metadata = handle.metadata() or {}
            if "layerlab_format" in metadata:
                return None
            return {name: handle.get_tensor(name) for name in handle.keys()}
    except (SafetensorError, ValueError, TypeError, OSError) as exc:
        raise WeightsError(f"{path} is not a valid safetensors file: {exc}") from None


def match_arrays(tensors: dict[str, np.ndarray], network, source: str) -> dict[str, np.ndarray]:
    names = [n for n in tensors if n.rsplit(".", 1)[-1] not in IGNORED]
    if not names:
        raise WeightsError(f"{source}: holds no arrays")
    if all(n.startswith("layers.") for n in names):
        return {n: tensors[n] for n in names}
    script = [re.fullmatch(r"layer(\d+)_([a-z0-9_]+)\.(\w+)", n) for n in names]
    if all(script):
        return _from_script_names(tensors, script, network, source)
    numbered = [re.fullmatch(r"(\d+)\.(\w+)", n) for n in names]
    if all(numbered):
        return _from_sequential(tensors, numbered, network, source)
    odd = next(n for n, a, b in zip(names, script, numbered) if not n.startswith("layers.") and not a and not b)
    raise WeightsError(f"{source}: array {odd!r} follows none of the layouts --init-weights reads: LayerLab's "
                       "'layers.0.weight' (in, out), or a PyTorch state_dict ('0.weight' of an nn.Sequential, or "
                       "LayerLab's PyTorch export's 'layer0_dense.weight'), weight (out, in)")


def _put(out: dict, network, i: int, key: str, array: np.ndarray, torch_name: str, source: str) -> None:
    """One PyTorch parameter as LayerLab's `layers.{i}.{key}`, the dense kernel transposed after a shape check."""
    name = f"layers.{i}.{key}"
    entry = next((e for e in network.entries if e.name == name), None)
    if entry is None:
        raise WeightsError(f"{source}: {torch_name} has no place in the network: model.layers[{i}] "
                           f"({network.layers[i].describe()}) has no {key}")
    array = np.asarray(array)
    if network.layers[i].type == "dense" and key == "weight":
        want = entry.shape[::-1]
        if array.shape != want:
            raise WeightsError(f"{source}: {torch_name} has shape {array.shape}, but model.layers[{i}] "
                               f"({network.layers[i].describe()}) needs PyTorch's (out, in) = {want}")
        array = array.T
    elif array.shape != entry.shape:
        raise WeightsError(f"{source}: {torch_name} has shape {array.shape}, but model.layers[{i}] "
                           f"({network.layers[i].describe()}) needs {entry.shape} for its {key}")
    out[name] = np.ascontiguousarray(array)


def _from_script_names(tensors, matches, network, source: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for match in matches:
        i, kind, param = int(match.group(1)), match.group(2), match.group(3)
        torch_name = match.group(0)
        if i >= len(network.layers):
            raise WeightsError(f"{source}: {torch_name} names layer {i}, but the network has {len(network.layers)}")
        table = TORCH_NAMES.get(kind, {})
        key = next((k for k, t in table.items() if t == param), None)
        if key is None:
            raise WeightsError(f"{source}: unexpected array {torch_name!r}")
        _put(out, network, i, key, tensors[torch_name], torch_name, source)
    return out


def _from_sequential(tensors, matches, network, source: str) -> dict[str, np.ndarray]:
    """Modules with parameters, in index order, one per LayerLab parameter group in layer order."""
    modules: dict[int, dict[str, str]] = {}
    for match in matches:
        modules.setdefault(int(match.group(1)), {})[match.group(2)] = match.group(0)
    order = sorted(modules)
    wanted = []           # (layer index, layer type whose PyTorch names to use)
    for i, layer in enumerate(network.layers):
        keys = {e.key for e in network.entries if e.layer == i}
        if layer.type == "dense":
            if keys & {"weight", "bias"}:
                wanted.append((i, "dense"))
            if "alpha" in keys:
                wanted.append((i, "prelu"))
        elif keys and layer.type in TORCH_NAMES:
            wanted.append((i, layer.type))
        elif "alpha" in keys:
            wanted.append((i, "prelu"))
    if len(order) != len(wanted):
        raise WeightsError(f"{source}: {len(order)} modules hold parameters ({', '.join(map(str, order[:8]))}), but "
                           f"the network has {len(wanted)} layers' worth of them; nn.Sequential modules map in order")
    out: dict[str, np.ndarray] = {}
    for k, (i, kind) in zip(order, wanted):
        table = TORCH_NAMES[kind]
        for param, torch_name in modules[k].items():
            key = next((lk for lk, t in table.items() if t == param), None)
            if key is None:
                raise WeightsError(f"{source}: unexpected array {torch_name!r} for model.layers[{i}] "
                                   f"({network.layers[i].describe()})")
            _put(out, network, i, key, tensors[torch_name], torch_name, source)
    return out
