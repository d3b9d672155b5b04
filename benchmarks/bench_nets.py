"""The benchmark networks of the training-core issue, shared by the LayerLab and PyTorch sides."""
import numpy as np

NETS = [
    # (i) the playground-sized net: 2-8-8-1, sigmoid output (binary cross-entropy from logits), batch 10
    {"name": "2-8-8-1 tanh, batch 10", "sizes": [2, 8, 8, 1], "hidden": "tanh", "loss": "bce", "batch": 10,
     "data": "spiral", "n": 500},
    # (ii) scikit-learn's digits: 64-128-64-10 ReLU, softmax, batch 32
    {"name": "64-128-64-10 relu, batch 32 (digits)", "sizes": [64, 128, 64, 10], "hidden": "relu", "loss": "ce",
     "batch": 32, "data": "digits", "n": 1797},
    # (iii) MNIST-sized: 784-256-256-10 ReLU, softmax, batch 128, synthetic data
    {"name": "784-256-256-10 relu, batch 128 (synthetic)", "sizes": [784, 256, 256, 10], "hidden": "relu",
     "loss": "ce", "batch": 128, "data": "synthetic", "n": 12800},
]


def make_data(spec):
    rng = np.random.default_rng(0)
    if spec["data"] == "spiral":
        n = spec["n"]
        i = np.arange(n // 2)
        r = i / (n // 2) * 5
        parts, labels = [], []
        for label, delta in ((1, 0.0), (0, np.pi)):
            t = 1.75 * i / (n // 2) * 2 * np.pi + delta
            parts.append(np.c_[r * np.sin(t), r * np.cos(t)] + rng.uniform(-0.5, 0.5, (n // 2, 2)))
            labels.append(np.full(n // 2, label))
        X, y = np.vstack(parts), np.concatenate(labels)
    elif spec["data"] == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        X, y = d.data / 16.0, d.target
    else:
        n, d, k = spec["n"], spec["sizes"][0], spec["sizes"][-1]
        centers = rng.normal(0, 1, (k, d))
        y = rng.integers(0, k, n)
        X = centers[y] + rng.normal(0, 1.0, (n, d))
    return X.astype(np.float32), y.astype(np.int64)


def fresh_and_steady(rates: list[float]) -> dict[str, float]:
    """Median samples/s over the first fifth of the epochs (fresh start, at least three), the last fifth (steady
    state) and all of them: the same summary for LayerLab and PyTorch."""
    k = max(3, len(rates) // 5)
    return {"first_epochs": float(np.median(rates[:k])), "last_epochs": float(np.median(rates[-k:])),
            "samples_per_second": float(np.median(rates)), "epochs": len(rates)}
