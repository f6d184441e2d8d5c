"""PyTorch side of the real-weights accuracy goal (run by the suite with --accuracy, /usr/bin/python3).

The recipe of ModelGallery's Trainer with Freeze.Backbone and CacheFeatures: torchvision's
ResNet(BasicBlock, [2, 2, 2, 3]) loaded strictly from the file ModelGallery saved after importing ML.NET's
ResNet18.onnx (the initial head included), the backbone in eval mode computes the features of every image once, then
for each of --seeds the head starts again from the saved initial head and trains alone with AdamW (--lr,
--weight-decay; PyTorch's defaults otherwise, decay on the bias too), cross-entropy, batches of --batch in a new random
order every epoch (torch.manual_seed(seed), torch.randperm); top-1 on the test folder's features. Classes are the
sorted folder names.

Preprocessing (--resize): "pil" (default) is the path torchvision's published accuracies are measured with and
ModelGallery's presets reproduce by default: PIL.Image.open(p).convert("RGB"), F.resize(PIL image, 256) (Pillow's
antialiased bilinear), centre crop 224, pil_to_tensor, convert_image_dtype to [0, 1], normalise with --mean/--std.
"tensor" is torchvision's tensor path (read_image RGB, F.resize(antialias=True)), which ModelGallery gives with
Resampling.TensorAntialias. --compare-features reads ModelGallery's test features (float32, N x 512, folder order)
and reports their largest difference from these, against the features' largest magnitude.
Result in --out: {"top1": [one per seed], "seeds": [...], "features": {...}}.
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.io import ImageReadMode, read_image
from torchvision.models.resnet import BasicBlock, ResNet


def images(root):
    classes = sorted(os.listdir(root))
    return [(os.path.join(root, c, f), i) for i, c in enumerate(classes) for f in sorted(os.listdir(os.path.join(root, c)))]


def pil_path(path):
    with Image.open(path) as image:
        return F.convert_image_dtype(F.pil_to_tensor(F.center_crop(F.resize(image.convert("RGB"), 256), 224)), torch.float)


def tensor_path(path):
    return F.convert_image_dtype(F.center_crop(F.resize(read_image(path, ImageReadMode.RGB), 256, antialias=True), 224), torch.float)


@torch.no_grad()
def features(backbone, samples, mean, std, batch, load):
    out = []
    for start in range(0, len(samples), batch):
        x = torch.stack([load(p) for p, _ in samples[start:start + batch]])
        out.append(backbone(F.normalize(x, mean, std)))
    return torch.cat(out), torch.tensor([label for _, label in samples])


def main():
    parser = argparse.ArgumentParser()
    for name in ("--weights", "--train", "--test", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--weight-decay", type=float, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--mean", type=float, nargs=3, required=True)
    parser.add_argument("--std", type=float, nargs=3, required=True)
    parser.add_argument("--resize", choices=("pil", "tensor"), default="pil")
    parser.add_argument("--compare-features")
    args = parser.parse_args()

    train, test = images(args.train), images(args.test)
    classes = len(set(label for _, label in train))
    model = ResNet(BasicBlock, [2, 2, 2, 3], num_classes=classes)
    model.load_state_dict(torch.load(args.weights), strict=True)
    initial_head = {name: value.clone() for name, value in model.fc.state_dict().items()}
    head, model.fc = model.fc, nn.Identity()
    model.eval()
    load = pil_path if args.resize == "pil" else tensor_path
    train_x, train_y = features(model, train, args.mean, args.std, args.batch, load)
    test_x, test_y = features(model, test, args.mean, args.std, args.batch, load)

    agreement = {}
    if args.compare_features:
        theirs = torch.from_numpy(np.fromfile(args.compare_features, dtype=np.float32).reshape(test_x.shape))
        difference = (theirs - test_x).abs()
        agreement = {"max_abs_diff": difference.max().item(), "mean_abs_diff": difference.mean().item(), "scale": test_x.abs().max().item()}
        print(f"test features, ModelGallery vs PyTorch ({args.resize} path): {agreement}")

    top1 = []
    loss = nn.CrossEntropyLoss()
    for seed in args.seeds:
        torch.manual_seed(seed)
        head.load_state_dict(initial_head)
        optimizer = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=args.weight_decay)
        for _ in range(args.epochs):
            for batch in torch.randperm(len(train_x)).split(args.batch):
                optimizer.zero_grad()
                loss(head(train_x[batch]), train_y[batch]).backward()
                optimizer.step()
        with torch.no_grad():
            top1.append((head(test_x).argmax(1) == test_y).float().mean().item())
        print(f"pytorch frozen head, seed {seed}: top-1 {top1[-1]:.4f} on {len(test)} test images")
    with open(args.out, "w") as out:
        json.dump({"top1": top1, "seeds": args.seeds, "resize": args.resize, "features": agreement,
                   "train_images": len(train), "test_images": len(test)}, out)


if __name__ == "__main__":
    main()
