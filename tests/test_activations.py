"""Activations: PyTorch golden values (kinks and large inputs included), float64 finite differences, stability for
huge inputs in both dtypes, RReLU and PReLU behaviour, flags, config round trips and every course-note name.

References are independent of the code under test: tests/golden/activations.npz comes from PyTorch
(tests/golden/make_activation_golden.py), gradients from central differences, erf from `math.erf`.
"""
from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from core.activations import ACTIVATIONS, Activation, erf, get_activation, log_softmax, normal_cdf, sigmoid, softmax
from core.errors import SpecError
from gradcheck import assert_gradient_close, numerical_gradient

GOLDEN = np.load(Path(__file__).parent / "golden" / "activations.npz")
GOLDEN_CASES = json.loads(str(GOLDEN["index"]))

# Every registered activation, most with several parameter settings.
CONFIGS = [
    "linear", "sigmoid", "tanh", "relu", "softmax",
    "leaky_relu", {"name": "leaky_relu", "negative_slope": 0.2}, {"name": "leaky_relu", "negative_slope": 0.0},
    {"name": "leaky_relu", "negative_slope": 1.5},
    "prelu", {"name": "prelu", "init": -0.3},
    "rrelu", {"name": "rrelu", "lower": 0.05, "upper": 0.5},
    "elu", {"name": "elu", "alpha": 0.5}, {"name": "elu", "alpha": 2.0}, "selu",
    "celu", {"name": "celu", "alpha": 0.5}, {"name": "celu", "alpha": 2.0},
    "gelu", {"name": "gelu", "approximate": "tanh"}, "silu", "mish",
    "softplus", {"name": "softplus", "beta": 2.0}, {"name": "softplus", "beta": 0.5, "threshold": 1.0},
    "softsign", "hard_sigmoid", "hard_tanh", {"name": "hard_tanh", "min_val": -2.0, "max_val": 0.5}, "relu6",
    "exponential", "arctan", "gaussian", "isru", {"name": "isru", "alpha": 0.25}, "isrlu",
    {"name": "isrlu", "alpha": 3.0}, "sqnl", "bent_identity", "bipolar_relu", "binary_step",
    "piecewise_linear", {"name": "piecewise_linear", "x_min": 0.0, "x_max": 1.0},
    {"name": "piecewise_linear", "x_min": -3.0, "x_max": 2.0},
]
DTYPES = [np.float32, np.float64]


def config_id(config) -> str:
    if isinstance(config, str):
        return config
    return config["name"] + "(" + ",".join(f"{k}={v}" for k, v in config.items() if k != "name") + ")"


def build(config, dtype=np.float64, units: int = 4) -> Activation:
    """The activation, with PReLU bound to fresh per-unit slopes of `dtype` (distinct, some negative)."""
    act = get_activation(config)
    shapes = act.param_shapes(units)
    if shapes:
        params = {k: np.zeros(s, dtype) for k, s in shapes.items()}
        act.init_params(params)
        params["alpha"] += np.linspace(-0.2, 0.4, units).astype(dtype)
        act.bind(params, {k: np.zeros(s, dtype) for k, s in shapes.items()})
    return act


def run(act: Activation, z, da, training: bool = False, seed: int = 3):
    a = act.forward(z, training, np.random.default_rng(seed))
    return a, act.backward(z, a, da)


def kinks(config) -> list[float]:
    """Points where some activation's derivative jumps, plus every number in the configuration."""
    points = [0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 6.0]
    if isinstance(config, dict):
        points += [float(v) for v in config.values() if isinstance(v, (int, float))]
        if config["name"] == "softplus":
            points.append(config.get("threshold", 20.0) / config.get("beta", 1.0))
    return points


def smooth_points(config, shape=(5, 4), seed=0) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-4.0, 4.0, size=shape)
    for k in kinks(config):
        x[np.abs(x - k) < 0.02] += 0.1
    return x


# --- PyTorch golden values --------------------------------------------------------------------------------------
def golden_case(case, dtype):
    key = case["key"]
    x, da = GOLDEN[f"{key}_x"], GOLDEN[f"{key}_da"]
    keep = np.ones(len(x), bool)
    if case["config"]["name"] == "exponential" and dtype == np.float32:
        keep = np.all(x <= 40.0, axis=1)  # below float32's exponent cap (tested on its own)
    act = get_activation(dict(case["config"]))
    grad = None
    if f"{key}_alpha" in GOLDEN:
        alpha = GOLDEN[f"{key}_alpha"].astype(dtype)
        grad = np.full(alpha.shape, np.nan, dtype)  # must be overwritten
        act.bind({"alpha": alpha}, {"alpha": grad})
    a, dx = run(act, x[keep].astype(dtype), da[keep].astype(dtype))
    return act, keep, a, dx, grad


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[config_id(c["config"]) for c in GOLDEN_CASES])
def test_matches_pytorch_in_float64(case):
    key = case["key"]
    act, keep, a, dx, grad = golden_case(case, np.float64)
    np.testing.assert_allclose(a, GOLDEN[f"{key}_a"][keep], rtol=1e-10, atol=1e-12, err_msg="forward")
    np.testing.assert_allclose(dx, GOLDEN[f"{key}_dx"][keep], rtol=1e-10, atol=1e-12, err_msg="backward")
    if grad is not None:
        np.testing.assert_allclose(grad, GOLDEN[f"{key}_dalpha"], rtol=1e-10, atol=1e-12, err_msg="d alpha")


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[config_id(c["config"]) for c in GOLDEN_CASES])
def test_float32_stays_float32_and_close_to_pytorch(case):
    key = case["key"]
    act, keep, a, dx, grad = golden_case(case, np.float32)
    assert a.dtype == dx.dtype == np.float32
    np.testing.assert_allclose(a, GOLDEN[f"{key}_a"][keep], rtol=1e-5, atol=2e-6, err_msg="forward")
    np.testing.assert_allclose(dx, GOLDEN[f"{key}_dx"][keep], rtol=1e-5, atol=2e-6, err_msg="backward")
    if grad is not None:
        assert grad.dtype == np.float32
        np.testing.assert_allclose(grad, GOLDEN[f"{key}_dalpha"], rtol=1e-5, atol=1e-5, err_msg="d alpha")


def test_golden_file_covers_every_activation():
    assert {c["config"]["name"] for c in GOLDEN_CASES} == set(ACTIVATIONS.names())


# --- finite differences -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_backward_matches_finite_differences(config, training):
    act = build(config)
    x = smooth_points(config)
    da = np.random.default_rng(1).normal(size=x.shape)
    # The same seed in every call, so RReLU draws the same slopes while x is perturbed.
    numeric = numerical_gradient(lambda: float(np.sum(act.forward(x, training, np.random.default_rng(3)) * da)), x)
    _, analytic = run(act, x, da, training, seed=3)
    assert_gradient_close(analytic, numeric, 1e-6, config_id(config))


@pytest.mark.parametrize("config", ["gelu", {"name": "gelu", "approximate": "tanh"}, "silu"], ids=config_id)
def test_training_forward_shortcut_gives_the_same_gradient(config):
    """GELU/SiLU reuse work from a training forward only for the same z; any other z is recomputed."""
    act = get_activation(config)
    rng = np.random.default_rng(0)
    z, other, da = rng.normal(size=(3, 6, 5)) * 3
    _, fresh = run(act, z, da, training=False)
    _, reused = run(act, z, da, training=True)
    np.testing.assert_allclose(reused, fresh, rtol=1e-15, atol=0)
    act.forward(z, True)
    a_other = get_activation(config).forward(other)
    _, expected = run(get_activation(config), other, da)
    np.testing.assert_array_equal(act.backward(other, a_other, da), expected)


def test_every_activation_is_in_the_test_configs():
    assert {get_activation(c).name for c in CONFIGS} == set(ACTIVATIONS.names())


# --- stability, dtype, buffers ----------------------------------------------------------------------------------
HUGE = np.array([[1e4, -1e4, 50.0, -50.0], [0.0, -0.0, 1e-30, -1e-30], [1e3, -1e3, 88.0, -88.0],
                 [3e3, -3e3, 710.0, -710.0]])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_huge_inputs_give_finite_values_without_warnings(config, dtype):
    """No overflow, division or invalid-value warnings (underflow to 0 is the correct limit and stays allowed)."""
    act = build(config, dtype)
    z = HUGE.astype(dtype)
    da = np.ones_like(z)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for training in (False, True):
            a, dz = run(act, z, da, training)
            assert a.dtype == dz.dtype == dtype and a.shape == dz.shape == z.shape
            assert np.all(np.isfinite(a)) and np.all(np.isfinite(dz)), (a, dz)


# Magnitudes where z * z overflows (float32 from 1.8e19, float64 from 1.3e154).
ENORMOUS = {np.float32: 1e20, np.float64: 1e200}


def limit_at_infinity(config, z: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and f'(z) for |z| so large that each activation sits on its asymptote (float64, from the analytic
    limits, not from the code under test)."""
    name = get_activation(config).name
    p = dict(config) if isinstance(config, dict) else {}
    pos = z > 0
    one, zero = np.ones_like(z), np.zeros_like(z)
    sign = np.sign(z)
    inv_sq = (1.0 / z) ** 2  # for the derivatives that decay like 1/z^2 (0 in float64 at 1e200: underflow)
    if name == "linear":
        return z, one
    if name in ("sigmoid", "hard_sigmoid", "binary_step", "piecewise_linear"):
        return pos * 1.0, zero
    if name in ("tanh", "sqnl"):
        return sign, zero
    if name in ("relu", "gelu", "silu", "mish", "softplus", "celu"):
        a = np.where(pos, z, -p.get("alpha", 1.0) if name == "celu" else 0.0)
        return a, pos * 1.0
    if name in ("leaky_relu", "prelu", "rrelu"):
        if name == "leaky_relu":
            slope = p.get("negative_slope", 0.01)
        elif name == "prelu":  # build() binds init + linspace(-0.2, 0.4) per unit
            slope = p.get("init", 0.25) + np.linspace(-0.2, 0.4, z.shape[1])
        else:  # evaluation: the mean slope
            slope = 0.5 * (p.get("lower", 1 / 8) + p.get("upper", 1 / 3))
        return np.where(pos, z, slope * z), np.where(pos, 1.0, slope * one)
    if name == "elu":
        alpha = p.get("alpha", 1.0)
        return np.where(pos, z, -alpha), pos * 1.0
    if name == "selu":
        scale, alpha = 1.0507009873554805, 1.6732632423543772
        return np.where(pos, scale * z, -scale * alpha), pos * scale
    if name == "relu6":
        return pos * 6.0, zero
    if name == "hard_tanh":
        return np.where(pos, p.get("max_val", 1.0), p.get("min_val", -1.0)), zero
    if name == "softsign":
        return sign, inv_sq
    if name == "arctan":
        return sign * (math.pi / 2), inv_sq
    if name == "isru":
        alpha = p.get("alpha", 1.0)
        return sign / math.sqrt(alpha), zero  # (1 + alpha z^2)^(-3/2) ~ |z|^-3
    if name == "isrlu":
        alpha = p.get("alpha", 1.0)
        return np.where(pos, z, -1.0 / math.sqrt(alpha)), pos * 1.0
    if name == "bent_identity":
        # (sqrt(z^2 + 1) - 1) / 2 + z = z + |z| / 2 - 1/2 + O(1/|z|); the 1/2 is below float64's resolution here.
        return np.where(pos, 1.5 * z, 0.5 * z), np.where(pos, 1.5, 0.5)
    if name == "gaussian":
        return zero, zero
    if name == "exponential":
        cap = float(np.exp(np.array(43.5 if dtype == np.float32 else 354.0, dtype)))
        return pos * cap, pos * cap
    if name == "bipolar_relu":
        even = (np.arange(z.shape[1]) % 2 == 0)[None, :]
        active = np.where(even, pos, ~pos)
        return z * active, active * 1.0
    if name == "softmax":  # rows with equal maxima split the mass between them
        top = z == z.max(axis=1, keepdims=True)
        return top / top.sum(axis=1, keepdims=True), None
    raise AssertionError(f"no limit written for {name}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_enormous_inputs_reach_the_analytic_limits(config, dtype):
    """At |z| = 1e20 (float32) and 1e200 (float64), where z * z overflows, values and derivatives are the
    activation's limits (e.g. ISRU -> +-1/sqrt(alpha), bent identity -> 1.5 z and 0.5 z), with no warnings."""
    big = ENORMOUS[dtype]
    z64 = np.array([[big, -big, big, -big], [-big, big, -big, big], [big, big, -big, -big]])
    da64 = np.array([[1.0, 2.0, 3.0, 4.0]] * 3)
    act = build(config, dtype)
    z, da = z64.astype(dtype), da64.astype(dtype)
    expected_a, slope = limit_at_infinity(config, z64, dtype)
    if slope is None:  # softmax: the Jacobian-vector product a (da - sum(da a))
        expected_d = expected_a * (da64 - np.sum(da64 * expected_a, axis=1, keepdims=True))
    else:
        expected_d = slope * da64
    tiny = float(np.finfo(dtype).tiny) * np.max(da64)  # below the smallest normal number, times da, is 0
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    modes = (False,) if get_activation(config).name == "rrelu" else (False, True)  # training slopes are random
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for training in modes:
            a, dz = run(act, z, da, training)
            np.testing.assert_allclose(a, expected_a, rtol=rtol, atol=tiny, err_msg=f"forward, training={training}")
            np.testing.assert_allclose(dz, expected_d, rtol=rtol, atol=tiny, err_msg=f"backward, training={training}")


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_inputs_are_never_written(config):
    act = build(config)
    rng = np.random.default_rng(2)
    z, da = rng.normal(size=(2, 6, 4)) * 3
    z_copy, da_copy = z.copy(), da.copy()
    a = act.forward(z, True, np.random.default_rng(0))
    a_copy = a.copy()
    act.backward(z, a, da)
    np.testing.assert_array_equal(z, z_copy)
    np.testing.assert_array_equal(da, da_copy)
    np.testing.assert_array_equal(a, a_copy)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_exponential_is_capped_below_overflow(dtype):
    act = get_activation("exponential")
    z = np.array([0.0, 10.0, 1e3, 1e4], dtype)
    a, dz = run(act, z, np.full_like(z, 3.0))
    cap = np.exp(np.array(43.5 if dtype == np.float32 else 354.0, dtype))
    assert a[0] == 1.0 and a[1] == pytest.approx(math.exp(10.0), rel=1e-6)
    assert a[2] == a[3] == cap and np.isfinite(a[2] * a[2])
    np.testing.assert_array_equal(dz, 3.0 * a)  # the gradient stays non-zero above the cap


def test_sigmoid_and_softmax_helpers_keep_their_tails():
    z = np.array([-745.0, -50.0, 0.0, 50.0, 745.0])
    expected = [0.0, 1.0 / (1.0 + math.exp(50.0)), 0.5, 1.0 / (1.0 + math.exp(-50.0)), 1.0]
    np.testing.assert_allclose(sigmoid(z), expected, rtol=1e-15, atol=1e-320)
    rows = np.array([[1e4, 0.0, -1e4], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(np.log(softmax(rows)[1]), log_softmax(rows)[1], rtol=1e-14)
    np.testing.assert_allclose(log_softmax(rows)[0], [0.0, -1e4, -2e4])


# --- RReLU ------------------------------------------------------------------------------------------------------
def test_rrelu_training_slopes_are_uniform_between_lower_and_upper():
    act = get_activation({"name": "rrelu", "lower": 0.1, "upper": 0.3})
    z = -np.random.default_rng(0).uniform(0.5, 5.0, size=(64, 32))
    slopes = act.forward(z, True, np.random.default_rng(1)) / z
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() == pytest.approx(0.2 / math.sqrt(12), rel=0.05)
    positive = np.abs(z)
    np.testing.assert_array_equal(act.forward(positive, True, np.random.default_rng(1)), positive)


def test_rrelu_is_reproducible_with_a_seed_and_backward_uses_the_drawn_slopes():
    act = get_activation("rrelu")
    z = np.random.default_rng(0).normal(size=(8, 6))
    da = np.random.default_rng(1).normal(size=z.shape)
    a1 = act.forward(z, True, np.random.default_rng(42))
    a2 = act.forward(z, True, np.random.default_rng(42))
    a3 = act.forward(z, True, np.random.default_rng(43))
    np.testing.assert_array_equal(a1, a2)
    assert not np.array_equal(a1, a3)
    dz = act.backward(z, a3, da)  # slopes of the latest forward (seed 43)
    np.testing.assert_allclose(dz, np.where(z > 0, da, da * a3 / z), rtol=1e-15)


def test_rrelu_evaluation_uses_the_mean_slope():
    act = get_activation({"name": "rrelu", "lower": 0.1, "upper": 0.3})
    z = np.array([[-2.0, -1.0, 0.0, 1.5]])
    act.forward(z, True, np.random.default_rng(0))
    a = act.forward(z, False)  # forgets the training slopes
    np.testing.assert_allclose(a, [[-0.4, -0.2, 0.0, 1.5]], rtol=1e-15)
    np.testing.assert_allclose(act.backward(z, a, np.ones_like(z)), [[0.2, 0.2, 0.2, 1.0]], rtol=1e-15)


def test_rrelu_training_needs_a_generator_and_keeps_float32():
    act = get_activation("rrelu")
    with pytest.raises(ValueError, match="rng"):
        act.forward(np.zeros((2, 2)), training=True)
    z = -np.ones((3, 4), np.float32)
    assert act.forward(z, True, np.random.default_rng(0)).dtype == np.float32


# --- PReLU ------------------------------------------------------------------------------------------------------
def test_prelu_parameters_and_slope_gradient():
    act = get_activation({"name": "prelu", "init": 0.1})
    assert act.param_shapes(3) == {"alpha": (3,)}
    alpha = np.zeros(3)
    act.init_params({"alpha": alpha})
    np.testing.assert_array_equal(alpha, [0.1, 0.1, 0.1])
    alpha[:] = [0.1, -0.5, 0.3]
    grad = np.full(3, 7.0)
    act.bind({"alpha": alpha}, {"alpha": grad})
    z = np.array([[-2.0, 1.0, -1.0], [3.0, -4.0, 0.5], [-1.0, -1.0, 0.0]])
    da = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    a = act.forward(z)
    np.testing.assert_allclose(a, [[-0.2, 1.0, -0.3], [3.0, 2.0, 0.5], [-0.1, 0.5, 0.0]])
    dz = act.backward(z, a, da)
    np.testing.assert_allclose(dz, [[0.1, 2.0, 0.9], [4.0, -2.5, 6.0], [0.7, -4.0, 2.7]])
    # Hand-computed sum over the batch of da * z where z < 0; written, not accumulated onto the 7s.
    np.testing.assert_allclose(grad, [-2.0 - 7.0, -20.0 - 8.0, -3.0])
    act.backward(z, a, da)
    np.testing.assert_allclose(grad, [-9.0, -28.0, -3.0])


def test_prelu_slope_gradient_matches_finite_differences():
    act = build("prelu", units=4)
    z = smooth_points("prelu", shape=(7, 4))
    da = np.random.default_rng(5).normal(size=z.shape)
    alpha = act._alpha
    numeric = numerical_gradient(lambda: float(np.sum(act.forward(z) * da)), alpha)
    run(act, z, da)
    assert_gradient_close(act._grad, numeric, 1e-6, "d alpha")


def test_unbound_prelu_uses_its_initial_slope():
    z = np.array([[-2.0, 3.0]])
    np.testing.assert_allclose(get_activation("prelu").forward(z), [[-0.5, 3.0]])


# --- flags and configs ------------------------------------------------------------------------------------------
def test_flags():
    names = ACTIVATIONS.names()
    assert {n for n in names if get_activation(n).can_die} == {"relu", "relu6"}
    assert get_activation({"name": "leaky_relu", "negative_slope": 0.0}).can_die
    assert get_activation({"name": "elu", "alpha": 0.0}).can_die
    assert {n for n in names if not get_activation(n).learns} == {"binary_step"}
    assert {n for n in names if get_activation(n).rowwise} == {"softmax"}
    bounds = {n: get_activation(n).saturation_bounds for n in names if get_activation(n).saturation_bounds}
    assert bounds == {
        "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softmax": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0),
        "hard_tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0), "arctan": (-math.pi / 2, math.pi / 2),
        "isru": (-1.0, 1.0), "sqnl": (-1.0, 1.0), "relu6": (0.0, 6.0), "piecewise_linear": (0.0, 1.0),
        "binary_step": (0.0, 1.0),
    }
    assert get_activation({"name": "isru", "alpha": 4.0}).saturation_bounds == (-0.5, 0.5)
    assert get_activation({"name": "hard_tanh", "min_val": -2.0, "max_val": 3.0}).saturation_bounds == (-2.0, 3.0)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_config_round_trips_through_json(config):
    act = get_activation(config)
    rebuilt = get_activation(json.loads(json.dumps(act.get_config())))
    assert rebuilt == act and type(rebuilt) is type(act) and hash(rebuilt) == hash(act)
    assert rebuilt.get_config() == act.get_config()
    assert (rebuilt.can_die, rebuilt.saturation_bounds) == (act.can_die, act.saturation_bounds)


def test_configs_with_other_arguments_differ():
    assert get_activation({"name": "leaky_relu", "negative_slope": 0.2}) != get_activation("leaky_relu")
    assert get_activation("elu") != get_activation("celu")
    assert get_activation("gelu").get_config() == {"name": "gelu", "approximate": "none"}


@pytest.mark.parametrize("config,message", [
    ({"name": "hard_tanh", "min_val": 1.0, "max_val": -1.0}, "min_val must be below max_val"),
    ({"name": "piecewise_linear", "x_min": 2.0, "x_max": 2.0}, "x_min must be below x_max"),
    ({"name": "rrelu", "lower": 0.5, "upper": 0.1}, "lower must be at most upper"),
    ({"name": "celu", "alpha": 0.0}, "celu.alpha must be > 0"),
    ({"name": "isru", "alpha": -1.0}, "isru.alpha must be > 0"),
    ({"name": "softplus", "beta": 0}, "softplus.beta must be > 0"),
    ({"name": "leaky_relu", "negative_slope": "steep"}, "leaky_relu.negative_slope must be a number"),
    ({"name": "gelu", "approximate": "fast"}, "gelu.approximate must be 'none' or 'tanh'"),
    ({"name": "elu", "alpah": 1.0}, "did you mean 'alpha'"),
])
def test_bad_arguments_are_reported(config, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        get_activation(config)


# --- names from the course notes --------------------------------------------------------------------------------
COURSE_NAMES = {
    "Identity": "linear", "Sigmoid": "sigmoid", "Logistic Sigmoid": "sigmoid", "Tangent Sigmoid": "tanh",
    "TanH": "tanh", "ArcTan": "arctan", "ReLU": "relu", "Leaky ReLU": "leaky_relu", "Randomized ReLU": "rrelu",
    "Randomized Leaky ReLU": "rrelu", "Parametric ReLU": "prelu", "Parameteric ReLU": "prelu", "PReLU": "prelu",
    "RReLU": "rrelu", "Binary": "binary_step", "Exponential Linear Unit (ELU)": "elu", "Soft Sign": "softsign",
    "Inverse Square Root Unit (ISRU)": "isru", "Inverse Square Root Linear (unit)": "isrlu",
    "Square Non-Linearity": "sqnl", "Bipolar ReLU": "bipolar_relu", "Soft Plus": "softplus", "Softmax": "softmax",
    "Gaussian": "gaussian", "Piecewise linear": "piecewise_linear", "Logistic": "sigmoid",
    # Keras' activation list.
    "elu": "elu", "exponential": "exponential", "gelu": "gelu", "hard_sigmoid": "hard_sigmoid",
    "linear": "linear", "relu": "relu", "selu": "selu", "sigmoid": "sigmoid", "softmax": "softmax",
    "softplus": "softplus", "softsign": "softsign", "swish": "silu", "tanh": "tanh",
}
REJECTED_NAMES = {"Maxout": "leaky_relu", "CReLU (concatenated ReLU)": "bipolar_relu",
                  "Radial Basis Functions": "gaussian"}


@pytest.mark.parametrize("name", list(COURSE_NAMES))
def test_course_note_names_resolve(name):
    assert get_activation(name).name == COURSE_NAMES[name]


@pytest.mark.parametrize("name", list(REJECTED_NAMES))
def test_course_note_names_not_offered_explain_why_and_suggest_one(name):
    with pytest.raises(SpecError) as info:
        get_activation(name, "model.layers[1].activation")
    text = str(info.value)
    assert text.startswith("model.layers[1].activation: activation") and "is not supported: " in text
    assert text.endswith(f"nearest: {REJECTED_NAMES[name]!r}")
    assert REJECTED_NAMES[name] in ACTIVATIONS.names()


def test_course_note_forms_as_documented():
    """docs/activations.md's table of the notes' forms: leaky z / a is negative_slope 1 / a, the normal density
    (mu = 0, sigma = 1/sqrt(2)) is gaussian / sqrt(pi), and the step is 1 at exactly 0 (the perceptron's z > 0
    differs only there)."""
    z = np.array([[-3.0, -0.5, -1e-300, 0.0, 1e-300, 2.0]])
    for a in (5.5, 100.0):
        np.testing.assert_allclose(get_activation({"name": "leaky_relu", "negative_slope": 1 / a}).forward(z),
                                   np.where(z > 0, z, z / a), rtol=1e-15)
    sigma = 1 / math.sqrt(2.0)
    density = np.exp(-0.5 * (z / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(get_activation("gaussian").forward(z) / math.sqrt(math.pi), density, rtol=1e-14)
    step = get_activation("binary_step").forward(np.array([[-1e-300, -0.0, 0.0, 1e-300]]))
    np.testing.assert_array_equal(step, [[0.0, 1.0, 1.0, 1.0]])


def test_unknown_name_suggests_the_nearest():
    with pytest.raises(SpecError, match="unknown activation 'sigmoidd'; nearest: 'sigmoid'"):
        get_activation("sigmoidd")


# --- erf --------------------------------------------------------------------------------------------------------
def test_erf_matches_math_erf_to_float64_precision():
    x = np.concatenate([np.linspace(-7.0, 7.0, 20001), np.geomspace(1e-300, 0.5, 200), [0.0, 30.0, -1e4, 1e4]])
    expected = np.array([math.erf(v) for v in x])
    got = erf(x)
    assert np.max(np.abs(got - expected)) < 1e-14
    small = np.abs(x) < 0.5  # relative accuracy where erf is small
    assert np.max(np.abs(got[small] - expected[small]) / np.abs(expected[small]).clip(1e-300)) < 1e-14
    x32 = x.astype(np.float32)
    got32 = erf(x32)
    assert got32.dtype == np.float32
    assert np.max(np.abs(got32 - np.array([math.erf(v) for v in x32.astype(float)]))) < 5e-7


def test_normal_cdf_keeps_relative_accuracy_in_the_left_tail():
    x = np.concatenate([np.linspace(-8.0, 8.0, 4001), np.linspace(-37.0, -8.0, 300)])
    expected = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x])
    cdf, gauss = normal_cdf(x)
    rel = np.abs(cdf - expected) / expected
    assert np.max(rel[x >= -8.0]) < 1e-12
    assert np.max(rel[x < -8.0]) < 1e-6
    np.testing.assert_allclose(gauss, np.exp(-0.5 * x * x), rtol=1e-15, atol=0)


def test_docs_list_every_activation_and_every_rejected_name():
    text = (Path(__file__).resolve().parents[1] / "docs" / "activations.md").read_text(encoding="utf-8")
    rows = {line.split("`")[1] for line in text.splitlines() if line.startswith("| `")}
    assert rows == set(ACTIVATIONS.names()) | {"maxout", "crelu", "radial_basis_function"}
