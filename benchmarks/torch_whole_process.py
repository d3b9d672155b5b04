"""PyTorch's side of bench_whole_process.py: a plain training script, as a user would write it, run as its own
process: load the .npz, build the net, train the same batches (eager, default Adam, a shuffle per epoch), print
one line per epoch (the mean batch loss, as `layerlab train` prints), save the weights.

    python torch_whole_process.py DATA.npz OUT.pt SIZES HIDDEN LOSS BATCH EPOCHS

SIZES is e.g. 784,256,256,10; HIDDEN relu|tanh; LOSS bce|ce. PyTorch is a benchmark tool here, never a dependency.
"""
import sys

import numpy as np
import torch
import torch.nn as nn


def main(data: str, out: str, sizes: str, hidden: str, loss: str, batch: str, epochs: str) -> None:
    torch.manual_seed(0)
    widths = [int(s) for s in sizes.split(",")]
    arrays = np.load(data)
    X = torch.from_numpy(np.ascontiguousarray(arrays["X"], dtype=np.float32))
    if loss == "bce":
        y = torch.from_numpy(arrays["y"].astype(np.float32)).reshape(-1, 1)
        criterion = nn.BCEWithLogitsLoss()
    else:
        y = torch.from_numpy(arrays["y"].astype(np.int64))
        criterion = nn.CrossEntropyLoss()
    layers = []
    for i in range(len(widths) - 2):
        layers += [nn.Linear(widths[i], widths[i + 1]), {"relu": nn.ReLU, "tanh": nn.Tanh}[hidden]()]
    layers.append(nn.Linear(widths[-2], widths[-1]))
    net = nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters())
    n, bs = X.shape[0], int(batch)
    g = torch.Generator().manual_seed(0)
    for epoch in range(int(epochs)):
        perm = torch.randperm(n, generator=g)
        Xs, ys = X[perm], y[perm]
        total = 0.0
        for s in range(0, n, bs):
            opt.zero_grad()
            batch_loss = criterion(net(Xs[s:s + bs]), ys[s:s + bs])
            batch_loss.backward()
            opt.step()
            total += batch_loss.item() * min(bs, n - s)
        print(f"epoch {epoch + 1}/{epochs}  loss {total / n:.4f}", flush=True)
    torch.save(net.state_dict(), out)


if __name__ == "__main__":
    main(*sys.argv[1:8])
