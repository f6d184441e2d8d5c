#!/usr/bin/python3
"""Writes the fixtures of the pretrained-weights tests: torchvision's transforms on real photos, and torchvision
weight files with the top-5 classes torchvision gives for those photos.

Run from the repository root with Debian's PyTorch (python3-torch 1.13, python3-torchvision 0.14, python3-pil) and the
photos of Debian's python3-skimage (`apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb`,
or MODELGALLERY_PHOTOS=<its skimage/data folder>):

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_pretrained_fixtures.py           # everything
    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_pretrained_fixtures.py --weights # weight files only

Committed: `transforms.expected.safetensors` (+ `transforms.expected.json`) and `pretrained.expected.json` (a record).
Not committed (47 MB, 52 MB, 233 MB, 98 MB and 528 MB; CI runs `--weights`): `generated/resnet18-<sha>.pth`, `generated/googlenet-<sha>.pth`,
`generated/alexnet-<sha>.pth`, `generated/resnet50-<sha>.pth` and `generated/vgg16-<sha>.pth` (the last three for generate_pil_parity_fixtures.py), torchvision's own networks with seeded random weights saved by torch.save, named like torchvision's files, and
`generated/pretrained.expected.json`, torchvision's top-5 for those very files, which the tests read. (On this
machine type the files come out byte-identical every run; the script says whether they match the committed record.)
Beside them `generated/googlenet-legacy.pth`: the same GoogLeNet state_dict in torch.save's legacy format (PyTorch
before 1.6, as torchvision's real googlenet-1378be20.pth and vgg16-397923af.pth are); its storage keys are memory
addresses, so its bytes differ from run to run.

The real ImageNet files cannot be fetched here, so the weights are random, made input-sensitive: batch-norm statistics
are calibrated on the photos and the classifier is scaled so that the top probabilities are far apart. AlexNet and
VGG-16 have no batch norm; their random features are mostly a component every photo shares (VGG-16's penultimate
features: cosine similarity 0.93-0.96 between photos, logits std 0.03-0.06), which centring the classifier removes. The script
asserts that sensitivity (different photos give different top-5 classes), so a vacuous comparison cannot pass.
"""
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image

from generate_fixtures import write_safetensors  # noqa: E402 — beside this script

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATED = os.path.join(HERE, "generated")
PHOTOS = os.environ.get("MODELGALLERY_PHOTOS", "/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data")
TRANSFORM_PHOTOS = ["chelsea.png", "coffee.png", "astronaut.png", "motorcycle_left.png"]
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def photo(name):
    path = os.path.join(PHOTOS, name)
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb")
    return Image.open(path).convert("RGB")


def tensor_path(img, resize=256, crop=224, antialias=True):
    """torchvision's ImageClassification preset on a uint8 tensor, up to the crop (still bytes)."""
    x = F.pil_to_tensor(img)
    x = F.resize(x, [resize], interpolation=F.InterpolationMode.BILINEAR, antialias=antialias)
    return F.center_crop(x, [crop]), list(x.shape[1:])


def pil_path(img, resize=256, crop=224):
    """The same preset on a PIL image (PIL's own antialiased bilinear resize), as the accuracies were measured."""
    x = F.resize(img, [resize], interpolation=F.InterpolationMode.BILINEAR)
    return F.pil_to_tensor(F.center_crop(x, [crop]))


def preset(img, resize=256):
    x, _ = tensor_path(img, resize)
    return F.normalize(F.convert_image_dtype(x, torch.float), MEAN, STD)


def pil_preset(img, resize=256):
    """weights.transforms() on a PIL image: ImageClassification(crop_size=224, resize_size=resize), as torchvision builds it."""
    return torchvision.transforms._presets.ImageClassification(crop_size=224, resize_size=resize)(img)


def transforms():
    tensors, facts = {}, {}
    for name in TRANSFORM_PHOTOS:
        img = photo(name)
        key = name.split(".")[0]
        crop, resized = tensor_path(img)
        tensors[f"{key}.tensor"] = crop
        tensors[f"{key}.pil"] = pil_path(img)
        facts[key] = {"file": name, "size": [img.height, img.width], "resized": resized,
                      "rgb_sha256": hashlib.sha256(np.asarray(img).tobytes()).hexdigest()}
    chelsea, coffee = photo("chelsea.png"), photo("coffee.png")
    tensors["chelsea.no_antialias"], _ = tensor_path(chelsea, antialias=False)
    tensors["coffee.resize232"], _ = tensor_path(coffee, resize=232)
    # Floats in, floats out: the preset on a float image is where a 1e-5 tolerance means something.
    x = F.convert_image_dtype(F.pil_to_tensor(chelsea), torch.float)
    x = F.resize(x, [256], interpolation=F.InterpolationMode.BILINEAR, antialias=True)
    tensors["chelsea.float"] = F.normalize(F.center_crop(x, [224]), MEAN, STD)
    # Smaller than the crop: padded with zeros, the odd pixel right and bottom (a 101 x 150 corner of the cat).
    small = F.pil_to_tensor(chelsea)[:, 40:141, 100:250]
    tensors["chelsea.small"] = small.contiguous()
    tensors["chelsea.small_crop"] = F.center_crop(small, [224])
    write_safetensors(os.path.join(HERE, "transforms.expected.safetensors"), tensors)
    with open(os.path.join(HERE, "transforms.expected.json"), "w") as f:
        json.dump(facts, f, indent=1)
        f.write("\n")


def calibrated(model, images):
    """Batch-norm statistics from the photos (cumulative averages), then eval mode: a network whose output depends on its input."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(images)
    return model.eval()


def classifier(model):
    """The last Linear layer: fc for ResNet and GoogLeNet, classifier[6] for AlexNet and VGG-16."""
    return model.classifier[6] if isinstance(model, (torchvision.models.AlexNet, torchvision.models.VGG)) else model.fc


def spread(model, images):
    """Centres the classifier on the photos' mean feature and scales it to a logit std of 4: top probabilities then
    depend on the photo and lie far apart, instead of one class winning everywhere or all sitting near 1/1000."""
    features = []
    fc = classifier(model)
    hook = fc.register_forward_hook(lambda module, inputs, output: features.append(inputs[0]))
    with torch.no_grad():
        model(images)
        hook.remove()
        centre = features[0].mean(dim=0)
        fc.bias.copy_(-fc.weight @ centre)
        scale = 4.0 / fc(features[0]).std()
        fc.weight.mul_(scale)
        fc.bias.mul_(scale)


def weights():
    os.makedirs(GENERATED, exist_ok=True)
    names = ["chelsea.png", "coffee.png", "astronaut.png", "motorcycle_left.png", "rocket.jpg"]
    batch = torch.stack([preset(photo(n)) for n in names])
    # The expected top-5 come from weights.transforms() on PIL images (the presets' default resampling); the
    # calibration batch above stays the tensor path's, so the files keep their bytes.
    pil_batch = torch.stack([pil_preset(photo(n)) for n in names])
    cases = {
        "resnet18": lambda: torchvision.models.resnet18(),
        # As torchvision builds it to load its ImageNet file: aux heads in the file, transform_input on.
        "googlenet": lambda: torchvision.models.googlenet(aux_logits=True, transform_input=True, init_weights=True),
        # For the PIL-path parity fixtures (generate_pil_parity_fixtures.py): AlexNet has no batch norm to calibrate.
        "alexnet": lambda: torchvision.models.alexnet(),
        "resnet50": lambda: torchvision.models.resnet50(),
        # For the PIL-path parity fixtures too (528 MB): no batch norm; spread() alone makes it input-sensitive.
        "vgg16": lambda: torchvision.models.vgg16(),
    }
    expected = {}
    for case, build in cases.items():
        torch.manual_seed(2012)
        model = calibrated(build(), batch)
        spread(model, batch)
        path = os.path.join(GENERATED, f"{case}.pth")
        torch.save(model.state_dict(), path)
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        final = os.path.join(GENERATED, f"{case}-{digest[:8]}.pth")
        shutil.move(path, final)
        if case == "googlenet":
            legacy = os.path.join(GENERATED, "googlenet-legacy.pth")
            torch.save(model.state_dict(), legacy, _use_new_zipfile_serialization=False)
            with open(legacy, "rb") as f:
                assert f.read(2) == b"\x80\x02", "not the legacy format"
            assert all(torch.equal(a, b) for a, b in zip(torch.load(legacy).values(), torch.load(final).values()))
        # torchvision loads it as the ImageNet file would be loaded: strictly, aux heads dropped after loading.
        reloaded = (torchvision.models.googlenet(aux_logits=True, transform_input=True, init_weights=False)
                    if case == "googlenet" else build())
        reloaded.load_state_dict(torch.load(final), strict=True)
        if case == "googlenet":
            reloaded.aux_logits, reloaded.aux1, reloaded.aux2 = False, None, None
        reloaded.eval()
        with torch.no_grad():
            probabilities = torch.softmax(reloaded(pil_batch), dim=1)
        top = probabilities.topk(5, dim=1)
        # The PNGs decode to the same pixels everywhere; rocket.jpg only helps calibrate (JPEG decoders differ).
        # The names torchvision's ImageNet weights carry (meta["categories"]), so the tests compare names too.
        categories = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
        rows = {n: {"classes": top.indices[i].tolist(), "names": [categories[c] for c in top.indices[i].tolist()],
                    "probabilities": top.values[i].tolist()} for i, n in enumerate(names) if n.endswith(".png")}
        if len({tuple(r["classes"]) for r in rows.values()}) < len(rows) or top.values[:, 0].min() < 0.05:
            sys.exit(f"{case}: the photos do not give distinct, confident top-5 lists; the comparison would be vacuous")
        expected[case] = {"file": os.path.basename(final), "sha256": digest, "photos": rows}
        print(f"{final}: top-1 {[r['classes'][0] for r in rows.values()]}")
    return expected


if __name__ == "__main__":
    torch.set_num_threads(2)
    only_weights = "--weights" in sys.argv
    if not only_weights:
        transforms()
    expected = weights()
    # The tests read the expectations written beside the files they describe (torchvision's results on this machine
    # for these very bytes); the committed copy records them and says whether another machine wrote the same bytes.
    for target in [os.path.join(GENERATED, "pretrained.expected.json")] + ([] if only_weights else [os.path.join(HERE, "pretrained.expected.json")]):
        with open(target, "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
    with open(os.path.join(HERE, "pretrained.expected.json")) as f:
        committed = json.load(f)
    for case, facts in expected.items():
        if case not in committed:
            print(f"{case}: {facts['file']} is not in the committed record (run the script without --weights)")
            continue
        same = committed[case]["sha256"] == facts["sha256"]
        print(f"{case}: {facts['file']} {'is byte-identical to' if same else 'differs from'} the committed fixture's file")
