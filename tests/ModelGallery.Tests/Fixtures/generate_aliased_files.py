#!/usr/bin/python3
"""Writes torch.save files whose names share storages, for the tests of bounded loading (WeightsMemoryTests). The
files are made at test time, in the folder given, with Debian's PyTorch (python3-torch 1.13):

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_aliased_files.py OUT_DIR LENET5_PT ALIASES

From LeNet-5's state_dict (Fixtures/lenet5.pt), each written in the zip format and in the legacy format (.legacy.pt):
  aliased       LeNet-5's tensors, then ALIASES more names that all stand on fc1.weight's storage (48,000 floats):
                materialising every name would cost ALIASES x 192,000 bytes
  broadcast     LeNet-5's tensors, then ALIASES names each a stride-0 view repeating one 16-float storage 64 times
  parameters    LeNet-5's tensors as nn.Parameter values, as torch.save({k: nn.Parameter(v)}) writes them
Each file is loaded back with torch.load and checked before the script exits 0.
"""
import collections
import os
import sys

import torch

out, source, aliases = sys.argv[1], sys.argv[2], int(sys.argv[3])
lenet = torch.load(source)


def aliased():
    state = collections.OrderedDict(lenet)
    for i in range(aliases):
        state[f"alias{i}"] = lenet["fc1.weight"]
    return state


def broadcast():
    state = collections.OrderedDict(lenet)
    base = torch.arange(16, dtype=torch.float32)
    for i in range(aliases):
        state[f"repeat{i}"] = base[i % 16:].as_strided((1024,), (0,))
    return state


def parameters():
    return collections.OrderedDict((k, torch.nn.Parameter(v.clone(), requires_grad=v.is_floating_point())) for k, v in lenet.items())


for name, build in (("aliased", aliased), ("broadcast", broadcast), ("parameters", parameters)):
    state = build()
    for suffix, zip_format in ((".pt", True), (".legacy.pt", False)):
        path = os.path.join(out, name + suffix)
        torch.save(state, path, _use_new_zipfile_serialization=zip_format)
        loaded = torch.load(path)
        assert list(loaded) == list(state) and all(torch.equal(loaded[k], v) for k, v in state.items()), path
