#!/usr/bin/python3
"""Writes the PyTorch parity fixture that GptTorchParityTest checks the Java model against.

A tiny GPT-2 (the architecture of shared/bench/torch_gpt_peer.py: biases, tanh GELU, tied head)
with random weights, saved in the Hugging Face layout (config.json + model.safetensors with
Conv1D [in, out] weights), and expected.safetensors holding the input ids, targets (with some
ignored, -100), logits, the mean loss and the gradient of every parameter.

Run from the repository root with Debian's torch:  /usr/bin/python3 llm-core/src/test/python/make_parity_fixture.py
"""
import json, math, os, struct
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "parity")
VOCAB, CTX, EMBD, HEADS, LAYERS = 64, 16, 32, 4, 2
BATCH, LENGTH = 2, 12


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q = q.view(B, T, self.h, C // self.h).transpose(1, 2)
        k = k.view(B, T, self.h, C // self.h).transpose(1, 2)
        v = v.view(B, T, self.h, C // self.h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.h)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, EMBD)
        self.wpe = nn.Embedding(CTX, EMBD)
        self.h = nn.ModuleList(Block(EMBD, HEADS) for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(EMBD, eps=1e-5)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.h:
            x = b(x)
        return self.ln_f(x) @ self.wte.weight.T


def hf_tensors(model, use_grad=False):
    """Parameters (or their gradients) under Hugging Face GPT-2 names, linear weights as [in, out]."""
    out = {}
    def put(name, p, linear=False):
        t = (p.grad if use_grad else p).detach()
        out[name] = t.t().contiguous() if linear else t.contiguous()
    put("wte.weight", model.wte.weight)
    put("wpe.weight", model.wpe.weight)
    for i, b in enumerate(model.h):
        put(f"h.{i}.ln_1.weight", b.ln_1.weight); put(f"h.{i}.ln_1.bias", b.ln_1.bias)
        put(f"h.{i}.attn.c_attn.weight", b.c_attn.weight, True); put(f"h.{i}.attn.c_attn.bias", b.c_attn.bias)
        put(f"h.{i}.attn.c_proj.weight", b.c_proj.weight, True); put(f"h.{i}.attn.c_proj.bias", b.c_proj.bias)
        put(f"h.{i}.ln_2.weight", b.ln_2.weight); put(f"h.{i}.ln_2.bias", b.ln_2.bias)
        put(f"h.{i}.mlp.c_fc.weight", b.c_fc.weight, True); put(f"h.{i}.mlp.c_fc.bias", b.c_fc.bias)
        put(f"h.{i}.mlp.c_proj.weight", b.mlp_proj.weight, True); put(f"h.{i}.mlp.c_proj.bias", b.mlp_proj.bias)
    put("ln_f.weight", model.ln_f.weight); put("ln_f.bias", model.ln_f.bias)
    return out


def write_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(1234)
    model = GPT()
    with torch.no_grad():  # random weights well away from the trivial init, so every path matters
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if p.dim() > 1 else 0.2) + (1.0 if "ln" in name and name.endswith("weight") else 0.0))
    idx = torch.randint(0, VOCAB, (BATCH, LENGTH))
    targets = torch.randint(0, VOCAB, (BATCH, LENGTH))
    targets[0, :3] = -100  # a masked prompt
    targets[1, -2:] = -100  # padding
    logits = model(idx)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-100)
    loss.backward()

    model_dir = os.path.join(OUT, "model")
    os.makedirs(model_dir, exist_ok=True)
    config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": VOCAB, "n_positions": CTX,
              "n_ctx": CTX, "n_embd": EMBD, "n_head": HEADS, "n_layer": LAYERS, "layer_norm_epsilon": 1e-5,
              "activation_function": "gelu_new", "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(model_dir, "model.safetensors"), hf_tensors(model), {"format": "pt"})

    expected = {"input_ids": idx.float(), "targets": targets.float(), "logits": logits.detach(),
                "loss": loss.detach().reshape(1)}
    for name, g in hf_tensors(model, use_grad=True).items():
        expected["grad." + name] = g
    write_safetensors(os.path.join(OUT, "expected.safetensors"), expected,
                      {"torch": torch.__version__, "batch": str(BATCH), "length": str(LENGTH)})
    print(json.dumps({"loss": loss.item(), "dir": os.path.abspath(OUT)}))


if __name__ == "__main__":
    main()
