"""Writes tests/golden/losses.npz: PyTorch's CrossEntropyLoss (class weights x label smoothing, integer targets),
HuberLoss and SmoothL1Loss on fixed inputs, values and autograd gradients (run with PyTorch installed; pytest never
imports this file):

    /path/to/torch-venv/bin/python tests/golden/make_loss_golden.py

Cross-entropy cases store the mean loss, its gradient with respect to the logits and reduction='none'; the
"repeat" cases feed PyTorch the batch with sample i repeated r_i times, which LayerLab must match with integer
per-sample weights r_i. The regression cases put differences exactly on +-delta / +-beta and at 0.
"""
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(2024)
out = {}
cases = []

# --- categorical cross-entropy ------------------------------------------------------------------------------------
logits = rng.normal(0.0, 2.0, size=(7, 4))
labels = np.array([0, 1, 2, 3, 1, 3, 3])
weight = np.array([0.5, 2.0, 1.0, 3.0])
repeats = np.array([1, 2, 1, 3, 1, 1, 2])
out.update(ce_logits=logits, ce_labels=labels, ce_weight=weight, ce_repeats=repeats)
for use_weight in (False, True):
    for eps in (0.0, 0.2, 1.0):
        for repeat in (False, True):
            key = f"ce_w{int(use_weight)}_e{eps:g}_r{int(repeat)}"
            z = torch.tensor(logits, requires_grad=True)
            zz, yy = (z.repeat_interleave(torch.tensor(repeats), dim=0), labels.repeat(repeats)) if repeat else \
                (z, labels)
            w = torch.tensor(weight) if use_weight else None
            loss = F.cross_entropy(zz, torch.tensor(yy), weight=w, label_smoothing=eps)
            loss.backward()
            none = F.cross_entropy(z.detach(), torch.tensor(labels), weight=w, label_smoothing=eps, reduction="none")
            out[f"{key}_loss"] = np.array(loss.item())
            out[f"{key}_grad"] = z.grad.numpy().copy()
            out[f"{key}_none"] = none.numpy()
            cases.append({"key": key, "kind": "cross_entropy", "weight": use_weight, "label_smoothing": eps,
                          "repeat": repeat})

# --- Huber and smooth L1 --------------------------------------------------------------------------------------------
target = rng.normal(size=(6, 3))
offsets = np.array([[0.0, 0.3, -0.3], [0.5, -0.5, 1.0], [-1.0, 2.0, -2.0], [2.5, -2.5, 0.9], [-0.2, 4.0, -4.0],
                    [1.2, -0.7, 1e-3]])
prediction = target + offsets
out.update(reg_target=target, reg_prediction=prediction)
for kind, values in (("huber", (1.0, 0.5, 2.0)), ("smooth_l1", (1.0, 0.5, 2.0, 0.0))):
    for v in values:
        key = f"{kind}_{v:g}"
        p = torch.tensor(prediction, requires_grad=True)
        t = torch.tensor(target)
        loss = F.huber_loss(p, t, delta=v) if kind == "huber" else F.smooth_l1_loss(p, t, beta=v)
        loss.backward()
        out[f"{key}_loss"] = np.array(loss.item())
        out[f"{key}_grad"] = p.grad.numpy().copy()
        cases.append({"key": key, "kind": kind, "value": v})

out["index"] = np.array(json.dumps(cases))
np.savez(Path(__file__).with_name("losses.npz"), **out)
print("wrote", len(cases), "cases with torch", torch.__version__)
