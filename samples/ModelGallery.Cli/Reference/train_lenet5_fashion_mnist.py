#!/usr/bin/python3
"""PyTorch reference for `gallery train`: the same LeNet-5, data, preprocessing and recipe, to compare
accuracy and speed side by side on the same machine.

    /usr/bin/python3 samples/ModelGallery.Cli/Reference/train_lenet5_fashion_mnist.py --epochs 10

Architecture (the README's table): conv 6@5x5 -> maxpool 2/2 -> sigmoid -> conv 16@5x5 -> maxpool 2/2 -> sigmoid
-> FC 120 -> FC 84 -> FC 10, no activation after the FC layers. Input: Fashion-MNIST scaled to [0, 1], padded
28 -> 32 with zeros, normalised with mean 0.2860 and std 0.3530, replicated to 3 channels. Recipe: Adam 1e-3,
batch 128, cross-entropy, shuffled every epoch, 2 threads.
"""
import argparse
import gzip
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def load(directory, prefix):
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.copy()).float().div(255).unsqueeze(1)
    x = F.pad(x, (2, 2, 2, 2), value=0.0)
    x = ((x - 0.2860) / 0.3530).expand(-1, 3, -1, -1).contiguous()
    return x, torch.from_numpy(labels.astype(np.int64))


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.sigmoid(F.max_pool2d(self.conv1(x), 2))
        x = torch.sigmoid(F.max_pool2d(self.conv2(x), 2))
        return self.fc3(self.fc2(self.fc1(torch.flatten(x, 1))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    model = LeNet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        total, correct = 0.0, 0
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            x, y = x_train[idx], y_train[idx]
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        seconds = time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            test = sum((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item() for i in range(0, len(x_test), 1000))
        print(f"epoch {epoch}: loss {total / len(x_train):.4f} train {correct / len(x_train):.2%} "
              f"test {test / len(x_test):.2%} {seconds:.2f} s {len(x_train) / seconds:.0f} img/s", flush=True)


if __name__ == "__main__":
    main()
