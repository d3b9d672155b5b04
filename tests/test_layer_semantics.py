"""Layer semantics beyond gradients: batch norm and layer norm equal PyTorch's (golden file), dropout scales
survivors so the expected activation is unchanged, Gaussian noise has the asked spread, shapes are known early,
and spec errors (layers and every component registry) name their place once."""
from pathlib import Path

import numpy as np
import pytest

from core.activations import get_activation
from core.errors import SpecError
from core.initializers import get_initializer
from core.losses import get_loss
from core.network import Network
from core.optimizers import get_optimizer

GOLDEN = np.load(Path(__file__).parent / "golden" / "layers.npz")


def _norm_net(kind):
    net = Network([{"type": kind}], 5, "float64")
    net.initialize(np.random.default_rng(0))
    arrays = net.named_arrays()
    arrays["layers.0.gamma"][...] = GOLDEN["gamma"]
    arrays["layers.0.beta"][...] = GOLDEN["beta"]
    return net


def test_batch_norm_matches_pytorch_batchnorm1d():
    net = _norm_net("batch_norm")
    y = net.forward(GOLDEN["x"], training=True)
    np.testing.assert_allclose(y, GOLDEN["bn_y"], rtol=1e-12, atol=1e-12)
    net.backward(GOLDEN["dy"])
    grads = net.named_gradients()
    np.testing.assert_allclose(grads["layers.0.gamma"], GOLDEN["bn_dgamma"], rtol=1e-12)
    np.testing.assert_allclose(grads["layers.0.beta"], GOLDEN["bn_dbeta"], rtol=1e-12)
    dx = net.layers[0].backward(GOLDEN["dy"], need_dx=True)
    np.testing.assert_allclose(dx, GOLDEN["bn_dx"], rtol=1e-10, atol=1e-12)
    buffers = net.named_arrays(trainable=False)
    # Running statistics use momentum 0.1 and the unbiased variance.
    np.testing.assert_allclose(buffers["layers.0.running_mean"], GOLDEN["bn_running_mean"], rtol=1e-12)
    np.testing.assert_allclose(buffers["layers.0.running_var"], GOLDEN["bn_running_var"], rtol=1e-12)
    net.forward(GOLDEN["x2"], training=True)
    np.testing.assert_allclose(buffers["layers.0.running_mean"], GOLDEN["bn_running_mean2"], rtol=1e-12)
    np.testing.assert_allclose(buffers["layers.0.running_var"], GOLDEN["bn_running_var2"], rtol=1e-12)
    np.testing.assert_allclose(net.forward(GOLDEN["x"], training=False), GOLDEN["bn_eval_y"], rtol=1e-12)


def test_batch_norm_training_batch_of_one_uses_the_running_statistics():
    """A last batch of one sample is normalised like at evaluation (PyTorch raises; batch statistics would map it
    to beta whatever it is), leaves the running statistics alone and passes the evaluation-mode gradient."""
    net = _norm_net("batch_norm")
    net.forward(GOLDEN["x"], training=True)
    buffers = net.named_arrays(trainable=False)
    mean, var = buffers["layers.0.running_mean"].copy(), buffers["layers.0.running_var"].copy()
    np.testing.assert_allclose(mean, GOLDEN["bn_running_mean"], rtol=1e-12)
    x = GOLDEN["x2"][:1]
    y = net.forward(x, training=True)
    scale = GOLDEN["gamma"] / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(y, (x - mean) * scale + GOLDEN["beta"], rtol=1e-12)
    np.testing.assert_allclose(net.forward(x, training=False), y, rtol=1e-15)
    np.testing.assert_array_equal(buffers["layers.0.running_mean"], mean)
    np.testing.assert_array_equal(buffers["layers.0.running_var"], var)
    dy = GOLDEN["dy"][:1]
    net.forward(x, training=True)
    np.testing.assert_allclose(net.layers[0].backward(dy, need_dx=True), dy * scale, rtol=1e-12)
    grads = net.named_gradients()
    np.testing.assert_allclose(grads["layers.0.gamma"], (dy * (x - mean) / np.sqrt(var + 1e-5))[0], rtol=1e-12)
    np.testing.assert_allclose(grads["layers.0.beta"], dy[0], rtol=1e-15)


def test_layer_norm_matches_pytorch():
    net = _norm_net("layer_norm")
    np.testing.assert_allclose(net.forward(GOLDEN["x"], training=True), GOLDEN["ln_y"], rtol=1e-12, atol=1e-12)
    dx = net.layers[0].backward(GOLDEN["dy"], need_dx=True)
    np.testing.assert_allclose(dx, GOLDEN["ln_dx"], rtol=1e-10, atol=1e-12)
    grads = net.named_gradients()
    np.testing.assert_allclose(grads["layers.0.gamma"], GOLDEN["ln_dgamma"], rtol=1e-12)
    np.testing.assert_allclose(grads["layers.0.beta"], GOLDEN["ln_dbeta"], rtol=1e-12)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_expected_activation(rate):
    net = Network([{"type": "dropout", "rate": rate}], 1000, "float64")
    x = np.ones((200, 1000))
    y = net.forward(x, training=True, rng=np.random.default_rng(0))
    kept = y != 0
    # Survivors are scaled by 1 / (1 - rate); the fraction dropped is `rate`.
    np.testing.assert_allclose(y[kept], 1 / (1 - rate))
    n = x.size
    assert abs(1 - kept.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    assert abs(y.mean() - 1.0) < 5 * np.sqrt(rate / (1 - rate) / n)
    # Identity at evaluation.
    assert np.array_equal(net.forward(x, training=False), x)


def test_gaussian_noise_only_in_training():
    net = Network([{"type": "gaussian_noise", "stddev": 0.3}], 500, "float64")
    x = np.zeros((400, 500))
    y = net.forward(x, training=True, rng=np.random.default_rng(1))
    assert np.std(y) == pytest.approx(0.3, rel=0.01)
    assert np.array_equal(net.forward(x, training=False), x)


def test_shapes_and_parameter_counts_before_any_data():
    net = Network([{"type": "dense", "units": 16, "activation": "relu"}, {"type": "batch_norm"},
                   {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 8, "activation": "prelu"},
                   {"type": "layer_norm"}, {"type": "prelu"}, {"type": "dense", "units": 3, "activation": "softmax"}],
                  4)
    rows = net.summary()
    assert [r.output_width for r in rows] == [16, 16, 16, 8, 8, 8, 3]
    assert [r.params for r in rows] == [4 * 16 + 16, 2 * 16, 0, 16 * 8 + 8 + 8, 2 * 8, 8, 8 * 3 + 3]
    assert rows[1].non_trainable == 32
    assert net.param_count == sum(r.params for r in rows)
    assert set(net.named_arrays()) >= {"layers.0.weight", "layers.0.bias", "layers.1.gamma", "layers.1.running_var",
                                       "layers.3.alpha", "layers.5.alpha"}


def test_float32_stays_float32():
    net = Network([{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batch_norm"},
                   {"type": "dropout", "rate": 0.5}, {"type": "gaussian_noise"}, {"type": "layer_norm"},
                   {"type": "dense", "units": 2, "activation": "softmax"}], 3)
    net.initialize(np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    out = net.forward(x, training=True, rng=np.random.default_rng(2))
    assert out.dtype == np.float32
    net.backward(np.ones_like(out))
    assert net.grads.dtype == np.float32


@pytest.mark.parametrize("layer,message", [
    ({"type": "dense", "units": -3}, r"model.layers\[0\].units must be a positive integer, got -3"),
    ({"type": "dense", "units": 4, "activaton": "relu"}, r"activaton is not a known key \(did you mean 'activation'"),
    ({"type": "dense", "units": 4, "activation": "rleu"}, r"unknown activation 'rleu'; nearest: 'relu'"),
    ({"type": "dropout", "rate": 1.0}, r"rate must be < 1"),
    ({"type": "dense"}, r"units is required"),
    ({"type": "convolution"}, r"unknown layer type 'convolution'"),
    ({"units": 3}, r"type is required"),
])
def test_layer_spec_errors_name_the_place(layer, message):
    with pytest.raises(SpecError, match=message):
        Network([layer], 2)


def _message(build, identifier, *where):
    with pytest.raises(SpecError) as info:
        build(identifier, *where)
    return str(info.value)


@pytest.mark.parametrize("build,kind,default", [(get_activation, "activation", ""), (get_initializer, "initializer", ""),
                                                (get_optimizer, "optimizer", ""), (get_loss, "loss", "training.loss: ")])
@pytest.mark.parametrize("identifier", ["zzz", 5, {"x": 1}])
def test_registry_messages_name_the_kind_once(build, kind, default, identifier):
    """With their default place the lookups say "unknown activation 'zzz'", not "activation: unknown activation";
    a real place is kept in front."""
    text = _message(build, identifier)
    assert not text.startswith(f"{kind}: ") and text.startswith(default), text
    assert kind in text.removeprefix(default).split(";")[0]
    assert _message(build, identifier, "model.layers[2].x").startswith("model.layers[2].x: ")


def test_rejected_activation_message_reads_once():
    assert _message(get_activation, "Maxout").startswith("activation 'Maxout' is not supported: a maxout unit")
    assert _message(get_optimizer, "ftrl").startswith("optimizer 'ftrl' is not supported: ")
    assert _message(get_activation, {"x": 1}) == "an activation object needs a 'name', got {'x': 1}"
    assert _message(get_loss, object(), "training.loss").endswith("is not a loss")


def test_the_network_calls_the_penalty_and_constraint_hooks_a_layer_declares():
    """Regularisation and constraints go through the hooks the Layer base class declares, whatever the layer
    calls its settings: a layer with `has_penalty` adds its penalty and its gradient, one with `has_constraints`
    is projected after each step, and layers that declare neither are never called."""
    from core.layers import Dense, Layer

    class Shrunk(Layer):
        type = "shrunk"

        def __init__(self):
            super().__init__()
            self.calls = []

        def forward(self, x, training, rng):
            return x

        def backward(self, dy, need_dx=True):
            return dy

        @property
        def has_penalty(self):
            return True

        def penalty(self):
            self.calls.append("penalty")
            return 1.5

        def add_penalty_gradient(self):
            self.calls.append("gradient")

        @property
        def has_constraints(self):
            return True

        def apply_constraints(self):
            self.calls.append("constraints")

    plain = Dense(3)
    plain.penalty = plain.apply_constraints = lambda: pytest.fail("a layer without l1, l2 or max_norm was called")
    shrunk = Shrunk()
    net = Network([plain, shrunk], 2)
    assert net.has_penalty and net.has_constraints
    assert net.penalty() == 1.5
    net.add_penalty_gradient()
    net.apply_constraints()
    assert shrunk.calls == ["penalty", "gradient", "constraints"]
    assert not Network([Dense(3)], 2).has_penalty and not Network([Dense(3)], 2).has_constraints
    assert Network([Dense(3, l2=0.1)], 2).has_penalty and Network([Dense(3, max_norm=2.0)], 2).has_constraints
