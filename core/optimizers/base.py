"""The optimizer interface: one in-place update of the network's flat parameter vector per step.

The network keeps every trainable parameter in one contiguous array `params` of shape (size,) and the gradients in
`grads` of the same shape and dtype, so an update is a handful of vectorised NumPy calls whatever the number of
layers. Each optimizer allocates its state (moment buffers, shape (size,)) and its scratch buffers once in `build`
and then works with `out=` arguments only: no parameter-sized array is allocated per step.

Hyperparameter names, defaults and update rules are those of `torch.optim` (single-tensor code path).
"""
from __future__ import annotations

import copy
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..config import check_float, describe
from ..errors import SpecError, WeightsError
from ..registry import Registry

OPTIMIZERS = Registry("optimizer")
OPTIMIZERS.reject("ftrl", "FTRL targets sparse linear models; use adagrad (its closest relative) or adam")

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Vectors at least this long are updated in one chunk per core: NumPy releases the GIL inside ufunc loops, so the
# chunks run in parallel. Below it, thread hand-off costs more than it saves.
PARALLEL_MIN_SIZE = 1 << 17
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_WORKERS - 1, thread_name_prefix="layerlab-optimizer")
    return _POOL


class Optimizer:
    """Base class. Subclasses declare their hyperparameters in `__init__` and implement `_update`.

    `weight_decay` here is PyTorch's: `weight_decay * params` is added to the gradient (or, when decoupled,
    the parameters are shrunk by `1 - lr * weight_decay`) for every parameter, biases included.
    """

    name: str = ""
    # Hyperparameters reported by get_config (besides name and lr), in the order of torch's signature.
    config_keys: tuple[str, ...] = ()
    # Python-float state besides the step count (NAdam's running product of momentum coefficients).
    scalar_state: tuple[str, ...] = ()
    # Scratch buffers of shape (size,) the update needs besides the effective-gradient buffer.
    scratch_count: int = 1
    # Flush state entries with |x| < finfo(dtype).tiny to zero every this many steps (0 disables).
    flush_every: int = 64

    def __init__(self, lr: float, weight_decay: float = 0.0, maximize: bool = False, path: str = "optimizer"):
        self.path = path
        self.base_lr = hyper(lr, path, "lr", "learning rate")
        self.lr = self.base_lr
        self.weight_decay = hyper(weight_decay, path, "weight_decay", "weight_decay value")
        self.maximize = flag(maximize, path, "maximize")
        self.size: int | None = None
        self.dtype: np.dtype | None = None
        self.step_count = 0
        self.state: dict[str, np.ndarray] = {}
        self._scratch: list[np.ndarray] = []
        self._grad: np.ndarray | None = None
        self._l2 = self._decoupled_decay = 0.0
        self._checked = False
        self._chunks: list[tuple[slice, "Optimizer"]] = []

    # --- what subclasses describe -------------------------------------------------------------------------------
    def buffer_names(self) -> tuple[str, ...]:
        """Names of the flat state buffers, shape (size,), that these options need (torch's state names)."""
        return ()

    def guarded_buffers(self) -> tuple[str, ...]:
        """Buffers that only reach the update through a denominator guarded by eps; flushed only when eps > 0,
        so a flushed entry can never turn into a division by zero."""
        return ()

    def decoupled(self) -> bool:
        """True when weight decay shrinks the parameters directly instead of entering the gradient (AdamW)."""
        return False

    def _init_state(self) -> None:
        """Give freshly built state its initial values (the buffers start at zero)."""

    def _update(self, params: np.ndarray, grads: np.ndarray, g: np.ndarray) -> None:
        """One step of the rule; `g` is the effective gradient (maximize and coupled weight decay applied)."""
        raise NotImplementedError

    # --- the interface the trainer calls ------------------------------------------------------------------------
    def build(self, size: int, dtype: Any = np.float32) -> None:
        """Allocate the state and scratch buffers for a flat parameter vector of `size` entries; resets the state."""
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise ValueError(f"{self.path}: parameters must be float32 or float64, got {dtype}")
        if int(size) < 0:
            raise ValueError(f"{self.path}: size must be >= 0, got {size}")
        self.size, self.dtype = int(size), dtype
        self.state = {name: np.zeros(self.size, dtype) for name in self.buffer_names()}
        self._scratch = [np.empty(self.size, dtype) for _ in range(self.scratch_count)]
        self._l2, self._decoupled_decay = (0.0, self.weight_decay) if self.decoupled() else (self.weight_decay, 0.0)
        self._grad = np.empty(self.size, dtype) if (self.maximize or self._l2) else None
        self.step_count = 0
        self._checked = False
        self._init_state()
        self._chunks = self._make_chunks() if self.size >= PARALLEL_MIN_SIZE and _WORKERS > 1 else []

    def _make_chunks(self) -> list[tuple[slice, "Optimizer"]]:
        """Shallow copies of this optimizer whose buffers are views of one slice each (cache-line aligned)."""
        edges = [(self.size * i // _WORKERS) // 16 * 16 for i in range(_WORKERS)] + [self.size]
        chunks = []
        for a, b in zip(edges[:-1], edges[1:]):
            part = slice(a, b)
            view = copy.copy(self)
            view.state = {k: v[part] for k, v in self.state.items()}
            view._scratch = [buffer[part] for buffer in self._scratch]
            view._grad = None if self._grad is None else self._grad[part]
            view._chunks = []
            chunks.append((part, view))
        return chunks

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Update `params` (size,) in place from `grads` (size,), which are left untouched; uses `self.lr`."""
        if not self._checked:
            self._check(params, grads)
        self.step_count += 1
        g = self._effective_grad(params, grads)
        if self._chunks:
            self._parallel_update(params, grads, g)
        else:
            self._update(params, grads, g)
        if self.flush_every and self.step_count % self.flush_every == 0:
            self.flush_subnormals()

    def _parallel_update(self, params: np.ndarray, grads: np.ndarray, g: np.ndarray) -> None:
        """Run `_update` on every chunk at once; scalar state (NAdam's product) advances once, identically."""
        for _, view in self._chunks:
            view.lr, view.step_count = self.lr, self.step_count
            for name in self.scalar_state:
                setattr(view, name, getattr(self, name))
        (first, view0), rest = self._chunks[0], self._chunks[1:]
        futures = [_pool().submit(view._update, params[part], grads[part], g[part]) for part, view in rest]
        view0._update(params[first], grads[first], g[first])
        for future in futures:
            future.result()
        for name in self.scalar_state:
            setattr(self, name, getattr(view0, name))

    def flush_subnormals(self) -> None:
        """Set state entries with |x| < finfo(dtype).tiny to exactly zero.

        The state of parameters whose gradient has become exactly zero (dead ReLU units) decays geometrically and
        would otherwise end up as subnormal floats, stuck at the smallest one (0.9 * 1e-45 rounds back to 1e-45):
        arithmetic on those is 10-40x slower on x86. Zero stays zero at full speed. The flushed amounts are below
        anything the update can resolve: a flushed moment is < 1.2e-38 (float32), and a flushed second-moment entry
        moves a denominator that eps keeps above eps by at most sqrt(tiny) (1.1e-19 in float32).
        """
        if self.dtype is None:
            return
        tiny = np.finfo(self.dtype).tiny
        keep = self._scratch[0]
        guarded = self.guarded_buffers()
        eps = getattr(self, "eps", 1.0)
        for name, buffer in self.state.items():
            if name in guarded:
                if not eps > 0:
                    continue
                np.greater_equal(buffer, tiny, out=keep)  # guarded buffers are >= 0
            else:
                np.greater_equal(np.abs(buffer, out=keep), tiny, out=keep)
            # Multiplying by the 0/1 mask costs the same whatever the pattern of dead units; a masked assignment
            # (copyto(where=...)) branches per entry and was measured up to 60x slower on scattered masks.
            buffer *= keep  # NaN stays NaN, inf stays inf

    def state_is_finite(self) -> bool:
        """Whether every state buffer and scalar is finite: a buffer can overflow (the square of a huge gradient in
        float32) while the weights stay finite, and training would then quietly stop moving."""
        if not all(math.isfinite(float(getattr(self, name))) for name in self.scalar_state):
            return False
        return all(bool(np.isfinite(np.dot(buffer, buffer))) or bool(np.all(np.isfinite(buffer)))
                   for buffer in self.state.values())

    def state_dict(self) -> dict[str, np.ndarray | int | float]:
        """Step count, current lr, scalar state and copies of the state buffers: all a resumed run needs."""
        out: dict[str, np.ndarray | int | float] = {"step": self.step_count, "lr": self.lr}
        for name in self.scalar_state:
            out[name] = float(getattr(self, name))
        for name, buffer in self.state.items():
            out[name] = buffer.copy()
        return out

    def state_keys(self) -> tuple[str, ...]:
        """The keys `state_dict()` returns and `load_state_dict()` requires (they depend on the options)."""
        return ("step", "lr", *self.scalar_state, *self.buffer_names())

    def load_state_dict(self, state: dict) -> None:
        """Restore a `state_dict()`; WeightsError on missing or unexpected keys and wrong shapes (nothing changes)."""
        where = f"{self.path} state ({self.name})"
        if self.size is None:
            raise RuntimeError(f"{self.path}: call build(size, dtype) before load_state_dict")
        if not isinstance(state, dict):
            raise WeightsError(f"{where}: expected a dict of arrays, got {describe(state)}")
        names = self.buffer_names()
        expected = self.state_keys()
        missing = [k for k in expected if k not in state]
        if missing:
            found = ", ".join(map(str, state)) or "nothing"
            raise WeightsError(f"{where}: missing {', '.join(missing)}; found {found}")
        unexpected = [str(k) for k in state if k not in expected]
        if unexpected:
            raise WeightsError(
                f"{where}: unexpected {', '.join(unexpected)} (saved by another optimizer or other options?); "
                f"expected {', '.join(expected)}"
            )
        step = _scalar(state["step"], f"{where}: step")
        if step < 0 or step != int(step):
            raise WeightsError(f"{where}: step must be a non-negative integer, got {step}")
        scalars = {k: _scalar(state[k], f"{where}: {k}") for k in ("lr", *self.scalar_state)}
        for key, value in scalars.items():
            if not math.isfinite(value) or (key == "lr" and value < 0):
                raise WeightsError(f"{where}: {key} must be a finite number{' >= 0' if key == 'lr' else ''}, "
                                   f"got {value}")
        arrays = {k: np.asarray(state[k]) for k in names}
        for key, array in arrays.items():
            if array.shape != (self.size,) or array.dtype.kind not in "fiu":
                raise WeightsError(
                    f"{where}: {key} must be a numeric array of shape ({self.size},), got {array.dtype} {array.shape}"
                )
        cast = {}
        for key, array in arrays.items():
            with np.errstate(over="ignore", invalid="ignore"):
                cast[key] = array.astype(self.dtype)
            bad = np.flatnonzero(~np.isfinite(cast[key]))
            if bad.size:
                what = "NaN or Inf" if array.dtype.kind == "f" and not np.all(np.isfinite(array)) else \
                    f"values beyond the {self.dtype} range"
                raise WeightsError(f"{where}: {key} holds {what} ({bad.size} of {array.size} entries, first at "
                                   f"{bad[0]}); training cannot continue from it")
            if key in self.guarded_buffers() and cast[key].size and float(cast[key].min()) < 0:
                raise WeightsError(f"{where}: {key} holds {float(cast[key].min()):.6g}, but it is a running sum or "
                                   "average of squares, never negative")
        for key, array in cast.items():
            np.copyto(self.state[key], array)
        self.step_count = int(step)
        self.lr = scalars.pop("lr")
        for key, value in scalars.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        """`{"name": ..., "lr": base lr, **hyperparameters}`, JSON-able; `get_optimizer(config)` rebuilds it."""
        config: dict[str, Any] = {"name": self.name, "lr": self.base_lr}
        for key in self.config_keys:
            value = getattr(self, key)
            config[key] = list(value) if isinstance(value, tuple) else value
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    # --- helpers ------------------------------------------------------------------------------------------------
    def _effective_grad(self, params: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """`grads`, negated when maximizing, plus `weight_decay * params` (torch's order); never writes `grads`."""
        g = self._grad
        if g is None:
            return grads
        wd = self._l2
        if wd:
            np.multiply(params, wd, out=g)
            (np.subtract if self.maximize else np.add)(g, grads, out=g)
        else:
            np.negative(grads, out=g)
        return g

    def _decay_params(self, params: np.ndarray) -> None:
        """Decoupled weight decay: params *= 1 - lr * weight_decay (AdamW, NAdam with decoupled_weight_decay)."""
        if self._decoupled_decay:
            params *= 1.0 - self.lr * self._decoupled_decay

    def _check(self, params: np.ndarray, grads: np.ndarray) -> None:
        """First step after build: the arrays must be the flat vectors this optimizer was built for."""
        if self.size is None:
            self.build(np.size(params), getattr(params, "dtype", np.float32))
        for what, array in (("params", params), ("grads", grads)):
            if not isinstance(array, np.ndarray) or array.shape != (self.size,) or array.dtype != self.dtype:
                got = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
                raise ValueError(
                    f"{self.path}: {what} must be a flat {self.dtype} array of shape ({self.size},), got {got}"
                )
        if np.shares_memory(params, grads):
            raise ValueError(f"{self.path}: params and grads must not share memory")
        self._checked = True


def get_optimizer(identifier: Any, where: str = "optimizer") -> Optimizer:
    """Build an optimizer from `"adam"`, `{"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]}` or an instance."""
    optimizer = OPTIMIZERS.get(identifier, where, path=where)
    if not isinstance(optimizer, Optimizer):
        raise SpecError(f"{OPTIMIZERS.place(where)}could not interpret optimizer identifier {describe(identifier)}")
    return optimizer


# --- the two running averages the rules share (in place, `tmp` is a scratch buffer of the same shape) ------------
def lerp_(avg: np.ndarray, g: np.ndarray, weight: float, tmp: np.ndarray) -> np.ndarray:
    """avg += weight * (g - avg): torch's avg.lerp_(g, weight)."""
    np.subtract(g, avg, out=tmp)
    tmp *= weight
    avg += tmp
    return avg


def square_average_(avg: np.ndarray, g: np.ndarray, decay: float, tmp: np.ndarray) -> np.ndarray:
    """avg = decay * avg + (1 - decay) * g^2: torch's avg.mul_(decay).addcmul_(g, g, value=1 - decay)."""
    avg *= decay
    np.multiply(g, g, out=tmp)
    tmp *= 1.0 - decay
    avg += tmp
    return avg


# --- hyperparameter checks, with torch's wording and the received value -----------------------------------------
def hyper(value: Any, path: str, key: str, what: str, minimum: float = 0.0, below: float | None = None,
          at_most: float | None = None) -> float:
    """A finite float >= minimum (and < below, or <= at_most); SpecError 'path.key: Invalid <what>: <value>'."""
    where = f"{path}.{key}"
    number = check_float(value, where)
    if number < minimum or (below is not None and number >= below) or (at_most is not None and number > at_most):
        if below is not None:
            accepted = f"{minimum:g} <= {key} < {below:g}"
        elif at_most is not None:
            accepted = f"{minimum:g} <= {key} <= {at_most:g}"
        else:
            accepted = f"{key} >= {minimum:g}"
        raise SpecError(f"{where}: Invalid {what}: {value!r}; expected {accepted}")
    return number


def flag(value: Any, path: str, key: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise SpecError(f"{path}.{key} must be true or false, got {describe(value)}")
    return bool(value)


def betas(value: Any, path: str) -> tuple[float, float]:
    """Two floats in [0, 1), given in JSON as a 2-element list."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise SpecError(f"{path}.betas must be a list of 2 numbers like [0.9, 0.999], got {describe(value)}")
    b1 = hyper(value[0], path, "betas[0]", "beta parameter at index 0", below=1.0)
    b2 = hyper(value[1], path, "betas[1]", "beta parameter at index 1", below=1.0)
    return b1, b2


def _scalar(value: Any, where: str) -> float:
    array = np.asarray(value)
    if array.shape != () or array.dtype.kind not in "fiub":
        raise WeightsError(f"{where} must be a number, got {describe(value)}")
    number = float(array)
    if math.isnan(number):
        raise WeightsError(f"{where} must be a number, got nan")
    return number
