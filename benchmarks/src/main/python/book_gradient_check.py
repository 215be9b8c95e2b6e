#!/usr/bin/python3
"""Recomputes BookGradientCheck's loss and gradients in PyTorch (the book's GPTModel written out
functionally over the Hugging Face tensors: no qkv bias, own lm_head) and prints the differences.

  ./bench BookGradientCheck /tmp/book-check && /usr/bin/python3 benchmarks/src/main/python/book_gradient_check.py /tmp/book-check
"""
import json, math, struct, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    return {k: torch.from_numpy(np.frombuffer(blob[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").copy()).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


def main():
    out = sys.argv[1]
    torch.set_num_threads(2)
    config = json.load(open(f"{out}/model/config.json"))
    C, H, L = config["n_embd"], config["n_head"], config["n_layer"]
    P = {k: nn.Parameter(v) for k, v in read(f"{out}/model/model.safetensors").items()}
    java = read(f"{out}/java-grads.safetensors")
    idx, targets = java["input_ids"].long(), java["targets"].long()
    B, T = idx.shape

    def ln(x, n):
        return F.layer_norm(x, (C,), P[n + ".weight"], P[n + ".bias"], config["layer_norm_epsilon"])

    x = P["wte.weight"][idx] + P["wpe.weight"][torch.arange(T)]
    for l in range(L):
        p = f"h.{l}."
        q, k, v = (ln(x, p + "ln_1") @ P[p + "attn.c_attn.weight"]).split(C, dim=2)
        q, k, v = [t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
        att = att.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + y @ P[p + "attn.c_proj.weight"] + P[p + "attn.c_proj.bias"]
        h = F.gelu(ln(x, p + "ln_2") @ P[p + "mlp.c_fc.weight"] + P[p + "mlp.c_fc.bias"], approximate="tanh")
        x = x + h @ P[p + "mlp.c_proj.weight"] + P[p + "mlp.c_proj.bias"]
    head = P["lm_head.weight"] if "lm_head.weight" in P else P["wte.weight"]
    logits = ln(x, "ln_f") @ head.T
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    loss.backward()

    worst_name, worst = None, 0.0
    for name, p in P.items():
        if "grad." + name not in java:
            continue  # the zero c_attn.bias written for transformers' sake
        diff = (p.grad - java["grad." + name]).abs().max().item()
        relative = diff / max(p.grad.abs().max().item(), 1e-30)
        if relative > worst:
            worst_name, worst = name, relative
    print(json.dumps({"torch_loss": loss.item(), "java_loss": java["loss"].item(),
                      "worst_relative_grad_diff": worst, "worst_tensor": worst_name}))


if __name__ == "__main__":
    main()
