"""Writes tests/golden/layers.npz: PyTorch's BatchNorm1d and LayerNorm on fixed inputs (run with PyTorch installed;
pytest never imports this file). The committed .npz is the reference test_layer_semantics.py compares against."""
from pathlib import Path

import numpy as np
import torch

rng = np.random.default_rng(1234)
out = {}
x = rng.normal(2.0, 3.0, size=(7, 5))
dy = rng.normal(size=(7, 5))
gamma = rng.normal(1.0, 0.2, size=5)
beta = rng.normal(0.0, 0.2, size=5)
out.update(x=x, dy=dy, gamma=gamma, beta=beta)

bn = torch.nn.BatchNorm1d(5, eps=1e-5, momentum=0.1).double()
with torch.no_grad():
    bn.weight.copy_(torch.tensor(gamma))
    bn.bias.copy_(torch.tensor(beta))
xt = torch.tensor(x, requires_grad=True)
y = bn(xt)
y.backward(torch.tensor(dy))
out.update(bn_y=y.detach().numpy(), bn_dx=xt.grad.numpy(), bn_dgamma=bn.weight.grad.numpy(),
           bn_dbeta=bn.bias.grad.numpy(), bn_running_mean=bn.running_mean.numpy().copy(),
           bn_running_var=bn.running_var.numpy().copy())
# A second training batch, then evaluation with the running statistics.
x2 = rng.normal(-1.0, 0.5, size=(4, 5))
bn(torch.tensor(x2))
bn.eval()
out.update(x2=x2, bn_running_mean2=bn.running_mean.numpy().copy(), bn_running_var2=bn.running_var.numpy().copy(),
           bn_eval_y=bn(torch.tensor(x)).detach().numpy())

ln = torch.nn.LayerNorm(5, eps=1e-5).double()
with torch.no_grad():
    ln.weight.copy_(torch.tensor(gamma))
    ln.bias.copy_(torch.tensor(beta))
xt = torch.tensor(x, requires_grad=True)
y = ln(xt)
y.backward(torch.tensor(dy))
out.update(ln_y=y.detach().numpy(), ln_dx=xt.grad.numpy(), ln_dgamma=ln.weight.grad.numpy(),
           ln_dbeta=ln.bias.grad.numpy())

np.savez(Path(__file__).with_name("layers.npz"), **out)
print("wrote", len(out), "arrays")
