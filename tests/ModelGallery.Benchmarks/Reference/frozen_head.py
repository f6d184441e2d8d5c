"""PyTorch side of the real-weights accuracy goal (run by the suite with --accuracy, /usr/bin/python3).

The recipe of ModelGallery's FineTuner with Freeze.Backbone and CacheFeatures: torchvision's
ResNet(BasicBlock, [2, 2, 2, 3]) loaded strictly from the file ModelGallery saved after importing ML.NET's
ResNet18.onnx (the initial head included), the backbone in eval mode computes the features of every training image
once (torchvision's tensor path: read_image RGB, resize 256 bilinear with antialias, centre crop 224, scale to [0, 1],
normalise with --mean/--std), then the head alone trains with AdamW (--lr, --weight-decay), cross-entropy, batches of
--batch in a new random order every epoch; top-1 on the test folder's features. Classes are the sorted folder names.
Result: {"top1": ...} in --out.
"""
import argparse
import json
import os

import torch
import torch.nn as nn
import torchvision.transforms.functional as F
from torchvision.io import ImageReadMode, read_image
from torchvision.models.resnet import BasicBlock, ResNet


def images(root):
    classes = sorted(os.listdir(root))
    return [(os.path.join(root, c, f), i) for i, c in enumerate(classes) for f in sorted(os.listdir(os.path.join(root, c)))]


@torch.no_grad()
def features(backbone, samples, mean, std, batch):
    out, labels = [], []
    for start in range(0, len(samples), batch):
        chunk = samples[start:start + batch]
        x = torch.stack([F.center_crop(F.resize(read_image(p, ImageReadMode.RGB), 256, antialias=True), 224) for p, _ in chunk])
        x = F.normalize(x.float() / 255, mean, std)
        out.append(backbone(x))
        labels += [label for _, label in chunk]
    return torch.cat(out), torch.tensor(labels)


def main():
    parser = argparse.ArgumentParser()
    for name in ("--weights", "--train", "--test", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--weight-decay", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--mean", type=float, nargs=3, required=True)
    parser.add_argument("--std", type=float, nargs=3, required=True)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train, test = images(args.train), images(args.test)
    classes = len(set(label for _, label in train))
    model = ResNet(BasicBlock, [2, 2, 2, 3], num_classes=classes)
    model.load_state_dict(torch.load(args.weights), strict=True)
    head, model.fc = model.fc, nn.Identity()
    model.eval()
    train_x, train_y = features(model, train, args.mean, args.std, args.batch)
    test_x, test_y = features(model, test, args.mean, args.std, args.batch)

    optimizer = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    loss = nn.CrossEntropyLoss()
    for _ in range(args.epochs):
        for batch in torch.randperm(len(train_x)).split(args.batch):
            optimizer.zero_grad()
            loss(head(train_x[batch]), train_y[batch]).backward()
            optimizer.step()

    with torch.no_grad():
        top1 = (head(test_x).argmax(1) == test_y).float().mean().item()
    print(f"pytorch frozen head: top-1 {top1:.4f} on {len(test)} test images")
    with open(args.out, "w") as out:
        json.dump({"top1": top1, "train_images": len(train), "test_images": len(test)}, out)


if __name__ == "__main__":
    main()
