#!/usr/bin/python3
"""Writes the fixtures of the augmentation tests (tests/ModelGallery.Tests/FineTuning/): torchvision 0.14's
geometry of RandomResizedCrop on a real photo, for fixed crop boxes, and get_params' deterministic fallback boxes.

Run from the repository root with Debian's PyTorch (python3-torch 1.13, python3-torchvision 0.14) and the photos of
Debian's python3-skimage (`apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb`, or
MODELGALLERY_PHOTOS=<its skimage/data folder>):

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_augmentation_fixtures.py

Committed: `augmentation.expected.safetensors` (the crops) and `augmentation.expected.json` (boxes and fallbacks).

The same crop cannot come from two random generators (torch's and .NET's), so the geometry is checked with boxes
given by hand: `F.resized_crop(img, top, left, height, width, [224, 224], antialias=True)` on the uint8 photo and on
the photo as float32 on [0, 1]. get_params is deterministic when no attempt can fit (an area fraction above 1, or a
single aspect ratio the image cannot hold): those boxes are recorded too.
"""
import json
import os
import sys

import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_pretrained_fixtures import write_safetensors  # noqa: E402  (the same minimal writer)

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.environ.get("MODELGALLERY_PHOTOS", "/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data")
PHOTO = "chelsea.png"  # 300 x 451: not square, so a height/width mix-up shows
SIZE = 224

# name: (top, left, height, width), float: also on the float image
BOXES = {
    "shrink": ((17, 60, 250, 333), True),   # downscaled: antialias matters
    "enlarge": ((100, 200, 90, 120), True),  # upscaled
    "whole": ((0, 0, 300, 451), False),      # the whole photo, squeezed
    "tall": ((5, 300, 280, 150), False),     # taller than wide, at the right edge
}

# get_params cases that no random draw can change: (height, width, scale, ratio)
FALLBACKS = [
    (100, 1000, (2.0, 3.0), (3 / 4, 4 / 3)),   # wider than 4/3: full height, width round(100 * 4/3)
    (1000, 100, (2.0, 3.0), (3 / 4, 4 / 3)),   # taller than 3/4: full width, height round(100 / (3/4))
    (300, 451, (2.0, 3.0), (3 / 4, 4 / 3)),    # ratio 1.503 > 4/3
    (480, 640, (2.0, 3.0), (3 / 4, 4 / 3)),    # ratio 4/3 exactly: the whole image
    (300, 451, (1.0, 1.0), (1.0, 1.0)),        # a full-area square cannot fit: central 300 x 300
    (256, 256, (1.0, 1.0), (1.0, 1.0)),        # fits on the first attempt: the whole image
    (333, 500, (1.0, 1.0), (0.5, 0.5)),        # ratio 1.5 > 0.5: full height, width round(333 * 0.5) = 166 (half to even)
]


def main():
    path = os.path.join(PHOTOS, PHOTO)
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb")
    img = F.pil_to_tensor(Image.open(path).convert("RGB"))
    as_float = img.to(torch.float32) / 255.0
    tensors, boxes = {}, {}
    for name, (box, with_float) in BOXES.items():
        top, left, height, width = box
        tensors[f"{name}.uint8"] = F.resized_crop(img, top, left, height, width, [SIZE, SIZE], antialias=True)
        if with_float:
            tensors[f"{name}.float"] = F.resized_crop(as_float, top, left, height, width, [SIZE, SIZE], antialias=True)
        boxes[name] = {"top": top, "left": left, "height": height, "width": width}
    fallbacks = []
    for height, width, scale, ratio in FALLBACKS:
        draws = {T.RandomResizedCrop.get_params(torch.zeros(1, height, width), list(scale), list(ratio)) for _ in range(20)}
        assert len(draws) == 1, f"get_params is not deterministic for {(height, width, scale, ratio)}: {draws}"
        top, left, h, w = draws.pop()
        fallbacks.append({"height": height, "width": width, "scale": list(scale), "ratio": list(ratio),
                          "box": {"top": top, "left": left, "height": h, "width": w}})
    write_safetensors(os.path.join(HERE, "augmentation.expected.safetensors"), tensors)
    with open(os.path.join(HERE, "augmentation.expected.json"), "w") as f:
        json.dump({"torchvision": torchvision.__version__, "torch": torch.__version__, "photo": PHOTO, "size": SIZE,
                   "boxes": boxes, "fallbacks": fallbacks}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
