"""A small helper over `onnx.helper` that builds a graph node by node with readable, unique names.

Tensor names follow the weights file (`layers.2.weight`), nodes are named after the layer they come from
(`layers.2.dense/Gemm`), so the graph reads like the layer table in Netron or any other viewer.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
DOUBLE = TensorProto.DOUBLE


class GraphBuilder:
    """Collects nodes and initializers; every `op` call returns the name of its (first) output."""

    def __init__(self) -> None:
        self.nodes: list[NodeProto] = []
        self.initializers: list[TensorProto] = []
        self._taken: set[str] = set()
        self._constants: dict[tuple, str] = {}

    def unique(self, base: str) -> str:
        name, k = base, 1
        while name in self._taken:
            k += 1
            name = f"{base}_{k}"
        self._taken.add(name)
        return name

    def initializer(self, name: str, array: np.ndarray) -> str:
        """A named weight tensor; the name is kept as given (it must be unique)."""
        if name in self._taken:
            raise ValueError(f"tensor name {name!r} used twice")
        self._taken.add(name)
        return self._add(name, array)

    def _add(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, value: Any, dtype: Any = np.float32, name: str = "const") -> str:
        """A constant tensor (scalars broadcast); equal constants are shared."""
        array = np.asarray(value, dtype=dtype)
        if name == "const" and array.ndim == 0:
            name = f"const_{array.item():g}"   # e.g. const_0.5, readable in a graph viewer
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._constants:
            self._constants[key] = self._add(self.unique(name), array)
        return self._constants[key]

    def op(self, op_type: str, inputs: Sequence[str], scope: str, output: str | None = None, **attrs: Any) -> str:
        """Add one node named `{scope}/{op_type}`; its output is `output` or a fresh name in the scope."""
        out = output if output is not None else self.unique(f"{scope}/{op_type}_out")
        if output is not None:
            self._taken.add(output)
        node_name = self.unique(f"{scope}/{op_type}")
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=node_name, **attrs))
        return out
