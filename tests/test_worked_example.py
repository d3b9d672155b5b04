"""The worked forward/backward example from the course notes (004, "Example (1/6)" to "(6/6)").

A 2-2-1 network (ReLU hidden layer, sigmoid output) on XOR with W1 = [[0.1, 0.2], [0.3, 0.4]], W2 = [[0.5], [0.6]],
zero biases, learning rate 0.1 and batch size 2. The notes print, for the first batch X = [[0, 0], [0, 1]],
y = [0, 1]: a1 = [[0, 0], [0.3, 0.4]], a2 = [0.5, 0.596], per-sample loss [0.69, 0.52], dL/dz2 = [0.5, -0.404],
dL/dz1 = [[0.25, 0.3], [-0.202, -0.2424]].

Two conventions differ from ours, and the test shows both:
- The notes' gradients are per sample; LayerLab (like PyTorch) averages the loss over the batch, so its dL/dz is
  the per-sample value divided by the batch size (2).
- The notes' first row of dL/dz1 is [0.25, 0.3]: they take ReLU'(0) = 1 (their ReLU is "x if x >= 0"), and the
  all-zero input gives z1 = 0 exactly. The other notes (001: "0 for z <= 0") and PyTorch define ReLU'(0) = 0,
  which LayerLab implements, so that row is [0, 0] here. Because that sample's input is all zeros, dL/dW1 is the
  same under both conventions; only the hidden bias gradient differs.
- The notes round a2 to 0.596 before going on, so their -0.2424 is -0.404 * 0.6; the unrounded value is -0.24223.
  Values are compared to the printed digits, allowing for that rounded intermediate.
"""
import numpy as np
import pytest

from core.losses import get_loss
from core.network import Network


def _build():
    net = Network([{"type": "dense", "units": 2, "activation": "relu"},
                   {"type": "dense", "units": 1, "activation": "sigmoid"}], 2, dtype="float64")
    arrays = net.named_arrays()
    arrays["layers.0.weight"][...] = [[0.1, 0.2], [0.3, 0.4]]
    arrays["layers.0.bias"][...] = 0
    arrays["layers.1.weight"][...] = [[0.5], [0.6]]
    arrays["layers.1.bias"][...] = 0
    return net


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
Y = np.array([0, 1, 1, 0], dtype=np.float64)


def test_forward_pass_matches_the_notes():
    net = _build()
    a2 = net.forward(X[:2], training=True)
    a1 = net.layers[0].output
    np.testing.assert_allclose(a1, [[0, 0], [0.3, 0.4]], atol=1e-12)
    np.testing.assert_allclose(a2.ravel(), [0.5, 0.596], atol=5e-4)  # printed to 3 decimals
    per_sample = get_loss("binary_crossentropy").per_sample(a2, Y[:2, None])
    np.testing.assert_allclose(per_sample, [0.69, 0.52], atol=5e-3)  # printed to 2 decimals


def test_backward_pass_matches_the_notes_with_both_relu_conventions():
    net = _build()
    loss = get_loss("binary_crossentropy")
    logits = net.forward(X[:2], training=True, logits=True)
    value, dz2 = loss.value_and_grad_logits(logits, Y[:2, None])
    assert value == pytest.approx(np.mean([np.log(2), -np.log(1 / (1 + np.exp(-0.39)))]))
    batch = 2
    np.testing.assert_allclose((dz2 * batch).ravel(), [0.5, -0.404], atol=5e-4)  # per-sample, as printed

    net.backward(dz2, from_logits=True)
    grads = net.named_gradients()
    z1 = net.layers[0].pre_activation
    upstream = (dz2 * batch) @ np.array([[0.5, 0.6]])
    # The notes' convention: ReLU'(z) = 1 for z >= 0 (z1 = 0 for the all-zero input).
    notes_dz1 = upstream * (z1 >= 0)
    np.testing.assert_allclose(notes_dz1, [[0.25, 0.3], [-0.202, -0.2424]], atol=5e-4)
    # LayerLab's (and PyTorch's) convention: ReLU'(z) = 0 for z <= 0, so the first row is zero.
    ours_dz1 = upstream * (z1 > 0)
    np.testing.assert_allclose(ours_dz1, [[0, 0], [-0.202, -0.2424]], atol=5e-4)
    # The network's gradients are the batch means built from our dz1.
    np.testing.assert_allclose(grads["layers.0.bias"], ours_dz1.sum(axis=0) / batch, atol=1e-12)
    np.testing.assert_allclose(grads["layers.0.weight"], X[:2].T @ ours_dz1 / batch, atol=1e-12)
    # Because x = [0, 0] for the disputed sample, dL/dW1 is the same under both conventions.
    np.testing.assert_allclose(X[:2].T @ notes_dz1, X[:2].T @ ours_dz1, atol=1e-12)
    np.testing.assert_allclose(grads["layers.1.weight"].ravel(), net.layers[0].output.T @ dz2.ravel(), atol=1e-12)


def test_gradient_descent_update_with_learning_rate_0_1():
    """W_new = W - 0.1 * dL/dW (the notes' Example 6/6), from hand-derived batch-mean gradients."""
    net = _build()
    loss = get_loss("binary_crossentropy")
    _, dz2 = loss.value_and_grad_logits(net.forward(X[:2], training=True, logits=True), Y[:2, None])
    net.backward(dz2, from_logits=True)
    net.params -= 0.1 * net.grads
    a2 = 1 / (1 + np.exp(-0.39))
    d2 = np.array([0.5, a2 - 1]) / 2            # batch-mean dL/dz2
    a1 = np.array([[0, 0], [0.3, 0.4]])
    expected_w2 = np.array([0.5, 0.6]) - 0.1 * (a1.T @ d2)
    expected_b2 = 0 - 0.1 * d2.sum()
    d1 = np.outer(d2, [0.5, 0.6]) * np.array([[0, 0], [1, 1]])
    expected_w1 = np.array([[0.1, 0.2], [0.3, 0.4]]) - 0.1 * (X[:2].T @ d1)
    arrays = net.named_arrays()
    np.testing.assert_allclose(arrays["layers.1.weight"].ravel(), expected_w2, atol=1e-12)
    np.testing.assert_allclose(arrays["layers.1.bias"], [expected_b2], atol=1e-12)
    np.testing.assert_allclose(arrays["layers.0.weight"], expected_w1, atol=1e-12)
    np.testing.assert_allclose(arrays["layers.0.bias"], -0.1 * d1.sum(axis=0), atol=1e-12)
