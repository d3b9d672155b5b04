"""Every layer's backward pass against central finite differences in float64 (relative error below 1e-6)."""
import numpy as np
import pytest

from core.losses import get_loss
from core.network import Network
from gradcheck import assert_gradient_close, numerical_gradient

# A loss with a non-trivial gradient everywhere, so every parameter is exercised.
def _network_loss(net, x, target, training=True, seed=7):
    out = net.forward(x, training=training, rng=np.random.default_rng(seed))
    return float(np.sum(np.sin(out) * target))


def _analytic(net, x, target, training=True, seed=7):
    out = net.forward(x, training=training, rng=np.random.default_rng(seed))
    net.backward(np.cos(out) * target)
    return net.grads.copy()


def _check_network(layers, in_width=4, n=6, training=True, seed=0, check_input=False):
    rng = np.random.default_rng(seed)
    net = Network(layers, in_width, dtype="float64")
    net.initialize(rng)
    # Move parameters off their special initial values (zeros/ones) so every term matters.
    net.params += rng.normal(0, 0.3, size=net.params.shape)
    x = rng.normal(0, 1.0, size=(n, in_width))
    target = rng.normal(0, 1.0, size=(n, net.output_width))
    analytic = _analytic(net, x, target, training)
    numeric = numerical_gradient(lambda: _network_loss(net, x, target, training), net.params)
    assert_gradient_close(analytic, numeric, what=str([l.get("type") for l in layers]))
    return net


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu", "softmax"])
def test_dense_gradients(activation):
    _check_network([{"type": "dense", "units": 5, "activation": "tanh"},
                    {"type": "dense", "units": 3, "activation": activation}])


def test_dense_without_bias():
    net = _check_network([{"type": "dense", "units": 5, "activation": "tanh", "use_bias": False},
                          {"type": "dense", "units": 2}])
    assert net.param_count == 4 * 5 + 5 * 2 + 2


def test_batch_norm_gradients_training_mode():
    _check_network([{"type": "dense", "units": 5}, {"type": "batch_norm"}, {"type": "activation", "activation": "tanh"},
                    {"type": "dense", "units": 2}], n=7)


def test_batch_norm_gradients_training_batch_of_one():
    _check_network([{"type": "dense", "units": 5}, {"type": "batch_norm"}, {"type": "activation", "activation": "tanh"},
                    {"type": "dense", "units": 2}], n=1)


def test_batch_norm_gradients_eval_mode():
    _check_network([{"type": "dense", "units": 5}, {"type": "batch_norm"}, {"type": "dense", "units": 2}],
                   training=False)


def test_layer_norm_gradients():
    _check_network([{"type": "dense", "units": 5}, {"type": "layer_norm"}, {"type": "dense", "units": 3}])


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_without_affine_gradients(training):
    net = _check_network([{"type": "dense", "units": 5}, {"type": "batch_norm", "affine": False},
                          {"type": "activation", "activation": "tanh"}, {"type": "dense", "units": 2}],
                         n=7, training=training)
    assert "layers.1.gamma" not in net.named_arrays()


def test_layer_norm_without_affine_gradients():
    net = _check_network([{"type": "dense", "units": 5}, {"type": "layer_norm", "affine": False},
                          {"type": "dense", "units": 3}])
    assert "layers.1.gamma" not in net.named_arrays()


def test_prelu_layer_gradients():
    """The standalone PReLU layer: its per-unit slopes and everything before it."""
    net = _check_network([{"type": "dense", "units": 5}, {"type": "prelu", "init": 0.1},
                          {"type": "dense", "units": 2}])
    assert net.named_arrays()["layers.1.alpha"].shape == (5,)


def test_dense_with_prelu_activation_gradients():
    """PReLU as a dense layer's activation: its slopes sit in the dense layer's block of the flat buffer."""
    net = _check_network([{"type": "dense", "units": 5, "activation": "prelu"},
                          {"type": "dense", "units": 3, "activation": {"name": "prelu", "init": -0.2}}])
    assert net.named_arrays()["layers.1.alpha"].shape == (3,)


def test_dropout_gradients_with_fixed_mask():
    _check_network([{"type": "dense", "units": 6, "activation": "tanh"}, {"type": "dropout", "rate": 0.4},
                    {"type": "dense", "units": 2}])


def test_gaussian_noise_gradients_with_fixed_noise():
    _check_network([{"type": "dense", "units": 6, "activation": "tanh"}, {"type": "gaussian_noise", "stddev": 0.3},
                    {"type": "dense", "units": 2}])


def test_input_gradient_through_stack():
    """dL/dx of a whole stack (the network's first layer is given an input gradient by a leading dense layer)."""
    rng = np.random.default_rng(3)
    net = Network([{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batch_norm"},
                   {"type": "layer_norm"}, {"type": "dense", "units": 3, "activation": "softmax"}], 3, "float64")
    net.initialize(rng)
    net.params += rng.normal(0, 0.2, size=net.params.shape)
    x = rng.normal(size=(5, 3))
    target = rng.normal(size=(5, 3))
    layers = net.layers
    out = net.forward(x, training=True)
    d = layers[-1].backward(np.cos(out) * target, True)
    for layer in reversed(layers[:-1]):
        d = layer.backward(d, True)
    numeric = numerical_gradient(lambda: float(np.sum(np.sin(net.forward(x, training=True)) * target)), x)
    assert_gradient_close(d, numeric, what="dL/dx")


def test_l1_l2_penalty_gradients():
    rng = np.random.default_rng(4)
    net = Network([{"type": "dense", "units": 4, "activation": "tanh", "l1": 0.01, "l2": 0.02},
                   {"type": "dense", "units": 2, "l2": 0.5}], 3, "float64")
    net.initialize(rng)
    x = rng.normal(size=(5, 3))
    target = rng.normal(size=(5, 2))

    def total():
        return _network_loss(net, x, target) + net.penalty()

    analytic = _analytic(net, x, target)
    net.grads[...] = analytic
    net.add_penalty_gradient()
    numeric = numerical_gradient(total, net.params)
    assert_gradient_close(net.grads, numeric, what="penalised loss")


def test_l2_penalty_is_keras_meaning():
    """`l2: 0.01` adds 0.01 * sum(w**2) of the kernel to the loss; biases are not penalised."""
    net = Network([{"type": "dense", "units": 2, "l2": 0.01, "bias_initializer": {"name": "constant", "value": 5.0}}],
                  2, "float64")
    net.initialize(np.random.default_rng(0))
    w = net.named_arrays()["layers.0.weight"]
    w[...] = [[1.0, -2.0], [3.0, 0.5]]
    assert net.penalty() == pytest.approx(0.01 * (1 + 4 + 9 + 0.25))


@pytest.mark.parametrize("loss_name,activation,targets", [
    ("mse", "linear", "real"), ("mae", "linear", "real"), ("huber", "linear", "real"),
    ("binary_crossentropy", "sigmoid", "binary"), ("binary_crossentropy", "linear_clipped", "binary"),
    ("categorical_crossentropy", "softmax", "onehot"), ("categorical_crossentropy", "sigmoid", "onehot"),
    ("hinge", "linear", "binary"), ("categorical_hinge", "linear", "onehot"),
    ({"name": "huber", "delta": 0.3}, "linear", "real"), ({"name": "huber", "delta": 2.5}, "linear", "real"),
    ({"name": "smooth_l1", "beta": 0.5}, "linear", "real"),
    ({"name": "categorical_crossentropy", "label_smoothing": 0.2, "weight": [0.5, 2.0, 1.0]}, "softmax", "onehot"),
    ({"name": "categorical_crossentropy", "label_smoothing": 0.2, "weight": [0.5, 2.0, 1.0]}, "linear_softmax",
     "onehot"),
], ids=str)
def test_loss_gradients_through_network(loss_name, activation, targets):
    """The loss gradient (fused from logits where possible) and the network's backward, end to end."""
    rng = np.random.default_rng(5)
    # "linear_clipped": a sigmoid output not fused with the loss; "linear_softmax": softmax as its own layer.
    act = {"linear_clipped": "sigmoid", "linear_softmax": "linear"}.get(activation, activation)
    units = 3
    layers = [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": units, "activation": act}]
    if activation == "linear_softmax":
        layers.append({"type": "activation", "activation": "softmax"})
    net = Network(layers, 3, "float64")
    net.initialize(rng)
    net.params += rng.normal(0, 0.3, size=net.params.shape)
    x = rng.normal(size=(6, 3))
    loss = get_loss(loss_name)
    if targets == "real":
        t = rng.normal(size=(6, units))
    elif targets == "binary":
        t = (rng.random((6, units)) > 0.5).astype(float)
    else:
        t = np.eye(units)[rng.integers(0, units, 6)]
    t = loss.prepare_targets(t, units, np.float64)
    weights = rng.uniform(0.5, 2.0, size=6)
    fused = net.can_fuse(loss.fused_activation) and activation not in ("linear_clipped", "linear_softmax")
    for w in (None, weights):
        def value():
            if fused:
                return loss.value_and_grad_logits(net.forward(x, logits=True), t, w)[0]
            return loss.value_and_grad(net.forward(x), t, w)[0]
        if fused:
            _, d = loss.value_and_grad_logits(net.forward(x, training=True, logits=True), t, w)
        else:
            _, d = loss.value_and_grad(net.forward(x, training=True), t, w)
        net.backward(d, from_logits=fused)
        analytic = net.grads.copy()
        numeric = numerical_gradient(value, net.params)
        assert_gradient_close(analytic, numeric, what=f"{loss_name} weights={w is not None}")
