#!/usr/bin/env python3
"""Writes fixture.safetensors and fixture.json for SafeTensorsTest, with PyTorch but without the
safetensors package: the format is written by hand (struct + json) from torch's own bytes, so the
Java reader is checked against bytes made by an independent implementation.

    /usr/bin/python3 make_fixture.py            # writes both files beside this script
    /usr/bin/python3 make_fixture.py FILE       # reads FILE and prints its tensors (checks Java's writer)
"""
import json
import os
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}


def tensors():
    g = torch.Generator().manual_seed(1234)
    return {
        "wte.weight": torch.randn(5, 4, generator=g),
        "h.0.attn.c_attn.weight": torch.randn(4, 12, generator=g),
        "ln_f.bias": torch.randn(4, generator=g),
        "scalar": torch.tensor(3.25),
        # Half precision with a subnormal, signed zero, infinity, the largest normal and a rounded value.
        "half": torch.tensor([[5.96e-08, -0.0, float("inf")], [65504.0, -2.5, 0.1]], dtype=torch.float16),
        "brain": torch.tensor([1.0, -3.140625, 1e-20], dtype=torch.bfloat16),
        "wide": torch.tensor([0.1, -7.0], dtype=torch.float64),
    }


def write(path, named):
    header, offset, blobs = {"__metadata__": {"format": "pt", "made_by": "make_fixture.py"}}, 0, []
    # Data in insertion order; the header lists names sorted, so header order != data order.
    for name, tensor in named.items():
        data = tensor.contiguous().view(torch.uint8).numpy().tobytes() if tensor.dim() > 0 else \
            tensor.reshape(1).view(torch.uint8).numpy().tobytes()
        dtype = next(k for k, v in DTYPES.items() if v == tensor.dtype)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


def read(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    result = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[begin:end])
        result[name] = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return header.get("__metadata__", {}), result


if __name__ == "__main__":
    if len(sys.argv) > 1:
        metadata, named = read(sys.argv[1])
        print(json.dumps({"metadata": metadata,
                          "tensors": {k: {"shape": list(v.shape), "values": v.double().flatten().tolist()}
                                      for k, v in named.items()}}))
        sys.exit(0)
    here = os.path.dirname(os.path.abspath(__file__))
    named = tensors()
    write(os.path.join(here, "fixture.safetensors"), named)
    expected = {k: {"shape": list(v.shape), "values": v.double().flatten().tolist()} for k, v in named.items()}
    with open(os.path.join(here, "fixture.json"), "w") as out:
        json.dump(expected, out, indent=1)
        out.write("\n")
