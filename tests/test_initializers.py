"""Initializers: the variance each one promises, seeded reproducibility, and the special matrices."""
import numpy as np
import pytest

from core.errors import SpecError
from core.initializers import INITIALIZERS, default_kernel_initializer, get_initializer


SHAPE = (300, 200)  # 60,000 draws: the sample variance is within ~1.5% of the truth with overwhelming probability


@pytest.mark.parametrize("name,expected", [
    ("glorot_normal", 2 / (300 + 200)), ("glorot_uniform", 2 / (300 + 200)),
    ("he_normal", 2 / 300), ("he_uniform", 2 / 300),
    ("lecun_normal", 1 / 300), ("lecun_uniform", 1 / 300),
    ("normal", 0.05 ** 2), ("uniform", 0.1 ** 2 / 12),
    ("truncated_normal", 0.05 ** 2 * 0.7737413220115013),
])
def test_variance_matches_the_formula(name, expected):
    init = get_initializer(name)
    w = init(SHAPE, np.random.default_rng(0), np.float64)
    assert init.variance(SHAPE) == pytest.approx(expected)
    # Standard error of a sample variance is about var * sqrt(2 / n) for these distributions.
    assert np.var(w) == pytest.approx(expected, rel=5 * np.sqrt(2 / w.size))
    assert abs(np.mean(w)) < 5 * np.sqrt(expected / w.size)


def test_uniform_limits_and_truncation():
    w = get_initializer("he_uniform")(SHAPE, np.random.default_rng(1), np.float64)
    assert np.max(np.abs(w)) <= np.sqrt(6 / 300)
    t = get_initializer({"name": "truncated_normal", "stddev": 0.1})(SHAPE, np.random.default_rng(2), np.float64)
    assert np.max(np.abs(t)) <= 0.2


def test_seeded_and_dtype():
    a = get_initializer("glorot_uniform")((4, 3), np.random.default_rng(7), np.float32)
    b = get_initializer("glorot_uniform")((4, 3), np.random.default_rng(7), np.float32)
    assert a.dtype == np.float32 and np.array_equal(a, b)


def test_orthogonal_and_identity():
    q = get_initializer("orthogonal")((6, 4), np.random.default_rng(3), np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-12)
    q = get_initializer({"name": "orthogonal", "gain": 2.0})((3, 5), np.random.default_rng(3), np.float64)
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(get_initializer("identity")((3, 4), None, np.float64), np.eye(3, 4))


def test_constants():
    assert np.all(get_initializer({"name": "constant", "value": 0.3})((2, 2), None, np.float64) == 0.3)
    assert np.all(get_initializer("ones")((2,), None) == 1) and np.all(get_initializer("zeros")((2,), None) == 0)


def test_names_and_errors():
    assert type(get_initializer("xavier_uniform")) is type(get_initializer("glorot_uniform"))
    assert type(get_initializer("Kaiming Normal")) is type(get_initializer("he_normal"))
    with pytest.raises(SpecError, match="nearest: 'he_normal'"):
        get_initializer("he_normall")
    with pytest.raises(SpecError, match="unknown argument 'stdev'.*did you mean 'stddev'"):
        get_initializer({"name": "normal", "stdev": 1})
    with pytest.raises(SpecError, match="stddev must be >= 0"):
        get_initializer({"name": "normal", "stddev": -1})


def test_default_per_activation():
    assert default_kernel_initializer("relu") == "he_uniform"
    assert default_kernel_initializer("selu") == "lecun_normal"
    assert default_kernel_initializer("tanh") == "glorot_uniform"
    assert set(INITIALIZERS.names()) >= {"zeros", "ones", "constant", "normal", "uniform", "truncated_normal",
                                          "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
                                          "lecun_normal", "lecun_uniform", "orthogonal", "identity"}
