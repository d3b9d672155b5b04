"""Optimizers: hand-derived first steps, PyTorch trajectories, exact resume, subnormal flushing and config errors.

Reference values come from arithmetic written out below (from torch.optim's documented update rules) and from
tests/golden/optimizers_trajectories.npz, written by tests/golden/make_optimizer_golden.py with PyTorch.
"""
from __future__ import annotations

import io
import json
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from core.errors import SpecError, WeightsError
from core.optimizers import OPTIMIZERS, Optimizer, get_optimizer

GOLDEN = np.load(Path(__file__).parent / "golden" / "optimizers_trajectories.npz", allow_pickle=False)
INDEX = json.loads(str(GOLDEN["index"]))
CASES = list(enumerate(INDEX["cases"]))


def case_id(case):
    i, config = case
    return f"{i}-" + "-".join(f"{k}={v}" for k, v in config.items() if k != "lr")


def run(config, grads_seq, p0, dtype=np.float64, **attrs) -> tuple[Optimizer, np.ndarray, list[np.ndarray]]:
    """Apply one step per gradient in `grads_seq` (each a list or a function of p); returns params after each step."""
    opt = get_optimizer(config)
    for key, value in attrs.items():
        setattr(opt, key, value)
    p = np.array(p0, dtype=dtype)
    opt.build(p.size, dtype)
    history = []
    for g in grads_seq:
        grad = np.array(g(p) if callable(g) else g, dtype=dtype)
        opt.step(p, grad)
        history.append(p.copy())
    return opt, p, history


# --- the first three steps, by hand -----------------------------------------------------------------------------
# Two parameters, p0 = (1, -2), and the gradient sequence g1 = (0.5, -1), g2 = (0.25, 0.5), g3 = (-0.5, 0).
P0 = [1.0, -2.0]
G = [[0.5, -1.0], [0.25, 0.5], [-0.5, 0.0]]


def assert_steps(config, expected, grads=G, p0=P0):
    _, _, history = run(config, grads, p0)
    for k, (got, want) in enumerate(zip(history, expected), start=1):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=f"{config} step {k}")


def test_sgd_plain_and_maximize_by_hand():
    # p -= 0.1 g
    assert_steps({"name": "sgd", "lr": 0.1}, [[0.95, -1.9], [0.925, -1.95], [0.975, -1.95]])
    # maximize: p += 0.1 g
    assert_steps({"name": "sgd", "lr": 0.1, "maximize": True}, [[1.05, -2.1], [1.075, -2.05], [1.025, -2.05]])


def test_sgd_momentum_by_hand():
    # b1 = g1 (no dampening on the first step); b2 = 0.9 b1 + g2 = (0.7, -0.4); b3 = 0.9 b2 + g3 = (0.13, -0.36)
    assert_steps({"name": "sgd", "lr": 0.1, "momentum": 0.9},
                 [[0.95, -1.9], [0.95 - 0.07, -1.9 + 0.04], [0.88 - 0.013, -1.86 + 0.036]])


def test_sgd_dampening_skips_the_first_step_by_hand():
    # b1 = g1; b2 = 0.9 b1 + 0.5 g2 = (0.575, -0.65); b3 = 0.9 b2 + 0.5 g3 = (0.2675, -0.585)
    assert_steps({"name": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.5},
                 [[0.95, -1.9], [0.8925, -1.835], [0.8925 - 0.02675, -1.835 + 0.0585]])


def test_sgd_nesterov_by_hand():
    # direction = g + 0.9 b: (0.95, -1.9), then (0.25 + 0.63, 0.5 - 0.36), then (-0.5 + 0.117, -0.324)
    assert_steps({"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
                 [[0.905, -1.81], [0.905 - 0.088, -1.81 - 0.014], [0.817 + 0.0383, -1.824 + 0.0324]])


def test_sgd_weight_decay_by_hand():
    # g' = g + 0.1 p: (0.6, -1.2) -> p1 = (0.94, -1.88); (0.344, 0.312) -> p2 = (0.9056, -1.9112);
    # (-0.40944, -0.19112) -> p3
    assert_steps({"name": "sgd", "lr": 0.1, "weight_decay": 0.1},
                 [[0.94, -1.88], [0.9056, -1.9112], [0.9056 + 0.040944, -1.9112 + 0.019112]])


def test_adam_with_a_constant_gradient_moves_lr_per_step():
    # With a constant g the bias-corrected moments are exactly g and g^2, so each step is lr * g / (|g| + eps).
    g = [0.5, -2.0, 0.0]
    step = [0.01 * 0.5 / (0.5 + 1e-8), -0.01 * 2.0 / (2.0 + 1e-8), 0.0]
    _, p, _ = run({"name": "adam", "lr": 0.01}, [g] * 3, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(p, [1.0 - 3 * s for s in step], rtol=1e-12)


def test_adam_by_hand():
    # betas (0.5, 0.75), eps 0, one parameter, g = 1, -1, 2:
    # m1 = 0.5, v1 = 0.25; m_hat = 0.5 / 0.5 = 1, v_hat = 0.25 / 0.25 = 1          -> p1 = p0 - 0.1
    # m2 = -0.25, v2 = 0.4375; m_hat = -0.25 / 0.75 = -1/3, v_hat = 0.4375 / 0.4375 = 1 -> p2 = p1 + 0.1 / 3
    # m3 = 0.875, v3 = 85/64; m_hat = 0.875 / 0.875 = 1, v_hat = (85/64) / (37/64)     -> p3 = p2 - 0.1 * sqrt(37/85)
    config = {"name": "adam", "lr": 0.1, "betas": [0.5, 0.75], "eps": 0.0}
    p1 = 3.0 - 0.1
    p2 = p1 + 0.1 / 3
    assert_steps(config, [[p1], [p2], [p2 - 0.1 * math.sqrt(37 / 85)]], grads=[[1.0], [-1.0], [2.0]], p0=[3.0])


def test_adam_amsgrad_by_hand():
    # betas (0.5, 0.75), eps 0, g = 2, 0, 0: v = 1, 0.75, 0.5625 falls, so amsgrad keeps v_max = 1.
    # m = 1, 0.5, 0.25; bc1 = 0.5, 0.75, 0.875; bc2 = 0.25, 0.4375, 37/64.
    # step 1 (both): 0.1 * 2 / sqrt(4) = 0.1
    # step 2: m_hat = 2/3; amsgrad v_hat = 1 / 0.4375 = 16/7, plain v_hat = 0.75 / 0.4375 = 12/7
    # step 3: m_hat = 2/7;  amsgrad v_hat = 64/37,            plain v_hat = 0.5625 * 64/37 = 36/37
    grads = [[2.0], [0.0], [0.0]]
    base = {"name": "adam", "lr": 0.1, "betas": [0.5, 0.75], "eps": 0.0}
    a2 = 1.0 - 0.1 - 0.1 * (2 / 3) / math.sqrt(16 / 7)
    assert_steps({**base, "amsgrad": True}, [[0.9], [a2], [a2 - 0.1 * (2 / 7) / math.sqrt(64 / 37)]], grads, [1.0])
    b2 = 1.0 - 0.1 - 0.1 * (2 / 3) / math.sqrt(12 / 7)
    assert_steps(base, [[0.9], [b2], [b2 - 0.1 * (2 / 7) / math.sqrt(36 / 37)]], grads, [1.0])


def test_adamw_decays_the_parameters_not_the_gradient_by_hand():
    # lr 0.1, weight_decay 0.5: p *= 0.95 first, then the Adam step 0.1 * sign(g) (constant g, eps 0).
    config = {"name": "adamw", "lr": 0.1, "weight_decay": 0.5, "eps": 0.0}
    assert_steps(config, [[0.85], [0.85 * 0.95 - 0.1], [(0.85 * 0.95 - 0.1) * 0.95 - 0.1]], [[0.5]] * 3, [1.0])


def test_adam_coupled_weight_decay_by_hand():
    # weight_decay 0.5 enters the gradient: g' = 0 + 0.5 p. betas (0.5, 0.75), eps 0, p0 = 1.
    # step 1: g' = 0.5, m_hat = 0.5, v_hat = 0.25 -> p1 = 0.9
    # step 2: g' = 0.45, m2 = 0.5 * 0.25 + 0.5 * 0.45 = 0.35, v2 = 0.75 * 0.0625 + 0.25 * 0.2025 = 0.0975
    m2, v2 = 0.35, 0.0975
    p2 = 0.9 - 0.1 * (m2 / 0.75) / math.sqrt(v2 / 0.4375)
    # step 3: g' = 0.5 p2
    g3 = 0.5 * p2
    m3, v3 = 0.5 * m2 + 0.5 * g3, 0.75 * v2 + 0.25 * g3 * g3
    p3 = p2 - 0.1 * (m3 / 0.875) / math.sqrt(v3 / (1 - 0.75**3))
    config = {"name": "adam", "lr": 0.1, "betas": [0.5, 0.75], "eps": 0.0, "weight_decay": 0.5}
    assert_steps(config, [[0.9], [p2], [p3]], [[0.0]] * 3, [1.0])


def test_adagrad_by_hand():
    # eps 0: sum = g^2 accumulated; p -= clr * g / sqrt(sum)
    # coordinate 0: sums 0.25, 0.3125, 0.5625; coordinate 1: sums 1, 1.25, 1.25
    x1, y1 = 0.9, -1.9
    x2, y2 = x1 - 0.1 * 0.25 / math.sqrt(0.3125), y1 - 0.1 * 0.5 / math.sqrt(1.25)
    assert_steps({"name": "adagrad", "lr": 0.1, "eps": 0.0}, [[x1, y1], [x2, y2], [x2 + 0.1 * 0.5 / 0.75, y2]])
    # lr_decay 1: clr = 0.1 / (1 + (t - 1)) = 0.1, 0.05, 0.1/3; initial_accumulator_value 1 adds 1 to every sum.
    x1, y1 = 1 - 0.1 * 0.5 / math.sqrt(1.25), -2 + 0.1 * 1 / math.sqrt(2.0)
    x2, y2 = x1 - 0.05 * 0.25 / math.sqrt(1.3125), y1 - 0.05 * 0.5 / math.sqrt(2.25)
    assert_steps({"name": "adagrad", "lr": 0.1, "eps": 0.0, "lr_decay": 1.0, "initial_accumulator_value": 1.0},
                 [[x1, y1], [x2, y2], [x2 + 0.1 / 3 * 0.5 / math.sqrt(1.5625), y2]])


def test_rmsprop_by_hand():
    # alpha 0.5, eps 0, one parameter, g = 1, -1, 2: v = 0.5, 0.75, 2.375
    grads, config = [[1.0], [-1.0], [2.0]], {"name": "rmsprop", "lr": 0.1, "alpha": 0.5, "eps": 0.0}
    p1 = 1.0 - 0.1 / math.sqrt(0.5)
    p2 = p1 + 0.1 / math.sqrt(0.75)
    assert_steps(config, [[p1], [p2], [p2 - 0.1 * 2 / math.sqrt(2.375)]], grads, [1.0])
    # centered: gbar = 0.5, -0.25, 0.875; avg = sqrt(v - gbar^2) = sqrt(0.25), sqrt(0.6875), sqrt(1.609375)
    p1 = 1.0 - 0.1 / 0.5
    p2 = p1 + 0.1 / math.sqrt(0.6875)
    assert_steps({**config, "centered": True}, [[p1], [p2], [p2 - 0.2 / math.sqrt(1.609375)]], grads, [1.0])
    # momentum 0.9: b = 0.9 b + g / sqrt(v): b1 = 1/sqrt(0.5), b2 = 0.9 b1 - 1/sqrt(0.75), b3 = 0.9 b2 + 2/sqrt(2.375)
    b1 = 1 / math.sqrt(0.5)
    b2 = 0.9 * b1 - 1 / math.sqrt(0.75)
    b3 = 0.9 * b2 + 2 / math.sqrt(2.375)
    assert_steps({**config, "momentum": 0.9}, [[1 - 0.1 * b1], [1 - 0.1 * (b1 + b2)], [1 - 0.1 * (b1 + b2 + b3)]],
                 grads, [1.0])


def test_adadelta_by_hand():
    # rho 0.5, eps 1e-6, lr 1, g = 1, -1: v = 0.5 g1^2, delta = sqrt(u + eps) / sqrt(v + eps) * g, u = 0.5 delta^2
    e = 1e-6
    d1 = math.sqrt(e) / math.sqrt(0.5 + e)
    u1 = 0.5 * d1 * d1
    d2 = -math.sqrt(u1 + e) / math.sqrt(0.75 + e)
    u2 = 0.5 * u1 + 0.5 * d2 * d2
    d3 = 2 * math.sqrt(u2 + e) / math.sqrt(2.375 + e)
    assert_steps({"name": "adadelta", "rho": 0.5}, [[1 - d1], [1 - d1 - d2], [1 - d1 - d2 - d3]],
                 [[1.0], [-1.0], [2.0]], [1.0])


def test_adamax_by_hand():
    # betas (0.5, 0.75), eps 0, g = 1, -1, 0.25: m = 0.5, -0.25, 0; u = max(0.75 u, |g|) = 1, 1, 0.75
    # p -= 0.1 / (1 - 0.5^t) * m / u
    p1 = 1 - 0.1 / 0.5 * 0.5
    p2 = p1 - 0.1 / 0.75 * (-0.25)
    p3 = p2 - 0.1 / 0.875 * ((0.5 * -0.25 + 0.5 * 0.25) / 0.75)
    assert_steps({"name": "adamax", "lr": 0.1, "betas": [0.5, 0.75], "eps": 0.0}, [[p1], [p2], [p3]],
                 [[1.0], [-1.0], [0.25]], [1.0])


def test_nadam_by_hand():
    # mu_t = beta1 (1 - 0.5 * 0.96^(t * 0.004)); p -= lr (1 - mu_t) / (1 - prod mu_1..t) g / d
    #                                                  + lr mu_{t+1} / (1 - prod mu_1..t+1) m / d,
    # d = sqrt(v / (1 - beta2^t)) + eps. betas (0.9, 0.999), eps 0, one parameter, g = 1, -1, 2.
    mu = [0.9 * (1 - 0.5 * 0.96 ** (t * 0.004)) for t in range(1, 5)]
    gs, p, m, v, prod = [1.0, -1.0, 2.0], 1.0, 0.0, 0.0, 1.0
    expected = []
    for t, g in enumerate(gs, start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        prod *= mu[t - 1]
        d = math.sqrt(v / (1 - 0.999**t))
        p -= 0.1 * (1 - mu[t - 1]) / (1 - prod) * g / d + 0.1 * mu[t] / (1 - prod * mu[t]) * m / d
        expected.append([p])
    assert_steps({"name": "nadam", "lr": 0.1, "eps": 0.0}, expected, [[g] for g in gs], [1.0])
    # step 1 in closed form: d = |g| and m = 0.1 g, so the move is 0.1 (1 + 0.1 mu2 / (1 - mu1 mu2))
    assert expected[0][0] == pytest.approx(1 - 0.1 * (1 + 0.1 * mu[1] / (1 - mu[0] * mu[1])), rel=1e-14)


# --- PyTorch trajectories ---------------------------------------------------------------------------------------
def objective_gradient(dtype):
    a, b, c = (np.array(INDEX[k], dtype=dtype) for k in ("quad", "ampl", "freq"))
    return lambda p: a * p + b * c * np.cos(c * p)  # d/dp of sum(0.5 a p^2 + b sin(c p))


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float64, 1e-12, 1e-14), (np.float32, 1e-5, 1e-6)])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectories_match_pytorch(case, dtype, rtol, atol):
    i, config = case
    label = np.dtype(dtype).name
    for mode, grads in (("objective", [objective_gradient(dtype)] * INDEX["steps"]), ("fixed", GOLDEN["fixed_grads"])):
        _, _, history = run(config, grads, INDEX["init"], dtype)
        expected = GOLDEN[f"case{i}_{mode}_{label}"]
        for k, (got, want) in enumerate(zip(history, expected), start=1):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{config} {mode} step {k}")


def test_defaults_are_pytorchs():
    for name, defaults in INDEX["defaults"].items():
        config = get_optimizer(name).get_config()
        assert config.pop("name") == name
        assert config == defaults, name


def test_every_optimizer_has_pytorch_cases():
    assert {c["name"] for c in INDEX["cases"]} == set(OPTIMIZERS.names())


# --- behaviour --------------------------------------------------------------------------------------------------
FULL_OPTIONS = [
    {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    {"name": "sgd", "lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True},
    {"name": "adagrad", "lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.01, "initial_accumulator_value": 0.1},
    {"name": "rmsprop", "lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.01},
    {"name": "adadelta", "rho": 0.8, "weight_decay": 0.01, "maximize": True},
    {"name": "adam", "lr": 0.01, "amsgrad": True, "weight_decay": 0.01},
    {"name": "adamw", "lr": 0.01, "amsgrad": True, "maximize": True},
    {"name": "adamax", "lr": 0.01, "weight_decay": 0.01},
    {"name": "nadam", "lr": 0.01, "weight_decay": 0.01, "decoupled_weight_decay": True},
]


def random_grads(rng, n, steps, dtype):
    return [rng.standard_normal(n).astype(dtype) for _ in range(steps)]


@pytest.mark.parametrize("config", FULL_OPTIONS, ids=lambda c: c["name"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_dict_resume_is_bit_identical(config, dtype):
    rng = np.random.default_rng(7)
    p0 = rng.standard_normal(50)
    grads = random_grads(rng, 50, 20, dtype)
    # flush_every=3 so that flushes happen on both sides of the save point
    straight, p_straight, _ = run(config, grads, p0, dtype, flush_every=3)

    first, p, _ = run(config, grads[:10], p0, dtype, flush_every=3)
    buffer = io.BytesIO()
    np.savez(buffer, **{f"optimizer.{k}": v for k, v in first.state_dict().items()})
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        state = {k.removeprefix("optimizer."): saved[k] for k in saved.files}
    resumed = get_optimizer(first.get_config())
    resumed.flush_every = 3
    resumed.build(p.size, dtype)
    resumed.load_state_dict(state)
    for g in grads[10:]:
        resumed.step(p, g)
    assert np.array_equal(p, p_straight)
    for key, value in straight.state_dict().items():
        assert np.array_equal(resumed.state_dict()[key], value), key


def test_state_dict_holds_copies_and_simple_values():
    opt, p, _ = run({"name": "nadam"}, [[1.0, 2.0]] * 3, [0.0, 0.0])
    state = opt.state_dict()
    assert set(state) == {"step", "lr", "mu_product", "exp_avg", "exp_avg_sq"} == set(opt.state_keys())
    assert set(get_optimizer({"name": "adam", "amsgrad": True}).state_keys()) == {
        "step", "lr", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert state["step"] == 3 and isinstance(state["mu_product"], float)
    state["exp_avg"][:] = 99.0
    assert not np.any(opt.state["exp_avg"] == 99.0)


def test_load_state_dict_rejects_missing_unexpected_and_misshapen():
    opt, _, _ = run({"name": "adam"}, [[1.0, 2.0]], [0.0, 0.0])
    state = opt.state_dict()
    fresh = get_optimizer("adam")
    fresh.build(2, np.float64)
    with pytest.raises(WeightsError, match="missing exp_avg_sq"):
        fresh.load_state_dict({k: v for k, v in state.items() if k != "exp_avg_sq"})
    with pytest.raises(WeightsError, match="unexpected max_exp_avg_sq"):
        fresh.load_state_dict({**state, "max_exp_avg_sq": np.zeros(2)})
    with pytest.raises(WeightsError, match=r"exp_avg must be a numeric array of shape \(2,\), got float64 \(3,\)"):
        fresh.load_state_dict({**state, "exp_avg": np.zeros(3)})
    with pytest.raises(WeightsError, match="step must be a non-negative integer"):
        fresh.load_state_dict({**state, "step": -1})
    assert fresh.step_count == 0 and not fresh.state["exp_avg"].any()
    sgd = get_optimizer({"name": "sgd", "momentum": 0.9})
    sgd.build(2, np.float64)
    with pytest.raises(WeightsError, match="missing momentum_buffer"):
        sgd.load_state_dict(state)


@pytest.mark.parametrize("config", FULL_OPTIONS, ids=lambda c: c["name"])
def test_step_never_writes_the_gradients(config):
    rng = np.random.default_rng(3)
    grads = random_grads(rng, 20, 5, np.float32)
    copies = [g.copy() for g in grads]
    run(config, grads, rng.standard_normal(20), np.float32)
    for g, c in zip(grads, copies):
        assert np.array_equal(g, c)


@pytest.mark.parametrize("config", FULL_OPTIONS, ids=lambda c: c["name"])
def test_steps_allocate_no_parameter_sized_arrays(config):
    n = 100_000
    opt = get_optimizer(config)
    opt.build(n, np.float32)
    p, g = np.ones(n, np.float32), np.full(n, 0.5, np.float32)
    opt.step(p, g)
    tracemalloc.start()
    try:
        for _ in range(opt.flush_every + 1):  # includes one flush
            opt.step(p, g)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < n * 4 // 10, f"{config['name']}: {peak} bytes allocated during steps"


def test_lr_is_read_at_every_step_and_config_keeps_the_base_lr():
    opt = get_optimizer({"name": "sgd", "lr": 0.1})
    p = np.array([1.0])
    opt.build(1, np.float64)
    opt.step(p, np.array([1.0]))
    opt.lr = 0.01
    opt.step(p, np.array([1.0]))
    assert p[0] == pytest.approx(1.0 - 0.1 - 0.01, rel=1e-15)
    assert opt.get_config()["lr"] == 0.1 and opt.base_lr == 0.1
    assert opt.state_dict()["lr"] == 0.01


def test_build_checks_dtype_and_step_checks_the_arrays():
    opt = get_optimizer("adam")
    with pytest.raises(ValueError, match="float32 or float64"):
        opt.build(3, np.int32)
    opt.build(3, np.float32)
    with pytest.raises(ValueError, match=r"params must be a flat float32 array of shape \(3,\), got float64"):
        opt.step(np.zeros(3), np.zeros(3, np.float32))
    lazy = get_optimizer("adam")  # step before build: builds for the arrays it gets
    p = np.zeros(4, np.float32)
    lazy.step(p, np.ones(4, np.float32))
    assert lazy.size == 4 and lazy.dtype == np.float32 and lazy.step_count == 1


# --- subnormal state --------------------------------------------------------------------------------------------
def subnormals(opt: Optimizer) -> int:
    tiny = np.finfo(opt.dtype).tiny
    return sum(int(np.count_nonzero((np.abs(x) < tiny) & (x != 0))) for x in opt.state.values())


def dying_run(config, steps, n=1000, flush_every=None, dtype=np.float32):
    """All gradients random for 10 steps, then half of them exactly zero (dead units): returns (optimizer, params)."""
    rng = np.random.default_rng(11)
    opt = get_optimizer(config)
    if flush_every is not None:
        opt.flush_every = flush_every
    opt.build(n, dtype)
    p = rng.standard_normal(n).astype(dtype)
    g = np.empty(n, dtype)
    for k in range(steps):
        g[:] = rng.standard_normal(n)
        if k >= 10:
            g[: n // 2] = 0.0
        opt.step(p, g)
    return opt, p


def test_adam_state_holds_no_subnormals_after_2000_steps():
    flushed, p_flushed = dying_run({"name": "adam"}, 2000)
    assert subnormals(flushed) == 0
    # Without the remedy, the first moments of the dead half are stuck in the subnormal range ...
    plain, p_plain = dying_run({"name": "adam"}, 2000, flush_every=0)
    assert subnormals(plain) >= 400
    # ... and flushing them changed no parameter at all.
    assert np.array_equal(p_flushed, p_plain)


@pytest.mark.parametrize("config", [
    {"name": "sgd", "momentum": 0.9}, {"name": "rmsprop", "momentum": 0.5, "centered": True},
    {"name": "adadelta", "rho": 0.5}, {"name": "adamax"}, {"name": "nadam"}, {"name": "adam", "amsgrad": True},
], ids=lambda c: c["name"])
def test_other_optimizers_flush_their_state(config):
    opt, _ = dying_run(config, 1500, n=200)
    assert subnormals(opt) == 0


def test_flush_covers_float64_and_skips_denominators_when_eps_is_zero():
    opt, _ = dying_run({"name": "sgd", "momentum": 0.5}, 1200, n=100, dtype=np.float64)
    assert subnormals(opt) == 0
    # eps = 0: a flushed second moment could turn m / sqrt(v) into a division by zero, so it is left alone.
    opt = get_optimizer({"name": "adam", "eps": 0.0})
    opt.build(2, np.float32)
    opt.state["exp_avg"][:] = [1e-40, 1.0]
    opt.state["exp_avg_sq"][:] = [1e-40, 1e-40]
    opt.flush_subnormals()
    assert opt.state["exp_avg"][0] == 0 and opt.state["exp_avg"][1] == 1.0
    assert np.all(opt.state["exp_avg_sq"] > 0)


# --- configuration ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", FULL_OPTIONS, ids=lambda c: c["name"])
def test_config_round_trips_through_json(config):
    opt = get_optimizer(config)
    text = json.dumps(opt.get_config())
    again = get_optimizer(json.loads(text))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    for key, value in config.items():
        assert opt.get_config()[key] == value


def test_names_and_aliases_resolve():
    assert isinstance(get_optimizer("Adam"), Optimizer)
    assert get_optimizer("RMSProp").name == "rmsprop"
    assert get_optimizer("AdaGrad").name == "adagrad"
    assert get_optimizer({"name": "AdamW"}).weight_decay == 0.01
    opt = get_optimizer({"name": "adam", "betas": (0.8, 0.9)})
    assert opt.get_config()["betas"] == [0.8, 0.9]
    assert get_optimizer(opt) is opt


@pytest.mark.parametrize("config,pattern", [
    ({"name": "adamm"}, r"training\.optimizer: unknown optimizer 'adamm'; nearest: 'adam'"),
    ({"name": "ftrl"}, r"optimizer 'ftrl' is not supported"),
    ({"name": "adam", "beta": [0.9, 0.99]}, r"unknown argument 'beta' for optimizer 'adam' \(did you mean 'betas'\?\)"),
    ({"name": "sgd", "nesterov": True}, r"training\.optimizer: Nesterov momentum requires a momentum and zero "
                                        r"dampening; got momentum=0.0, dampening=0.0"),
    ({"name": "sgd", "momentum": 0.9, "dampening": 0.1, "nesterov": True}, r"dampening=0\.1"),
    ({"name": "sgd", "lr": -0.1}, r"training\.optimizer\.lr: Invalid learning rate: -0\.1; expected lr >= 0"),
    ({"name": "adam", "lr": "fast"}, r"training\.optimizer\.lr must be a number, got 'fast'"),
    ({"name": "adam", "lr": float("nan")}, r"training\.optimizer\.lr must be a finite number, got nan"),
    ({"name": "adam", "betas": [0.9, 1.0]}, r"training\.optimizer\.betas\[1\]: Invalid beta parameter at index 1: "
                                           r"1\.0; expected 0 <= betas\[1\] < 1"),
    ({"name": "nadam", "betas": [-0.1, 0.9]}, r"betas\[0\]: Invalid beta parameter at index 0: -0\.1"),
    ({"name": "adamax", "betas": [0.9]}, r"training\.optimizer\.betas must be a list of 2 numbers .*got \[0\.9\]"),
    ({"name": "adam", "eps": -1e-8}, r"training\.optimizer\.eps: Invalid epsilon value: -1e-08"),
    ({"name": "adamw", "weight_decay": -0.01}, r"weight_decay: Invalid weight_decay value: -0\.01"),
    ({"name": "adam", "amsgrad": "yes"}, r"training\.optimizer\.amsgrad must be true or false, got 'yes'"),
    ({"name": "rmsprop", "alpha": -0.5}, r"alpha: Invalid alpha value: -0\.5"),
    ({"name": "rmsprop", "momentum": -0.5}, r"momentum: Invalid momentum value: -0\.5"),
    ({"name": "adadelta", "rho": 1.5}, r"rho: Invalid rho value: 1\.5; expected 0 <= rho <= 1"),
    ({"name": "adagrad", "lr_decay": -1}, r"lr_decay: Invalid lr_decay value: -1"),
    ({"name": "adagrad", "initial_accumulator_value": -1}, r"Invalid initial_accumulator_value value: -1"),
    ({"name": "nadam", "momentum_decay": -1}, r"Invalid momentum_decay value: -1"),
    ({"name": "adam", "path": "x"}, r"unknown argument 'path'"),
    ({"lr": 0.1}, r"needs a 'name'"),
])
def test_bad_configs_raise_readable_spec_errors(config, pattern):
    with pytest.raises(SpecError, match=pattern):
        get_optimizer(config, "training.optimizer")


@pytest.mark.parametrize("config", [
    {"name": "sgd", "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, {"name": "adagrad"},
    {"name": "rmsprop", "centered": True, "momentum": 0.5}, {"name": "adadelta"},
    {"name": "adam", "amsgrad": True, "maximize": True}, {"name": "adamw"}, {"name": "adamax"},
    {"name": "nadam", "weight_decay": 0.01},
])
def test_parallel_chunks_are_bit_identical_to_one_pass(config, monkeypatch):
    """Large vectors are updated one chunk per core; the result must not depend on it (NAdam's scalar state
    included)."""
    import core.optimizers.base as base

    rng = np.random.default_rng(0)
    n = 5000
    grads = [rng.standard_normal(n).astype(np.float32) for _ in range(7)]
    start = rng.standard_normal(n).astype(np.float32)
    results = []
    for threshold in (1, 10**9):
        monkeypatch.setattr(base, "PARALLEL_MIN_SIZE", threshold)
        monkeypatch.setattr(base, "_WORKERS", 3)
        opt = get_optimizer(config)
        opt.build(n, np.float32)
        assert bool(opt._chunks) == (threshold == 1)
        p = start.copy()
        for g in grads * 3:
            opt.step(p, g)
        results.append((p, opt.state_dict()))
    (p1, s1), (p2, s2) = results
    assert np.array_equal(p1, p2)
    for key in s1:
        assert np.array_equal(np.asarray(s1[key]), np.asarray(s2[key])), key
