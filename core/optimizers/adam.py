"""Adam and its relatives (AdamW, Adamax, NAdam) with torch's update rules.

Adam's update p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps) is evaluated as
p -= (lr * sqrt(bc2) / bc1) * m / (sqrt(v) + eps * sqrt(bc2)): the same number (to rounding) with two
parameter-sized operations fewer, so a step is 12 NumPy calls on the flat vectors.
"""
from __future__ import annotations

import math

import numpy as np

from .base import OPTIMIZERS, Optimizer, betas, flag, hyper, lerp_, square_average_


class _Moments(Optimizer):
    """Shared by the Adam family: betas, eps, m.lerp_(g, 1 - beta1) and v = beta2 v + (1 - beta2) g^2."""

    def __init__(self, lr, betas_, eps, weight_decay, maximize, path):
        super().__init__(lr, weight_decay, maximize, path)
        self.betas = betas(betas_, path)
        self.eps = hyper(eps, path, "eps", "epsilon value")

    def _first_moment(self, g: np.ndarray, t: np.ndarray) -> np.ndarray:
        return lerp_(self.state["exp_avg"], g, 1.0 - self.betas[0], t)

    def _second_moment(self, g: np.ndarray, t: np.ndarray) -> np.ndarray:
        return square_average_(self.state["exp_avg_sq"], g, self.betas[1], t)


@OPTIMIZERS.register("adam", "adaptive_moment_estimation")
class Adam(_Moments):
    """torch.optim.Adam: m, v moving averages of g and g^2; p -= lr * m_hat / (sqrt(v_hat) + eps)
    (v_hat from the running maximum of v with amsgrad)."""

    name = "adam"
    config_keys = ("betas", "eps", "weight_decay", "amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(self, lr: float = 1e-3, betas: list[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False,
                 decoupled_weight_decay: bool = False, *, path: str = "optimizer"):
        super().__init__(lr, betas, eps, weight_decay, maximize, path)
        self.amsgrad = flag(amsgrad, path, "amsgrad")
        self.decoupled_weight_decay = flag(decoupled_weight_decay, path, "decoupled_weight_decay")

    def decoupled(self):
        return self.decoupled_weight_decay

    def buffer_names(self):
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if self.amsgrad else ("exp_avg", "exp_avg_sq")

    def guarded_buffers(self):
        return ("exp_avg_sq", "max_exp_avg_sq")

    def _update(self, params, grads, g):
        t = self._scratch[0]
        beta1, beta2 = self.betas
        step = float(self.step_count)
        self._decay_params(params)
        m = self._first_moment(g, t)
        v = self._second_moment(g, t)
        if self.amsgrad:
            v = np.maximum(self.state["max_exp_avg_sq"], v, out=self.state["max_exp_avg_sq"])
        bias_correction1 = 1.0 - beta1**step
        root2 = math.sqrt(1.0 - beta2**step)
        np.sqrt(v, out=t)
        t += self.eps * root2
        np.divide(m, t, out=t)
        t *= -self.lr * root2 / bias_correction1
        params += t


@OPTIMIZERS.register("adamw", "adam_w")
class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr * weight_decay), default 1e-2."""

    name = "adamw"
    config_keys = ("betas", "eps", "weight_decay", "amsgrad", "maximize")

    def __init__(self, lr: float = 1e-3, betas: list[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False, *,
                 path: str = "optimizer"):
        super().__init__(lr, betas, eps, weight_decay, amsgrad, maximize, True, path=path)


@OPTIMIZERS.register("adamax", "ada_max")
class Adamax(_Moments):
    """torch.optim.Adamax: m as in Adam; u = max(beta2 * u, |g| + eps); p -= lr / (1 - beta1^t) * m / u."""

    name = "adamax"
    config_keys = ("betas", "eps", "weight_decay", "maximize")

    def __init__(self, lr: float = 2e-3, betas: list[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, maximize: bool = False, *, path: str = "optimizer"):
        super().__init__(lr, betas, eps, weight_decay, maximize, path)

    def buffer_names(self):
        return ("exp_avg", "exp_inf")

    def guarded_buffers(self):
        return ("exp_inf",)

    def _update(self, params, grads, g):
        t = self._scratch[0]
        beta1, beta2 = self.betas
        m = self._first_moment(g, t)
        u = self.state["exp_inf"]
        u *= beta2
        np.abs(g, out=t)
        t += self.eps
        np.maximum(u, t, out=u)
        np.divide(m, u, out=t)
        t *= -self.lr / (1.0 - beta1 ** float(self.step_count))
        params += t


@OPTIMIZERS.register("nadam", "nesterov_adam")
class NAdam(_Moments):
    """torch.optim.NAdam: Adam with Nesterov momentum and the momentum schedule
    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))."""

    name = "nadam"
    config_keys = ("betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay", "maximize")
    scalar_state = ("mu_product",)
    scratch_count = 2

    def __init__(self, lr: float = 2e-3, betas: list[float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False,
                 maximize: bool = False, *, path: str = "optimizer"):
        super().__init__(lr, betas, eps, weight_decay, maximize, path)
        self.momentum_decay = hyper(momentum_decay, path, "momentum_decay", "momentum_decay value")
        self.decoupled_weight_decay = flag(decoupled_weight_decay, path, "decoupled_weight_decay")
        self.mu_product = 1.0

    def decoupled(self):
        return self.decoupled_weight_decay

    def buffer_names(self):
        return ("exp_avg", "exp_avg_sq")

    def guarded_buffers(self):
        return ("exp_avg_sq",)

    def _init_state(self):
        self.mu_product = 1.0

    def _update(self, params, grads, g):
        t, u = self._scratch
        beta1, beta2 = self.betas
        step = float(self.step_count)
        self._decay_params(params)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * self.momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * self.momentum_decay))
        self.mu_product *= mu
        mu_product_next = self.mu_product * mu_next
        m = self._first_moment(g, t)
        v = self._second_moment(g, t)
        np.sqrt(v, out=t)
        t *= 1.0 / math.sqrt(1.0 - beta2**step)
        t += self.eps
        np.divide(g, t, out=u)
        u *= -self.lr * (1.0 - mu) / (1.0 - self.mu_product)
        params += u
        np.divide(m, t, out=u)
        u *= -self.lr * mu_next / (1.0 - mu_product_next)
        params += u
