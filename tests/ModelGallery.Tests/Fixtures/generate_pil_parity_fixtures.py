#!/usr/bin/python3
"""Writes the fixtures of the PIL-path parity tests (Pretrained/PilParityTests.cs): what torchvision 0.14's
`weights.transforms()` (ImageClassification: Resize(resize, bilinear) -> CenterCrop(224) -> pil_to_tensor ->
convert_image_dtype -> normalize) gives on PIL images, which is how torchvision's published accuracies were measured.

Run from anywhere with Debian's PyTorch (python3-torch 1.13, python3-torchvision 0.14, python3-pil 9.4) and the photos
of Debian's python3-skimage, after `generate_pretrained_fixtures.py --weights` wrote the seeded weight files:

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_pil_parity_fixtures.py           # everything
    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_pil_parity_fixtures.py --models  # model results only

Committed: `pil-parity.expected.json`, per image and resize size the SHA-256 of the 3x224x224 uint8 crop (C, H, W
order) and of the normalised float32 tensor (little-endian), with per-channel sums of the crop to see how far a
mismatch is; and a record of the model results. Written by every run (CI runs `--models`):
`generated/pil-parity.expected.json`, torchvision's top-5 classes and probabilities on the PIL path for each seeded,
calibrated weight file (alexnet, googlenet, resnet18, resnet50 with its V1 and V2 presets, vgg16), which the tests read.

The images, all read as torchvision reads them (PIL's convert("RGB"): alpha dropped, EXIF orientation ignored; in C#
ImageReadOptions.TorchvisionCompatible): skimage's PNG photos, two crops made from them, a 61 x 47 tiny one (upsampled)
and a 701 x 90 panorama, and two made files (Fixtures/images, committed; written again by a full run): `alpha-ramp.png`,
a 160 x 120 RGBA photo whose alpha climbs from 0 at the left edge to 255 at the right (the colour under alpha 0 is the
photo's, so dropping alpha and compositing it differ everywhere but the right edge), and `exif-6-photo.jpg`, a photo
stored sideways (150 x 200) with EXIF orientation 6, which torchvision reads as stored. The script asserts the models
are input-sensitive (many distinct top-5 lists).

Besides float32 (what users run), the `--models` run records the top-5 with the networks and the preprocessed tensors
in float64 ("float64", on the images of FLOAT64_IMAGES): the float32 results of two correct implementations differ by their rounding, amplified by the
seeded networks' large logits (up to 1000 on these images), while float64 results of the same function agree to ~1e-12.
"""
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image

from generate_pretrained_fixtures import GENERATED, HERE, classifier, photo, pil_preset  # noqa: E402 — beside this script

IMAGES = os.path.join(HERE, "images")

PHOTOS = ["astronaut.png", "brick.png", "bw_text.png", "camera.png", "cell.png", "chelsea.png", "chessboard_RGB.png",
          "clock_motion.png", "coffee.png", "coins.png", "color.png", "grass.png", "gravel.png", "ihc.png",
          "microaneurysms.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png", "page.png", "phantom.png",
          "text.png"]
# name -> (photo, left, top, width, height): crops made from the photos, the same pixels in C# (a narrowed tensor).
MADE = {"tiny": ("chelsea.png", 200, 100, 61, 47), "panorama": ("motorcycle_left.png", 20, 200, 701, 90)}
# The images compared in float64 too (float64 convolutions are slow: all 25 images on the five cases took 4.5 min in
# the C# test): the four made ones and four photos.
FLOAT64_IMAGES = ["tiny", "panorama", "alpha-ramp", "exif-6-photo", "chelsea", "astronaut", "coffee", "motorcycle_left"]
# model case -> (weight file case, resize size)
MODELS = {"alexnet": ("alexnet", 256), "googlenet": ("googlenet", 256), "resnet18": ("resnet18", 256),
          "resnet50": ("resnet50", 256), "resnet50-v2": ("resnet50", 232), "vgg16": ("vgg16", 256)}


# key -> file in Fixtures/images, made by make_files() from the photos.
FILES = {"alpha-ramp": "alpha-ramp.png", "exif-6-photo": "exif-6-photo.jpg"}


def make_files():
    """Writes the made files (committed; Pillow 9.4 writes the same bytes every run)."""
    cup = photo("coffee.png").crop((100, 0, 500, 300)).resize((160, 120), Image.Resampling.LANCZOS)
    ramp = np.tile(np.linspace(0, 255, 160).round().astype(np.uint8), (120, 1))
    Image.fromarray(np.dstack([np.asarray(cup), ramp]), "RGBA").save(os.path.join(IMAGES, "alpha-ramp.png"))
    cat = photo("chelsea.png").crop((26, 0, 426, 300)).resize((200, 150), Image.Resampling.LANCZOS)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned 90 degrees counter-clockwise; a viewer turns it back clockwise
    cat.transpose(Image.Transpose.ROTATE_90).save(os.path.join(IMAGES, "exif-6-photo.jpg"), "JPEG", quality=92, exif=exif.tobytes())


def fixture(name):
    """A made file as torchvision reads it: convert("RGB") drops alpha and ignores the EXIF orientation."""
    with Image.open(os.path.join(IMAGES, name)) as image:
        return image.convert("RGB")


def images():
    """key -> (PIL image, source ("photos" or "fixtures"), file, crop box [left, top, width, height] or None)."""
    result = {name.split(".")[0]: (photo(name), "photos", name, None) for name in PHOTOS}
    for name, (source, left, top, width, height) in MADE.items():
        result[name] = (photo(source).crop((left, top, left + width, top + height)), "photos", source, [left, top, width, height])
    for name, file in FILES.items():
        result[name] = (fixture(file), "fixtures", file, None)
    return result


def sha256(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def pixels(imgs):
    facts = {}
    for key, (img, source, file, box) in imgs.items():
        entry = {"source": source, "file": file, "box": box, "size": [img.height, img.width], "rgb_sha256": sha256(np.asarray(img)), "crops": {}}
        for resize in (256, 232):
            crop = F.pil_to_tensor(F.center_crop(F.resize(img, [resize], interpolation=F.InterpolationMode.BILINEAR), [224]))
            normalised = pil_preset(img, resize)
            assert torch.equal(normalised, F.normalize(F.convert_image_dtype(crop, torch.float), [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]))
            entry["crops"][str(resize)] = {"crop_sha256": sha256(crop.numpy()), "channel_sums": crop.sum(dim=(1, 2)).tolist(),
                                  "normalised_sha256": sha256(normalised.numpy().astype("<f4"))}
        facts[key] = entry
    return facts


def load(case, files):
    if case == "googlenet":
        model = torchvision.models.googlenet(aux_logits=True, transform_input=True, init_weights=False)
    else:
        model = getattr(torchvision.models, case)()
    model.load_state_dict(torch.load(os.path.join(GENERATED, files[case]["file"])), strict=True)
    if case == "googlenet":
        model.aux_logits, model.aux1, model.aux2 = False, None, None
    assert classifier(model).out_features == 1000
    return model.eval()


def models(imgs):
    path = os.path.join(GENERATED, "pretrained.expected.json")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: run generate_pretrained_fixtures.py --weights first")
    with open(path) as f:
        files = json.load(f)
    results = {}
    for name, (case, resize) in MODELS.items():
        model = load(case, files)
        batch = torch.stack([pil_preset(img, resize) for img, _, _, _ in imgs.values()])
        with torch.no_grad():
            logits = model(batch)
            rows = top5(torch.softmax(logits, dim=1), imgs)
            # The same function in float64 (weights and the float32 tensors widened exactly), softmax included.
            keys = list(imgs)
            chosen = [keys.index(key) for key in FLOAT64_IMAGES]
            logits64 = model.double()(batch[chosen].double())
            rows64 = top5(torch.softmax(logits64, dim=1), FLOAT64_IMAGES)
        distinct = len({tuple(r["classes"]) for r in rows.values()})
        if distinct < len(rows) // 2:
            sys.exit(f"{name}: only {distinct} distinct top-5 lists for {len(rows)} images; the comparison would be vacuous")
        results[name] = {"file": files[case]["file"], "sha256": files[case]["sha256"], "resize": resize, "images": rows, "float64": rows64,
                         "max_abs_logit": logits.abs().max().item()}
        print(f"{name}: {distinct} distinct top-5 lists of {len(rows)}, smallest 5th-6th gap {min(r['gap'] for r in rows.values()):.2e}, "
              f"largest |logit| {logits.abs().max().item():.0f}, float32 - float64 max |dlogit| {(logits[chosen].double() - logits64).abs().max().item():.1e}")
    return results


def top5(probabilities, imgs):
    top = probabilities.topk(6, dim=1)
    return {key: {"classes": top.indices[i, :5].tolist(), "probabilities": top.values[i, :5].tolist(),
                  "gap": (top.values[i, 4] - top.values[i, 5]).item()} for i, key in enumerate(imgs)}


def write(path, content):
    with open(path, "w") as f:
        json.dump(content, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    torch.set_num_threads(2)
    if "--models" not in sys.argv:
        make_files()
    imgs = images()
    results = models(imgs)
    write(os.path.join(GENERATED, "pil-parity.expected.json"), results)
    if "--models" not in sys.argv:
        write(os.path.join(HERE, "pil-parity.expected.json"), {"pixels": pixels(imgs), "models": results})
