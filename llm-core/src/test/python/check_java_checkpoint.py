#!/usr/bin/python3
"""Loads a model directory written by the Java engine into the PyTorch GPT-2 of
make_parity_fixture.py and compares logits with the Java `llm logits` output.

  java ... dev.rlhfloop.cli.Llm logits --model DIR --tokens 1,2,3 > logits.json
  /usr/bin/python3 llm-core/src/test/python/check_java_checkpoint.py DIR 1,2,3 logits.json
"""
import json, struct, sys
import numpy as np
import torch
import make_parity_fixture as fx


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(blob[a:b], dtype="<f4").copy()).reshape(info["shape"])
    return out


def main():
    model_dir, ids, logits_file = sys.argv[1], [int(x) for x in sys.argv[2].split(",")], sys.argv[3]
    config = json.load(open(f"{model_dir}/config.json"))
    fx.VOCAB, fx.CTX, fx.EMBD, fx.HEADS, fx.LAYERS = (config["vocab_size"], config["n_positions"], config["n_embd"],
                                                      config["n_head"], config["n_layer"])
    model = fx.GPT()
    tensors = read_safetensors(f"{model_dir}/model.safetensors")
    with torch.no_grad():
        for name, target in fx.hf_tensors(model).items():  # same names, [in, out] layout
            source = tensors[name]
            linear = target.dim() == 2 and not name.startswith(("wte", "wpe"))
            param = dict(model.named_parameters())[torch_name(name)]
            param.copy_(source.t() if linear else source)
    got = model(torch.tensor([ids]))[0]
    expected = torch.tensor(json.load(open(logits_file))["logits"])
    diff = (got - expected).abs().max().item()
    print(json.dumps({"max_abs_diff": diff, "ok": diff < 1e-4}))
    sys.exit(0 if diff < 1e-4 else 1)


def torch_name(hf):
    parts = hf.split(".")
    if parts[0] == "h":
        i, rest = parts[1], ".".join(parts[2:])
        rest = {"attn.c_attn.weight": "c_attn.weight", "attn.c_attn.bias": "c_attn.bias",
                "attn.c_proj.weight": "c_proj.weight", "attn.c_proj.bias": "c_proj.bias",
                "mlp.c_fc.weight": "c_fc.weight", "mlp.c_fc.bias": "c_fc.bias",
                "mlp.c_proj.weight": "mlp_proj.weight", "mlp.c_proj.bias": "mlp_proj.bias"}.get(rest, rest)
        return f"h.{i}.{rest}"
    return hf


if __name__ == "__main__":
    main()
