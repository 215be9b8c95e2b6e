#!/usr/bin/python3
"""Writes the fixture that AdamWTorchParityTest checks the Java AdamW against.

torch.optim.AdamW updates a weight matrix and a bias from the same starting values and the same
per-step gradients, in two settings: the GPT-2/nanoGPT grouping (decay on matrices only, the
project's default) and the book's AdamW(model.parameters()), which decays everything. The
starting values, gradients and the values after every step go into adamw.safetensors.

Run from the repository root with Debian's torch:  /usr/bin/python3 llm-core/src/test/python/make_adamw_fixture.py
"""
import json, os, sys
import torch

sys.path.insert(0, os.path.dirname(__file__))
from make_parity_fixture import write_safetensors

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "parity", "adamw.safetensors")
ROWS, COLS, STEPS = 5, 37, 6  # 37 columns: vectors and a scalar tail in the Java kernel
LR, BETAS, EPS, DECAY = 1e-2, (0.9, 0.999), 1e-8, 0.1


def run(decay_all, weight, bias, grads_w, grads_b):
    w = torch.nn.Parameter(weight.clone())
    b = torch.nn.Parameter(bias.clone())
    groups = [{"params": [w, b], "weight_decay": DECAY}] if decay_all else \
        [{"params": [w], "weight_decay": DECAY}, {"params": [b], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=LR, betas=BETAS, eps=EPS)
    out = {}
    for t in range(STEPS):
        w.grad, b.grad = grads_w[t].clone(), grads_b[t].clone()
        opt.step()
        out[f"w.{t}"], out[f"b.{t}"] = w.detach().clone(), b.detach().clone()
    return out


def main():
    torch.manual_seed(4)
    weight = torch.randn(ROWS, COLS)
    bias = torch.randn(COLS)
    # gradients of mixed scale, some exactly zero (decay alone must then move the weight)
    grads_w = [torch.randn(ROWS, COLS) * 10 ** torch.randint(-3, 1, (ROWS, COLS)).float() for _ in range(STEPS)]
    grads_b = [torch.randn(COLS) for _ in range(STEPS)]
    grads_w[2][0, :] = 0
    tensors = {"weight": weight, "bias": bias}
    for t in range(STEPS):
        tensors[f"grad.w.{t}"], tensors[f"grad.b.{t}"] = grads_w[t], grads_b[t]
    for name, decay_all in (("matrices", False), ("all", True)):
        for key, value in run(decay_all, weight, bias, grads_w, grads_b).items():
            tensors[f"{name}.{key}"] = value
    meta = {"torch": torch.__version__, "lr": str(LR), "beta1": str(BETAS[0]), "beta2": str(BETAS[1]),
            "eps": str(EPS), "weight_decay": str(DECAY), "steps": str(STEPS)}
    write_safetensors(OUT, tensors, meta)
    print(json.dumps({"file": os.path.abspath(OUT), "tensors": len(tensors)}))


if __name__ == "__main__":
    main()
