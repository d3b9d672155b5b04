"""Stochastic gradient descent with torch's momentum, dampening and Nesterov variants."""
from __future__ import annotations

import numpy as np

from ..config import check_float
from ..errors import SpecError
from .base import OPTIMIZERS, Optimizer, flag, hyper


@OPTIMIZERS.register("sgd", "gd", "gradient_descent", "stochastic_gradient_descent")
class SGD(Optimizer):
    """torch.optim.SGD: b = momentum * b + (1 - dampening) * g (b = g on the first step); p -= lr * b
    (or lr * (g + momentum * b) with Nesterov)."""

    name = "sgd"
    config_keys = ("momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, maximize: bool = False, *, path: str = "optimizer"):
        super().__init__(lr, weight_decay, maximize, path)
        self.momentum = hyper(momentum, path, "momentum", "momentum value")
        self.dampening = check_float(dampening, f"{path}.dampening")
        self.nesterov = flag(nesterov, path, "nesterov")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise SpecError(
                f"{path}: Nesterov momentum requires a momentum and zero dampening; "
                f"got momentum={momentum!r}, dampening={dampening!r}"
            )

    def buffer_names(self):
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def _update(self, params, grads, g):
        t = self._scratch[0]
        if self.momentum != 0:
            buf = self.state["momentum_buffer"]
            if self.step_count == 1:
                np.copyto(buf, g)
            else:
                buf *= self.momentum
                if self.dampening:
                    np.multiply(g, 1.0 - self.dampening, out=t)
                    buf += t
                else:
                    buf += g
            if self.nesterov:
                np.multiply(buf, self.momentum, out=t)
                t += g
                g = t
            else:
                g = buf
        np.multiply(g, -self.lr, out=t)
        params += t
