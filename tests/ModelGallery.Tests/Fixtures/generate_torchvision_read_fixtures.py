#!/usr/bin/python3
"""Writes torchvision-read.expected.json: what torchvision's PIL path reads from the images that ModelGallery's
default reading treats differently (transparency, EXIF orientation). Committed; CI does not need Python.

Run from the repository root with Debian's Pillow 9.4, numpy and torchvision 0.14:

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_torchvision_read_fixtures.py

For each file: torchvision.transforms.functional.pil_to_tensor(Image.open(path).convert("RGB")) -- alpha dropped,
EXIF orientation ignored -- as width, height, the SHA-256 of its bytes laid out H x W x 3 (row-major) and a few
sampled pixels. Only lossless files and JPEGs whose pixels equal Pillow's bit for bit (DecodingTests measures them;
JpegDecoderTests compares the SIMD path with Skia's) are listed. Expected values come from Pillow, never from the C# code.
"""
import hashlib
import json
import os

import numpy as np
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")
PHOTOS = os.environ.get("MODELGALLERY_PHOTOS") or "/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data"
FILES = [("fixtures", "rgba.png"), ("fixtures", "la.png"), ("fixtures", "rgba16.png"), ("fixtures", "alpha.webp"),
         ("fixtures", "exif-6.jpg"), ("fixtures", "exif-3.jpg"), ("fixtures", "exif-6.png"), ("fixtures", "exif-6.webp"),
         ("photos", "logo.png"), ("photos", "horse.png"), ("photos", "foo3x5x4indexed.png"), ("photos", "chelsea.png"),
         # JPEGs, bit for bit: baseline 4:2:0 photos (OpenCV's SIMD libjpeg-turbo on Linux x64), an untagged and a
         # grayscale and a progressive file, and a CMYK file (decoded by Skia).
         ("photos", "rocket.jpg"), ("photos", "hubble_deep_field.jpg"), ("photos", "retina.jpg"), ("fixtures", "exif-1.jpg"),
         ("fixtures", "gray.jpg"), ("fixtures", "cmyk.jpg"), ("fixtures", "progressive.jpg")]


def case(source, name):
    path = os.path.join(IMAGES if source == "fixtures" else PHOTOS, name)
    with Image.open(path) as image:
        chw = pil_to_tensor(image.convert("RGB")).numpy()
    hwc = np.ascontiguousarray(chw.transpose(1, 2, 0))
    height, width, _ = hwc.shape
    points = [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1), (width // 2, height // 3)]
    return {
        "source": source, "file": name, "width": width, "height": height,
        "sha256": hashlib.sha256(hwc.tobytes()).hexdigest(),
        "samples": [[x, y, *map(int, hwc[y, x])] for x, y in points],
    }


def main():
    cases = [case(source, name) for source, name in FILES]
    document = {"generator": "generate_torchvision_read_fixtures.py: pil_to_tensor(Image.open(p).convert('RGB')), Pillow "
                + Image.__version__, "cases": cases}
    lines = ",\n".join("  " + json.dumps(c) for c in cases)
    with open(os.path.join(HERE, "torchvision-read.expected.json"), "w", encoding="utf-8") as out:
        out.write('{"generator": ' + json.dumps(document["generator"]) + ',\n "cases": [\n' + lines + "\n ]}\n")


if __name__ == "__main__":
    main()
