"""Per-parameter adaptive step sizes from running squared gradients: Adagrad, RMSprop and Adadelta (torch's rules)."""
from __future__ import annotations

import numpy as np

from .base import OPTIMIZERS, Optimizer, flag, hyper, lerp_, square_average_


@OPTIMIZERS.register("adagrad", "ada_grad", "adaptive_gradient")
class Adagrad(Optimizer):
    """torch.optim.Adagrad: sum += g^2; p -= clr * g / (sqrt(sum) + eps), clr = lr / (1 + (t - 1) * lr_decay)."""

    name = "adagrad"
    config_keys = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(self, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, maximize: bool = False, *,
                 path: str = "optimizer"):
        super().__init__(lr, weight_decay, maximize, path)
        self.lr_decay = hyper(lr_decay, path, "lr_decay", "lr_decay value")
        self.initial_accumulator_value = hyper(initial_accumulator_value, path, "initial_accumulator_value",
                                               "initial_accumulator_value value")
        self.eps = hyper(eps, path, "eps", "epsilon value")

    def buffer_names(self):
        return ("sum",)

    def guarded_buffers(self):
        return ("sum",)

    def _init_state(self):
        self.state["sum"].fill(self.initial_accumulator_value)

    def _update(self, params, grads, g):
        t, total = self._scratch[0], self.state["sum"]
        clr = self.lr / (1.0 + (self.step_count - 1) * self.lr_decay)
        np.multiply(g, g, out=t)
        total += t
        np.sqrt(total, out=t)
        t += self.eps
        np.divide(g, t, out=t)
        t *= -clr
        params += t


@OPTIMIZERS.register("rmsprop", "rms_prop")
class RMSprop(Optimizer):
    """torch.optim.RMSprop: v = alpha v + (1 - alpha) g^2; avg = sqrt(v - gbar^2 if centered else v) + eps;
    p -= lr * g / avg, or with momentum b = momentum b + g / avg; p -= lr * b."""

    name = "rmsprop"
    config_keys = ("alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, maximize: bool = False, *, path: str = "optimizer"):
        super().__init__(lr, weight_decay, maximize, path)
        self.alpha = hyper(alpha, path, "alpha", "alpha value")
        self.eps = hyper(eps, path, "eps", "epsilon value")
        self.momentum = hyper(momentum, path, "momentum", "momentum value")
        self.centered = flag(centered, path, "centered")

    def buffer_names(self):
        names = ("square_avg",)
        if self.momentum > 0:
            names += ("momentum_buffer",)
        if self.centered:
            names += ("grad_avg",)
        return names

    def guarded_buffers(self):
        return ("square_avg",)

    def _update(self, params, grads, g):
        t = self._scratch[0]
        square_avg = square_average_(self.state["square_avg"], g, self.alpha, t)
        if self.centered:
            grad_avg = lerp_(self.state["grad_avg"], g, 1.0 - self.alpha, t)
            np.multiply(grad_avg, grad_avg, out=t)
            np.subtract(square_avg, t, out=t)
            np.sqrt(t, out=t)
        else:
            np.sqrt(square_avg, out=t)
        t += self.eps
        np.divide(g, t, out=t)
        if self.momentum > 0:
            buf = self.state["momentum_buffer"]
            buf *= self.momentum
            buf += t
            np.multiply(buf, -self.lr, out=t)
        else:
            t *= -self.lr
        params += t


@OPTIMIZERS.register("adadelta", "ada_delta")
class Adadelta(Optimizer):
    """torch.optim.Adadelta: v = rho v + (1 - rho) g^2; d = sqrt(u + eps) / sqrt(v + eps) * g;
    u = rho u + (1 - rho) d^2; p -= lr * d."""

    name = "adadelta"
    config_keys = ("rho", "eps", "weight_decay", "maximize")
    scratch_count = 2

    def __init__(self, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 maximize: bool = False, *, path: str = "optimizer"):
        super().__init__(lr, weight_decay, maximize, path)
        self.rho = hyper(rho, path, "rho", "rho value", at_most=1.0)
        self.eps = hyper(eps, path, "eps", "epsilon value")

    def buffer_names(self):
        return ("square_avg", "acc_delta")

    def guarded_buffers(self):
        return ("square_avg", "acc_delta")

    def _update(self, params, grads, g):
        t, delta = self._scratch
        square_avg = square_average_(self.state["square_avg"], g, self.rho, t)
        np.add(square_avg, self.eps, out=t)
        np.sqrt(t, out=t)  # std
        np.add(self.state["acc_delta"], self.eps, out=delta)
        np.sqrt(delta, out=delta)
        delta /= t
        delta *= g
        square_average_(self.state["acc_delta"], delta, self.rho, t)
        delta *= -self.lr
        params += delta
