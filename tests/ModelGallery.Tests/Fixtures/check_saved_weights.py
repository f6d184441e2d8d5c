#!/usr/bin/python3
"""Loads a file that ModelGallery's SaveWeights wrote into torchvision's own network with strict=True, and prints
each tensor's dtype, shape and SHA-256 of its raw bytes as JSON (the test compares them with the model it saved).

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/check_saved_weights.py FILE resnet18|resnet50|googlenet|alexnet|vgg16 CLASSES

Exit 1 with PyTorch's message when the file does not load strictly.
"""
import hashlib
import json
import sys

import torch
import torchvision

path, name, classes = sys.argv[1], sys.argv[2], int(sys.argv[3])
build = {
    "resnet18": lambda: torchvision.models.resnet18(num_classes=classes),
    "resnet50": lambda: torchvision.models.resnet50(num_classes=classes),
    "googlenet": lambda: torchvision.models.googlenet(num_classes=classes, aux_logits=False, init_weights=False),
    "alexnet": lambda: torchvision.models.alexnet(num_classes=classes),
    "vgg16": lambda: torchvision.models.vgg16(num_classes=classes),
}
model = build[name]()
try:
    model.load_state_dict(torch.load(path), strict=True)
except Exception as e:  # noqa: BLE001 — report PyTorch's own message
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({key: {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                        "sha256": hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()}
                  for key, t in model.state_dict().items()}))
