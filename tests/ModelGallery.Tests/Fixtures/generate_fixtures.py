#!/usr/bin/python3
"""Writes the PyTorch parity fixtures of ModelGallery's tests (committed; CI does not need Python).

Run from the repository root with Debian's PyTorch (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_fixtures.py

The networks below are written here from the papers, independently of the C# code; torchvision's own models
stand for the torchvision variants. LeNet-5 gets real (seeded random) weights, saved with torch.save and as
safetensors. The big models get weights from a formula that the C# tests compute too (see `formula`), so no
large files are committed. For every case the script writes `<case>.expected.safetensors` with PyTorch's outputs
(and, for LeNet-5, the input; the other inputs come from `formula_input`).
"""
import json
import math
import os
import pickle
import struct
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------- the networks
class LeNet5(nn.Module):
    def __init__(self, classes=10, channels=3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 6, 5)
        self.pool1 = nn.Sequential(nn.MaxPool2d(2, 2), nn.Sigmoid())
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.Sequential(nn.MaxPool2d(2, 2), nn.Sigmoid())
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        return self.fc3(self.fc2(self.fc1(torch.flatten(x, 1))))


def paper_alexnet(classes=2):
    lrn = lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)
    model = nn.Module()
    model.features = nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
    model.classifier = nn.Sequential(
        nn.Dropout(0.5), nn.Linear(9216, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, classes))
    model.forward = lambda x: model.classifier(torch.flatten(model.features(x), 1))
    return model


class ConvReLU(nn.Module):
    def __init__(self, cin, cout, k, s=1, p=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=s, padding=p)

    def forward(self, x):
        return torch.relu(self.conv(x))


class Inception(nn.Module):
    def __init__(self, cin, c1, r3, c3, r5, c5, pp):
        super().__init__()
        self.branch1 = ConvReLU(cin, c1, 1)
        self.branch2 = nn.Sequential(ConvReLU(cin, r3, 1), ConvReLU(r3, c3, 3, p=1))
        self.branch3 = nn.Sequential(ConvReLU(cin, r5, 1), ConvReLU(r5, c5, 5, p=2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), ConvReLU(cin, pp, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class PaperAux(nn.Module):
    def __init__(self, cin, classes):
        super().__init__()
        self.pool = nn.AvgPool2d(5, 3)
        self.conv = ConvReLU(cin, 128, 1)
        self.fc1 = nn.Linear(2048, 1024)
        self.dropout = nn.Dropout(0.7)
        self.fc2 = nn.Linear(1024, classes)

    def forward(self, x):
        x = torch.flatten(self.conv(self.pool(x)), 1)
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


class PaperGoogLeNet(nn.Module):
    """Table 1 of the paper, with the LRN layers of its Caffe model, in torchvision's naming."""

    def __init__(self, classes=2, aux=False):
        super().__init__()
        lrn = lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv1 = ConvReLU(3, 64, 7, s=2, p=3)
        self.maxpool1 = pool()
        self.lrn1 = lrn()
        self.conv2 = ConvReLU(64, 64, 1)
        self.conv3 = ConvReLU(64, 192, 3, p=1)
        self.lrn2 = lrn()
        self.maxpool2 = pool()
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = pool()
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
        self.aux1 = PaperAux(512, classes) if aux else None
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
        self.aux2 = PaperAux(528, classes) if aux else None
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = pool()
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
        self.avgpool = nn.AvgPool2d(7, 1)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(1024, classes)

    def forward(self, x):
        x = self.maxpool2(self.lrn2(self.conv3(self.conv2(self.lrn1(self.maxpool1(self.conv1(x)))))))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        a1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        a2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.dropout(self.avgpool(self.inception5b(self.inception5a(x))))
        return self.fc(torch.flatten(x, 1)), a1, a2


# ------------------------------------------------------------------------------------- weights by a formula
def seed_of(key):
    return sum((k + 1) * ord(c) for k, c in enumerate(key)) % 997


def uniform(key, n):
    """n values in [-1, 1) from a splitmix64 hash of the key's seed and the index: seeded random weights that both this
    script and ParityFormula.cs compute exactly (float64, then float32)."""
    seed = np.full(n, seed_of(key), dtype=np.uint64)
    z = seed * np.uint64(0x9E3779B97F4A7C15) + np.arange(n, dtype=np.uint64) * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(1)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / 2.0 ** 53 * 2.0 - 1.0


def formula(key, shape, dtype):
    """The deterministic value of every state_dict entry; ModelGallery.Tests computes the same (ParityFormula.cs).
    Weights are uniform with He's variance 2 / fan-in, so that the networks' outputs depend on their inputs."""
    n = int(np.prod(shape)) if len(shape) else 1
    if key.endswith("num_batches_tracked"):
        return torch.zeros(shape, dtype=dtype)
    base = uniform(key, n)
    if key.endswith("running_var"):
        values = 1.0 + 0.25 * (base + 1.0)
    elif key.endswith("running_mean") or key.endswith("bias"):
        values = 0.05 * base
    elif ".bn." in key and key.endswith("weight"):
        values = 1.0 + 0.1 * base
    else:
        fan_in = n // shape[0]
        values = base * math.sqrt(3.0) * math.sqrt(2.0 / fan_in)
    return torch.from_numpy(values.astype(np.float32)).reshape(shape)  # float32 values, whatever the model's precision


def formula_input(shape):
    n = int(np.prod(shape))
    return torch.from_numpy(np.sin(0.01 * np.arange(n, dtype=np.float64) + 1.0).astype(np.float32)).reshape(shape)


def fill(model):
    model.load_state_dict({k: formula(k, tuple(v.shape), v.dtype) for k, v in model.state_dict().items()})


# ------------------------------------------------------------------------------------------------ writing
def write_safetensors(path, tensors):
    """A minimal safetensors writer (the format: 8-byte little-endian header length, JSON header, raw data); the other
    fixture scripts import it."""
    names = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
             torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = bytes(tensor.detach().contiguous().view(-1).view(torch.uint8).numpy()) if tensor.numel() else b""
        header[name] = {"dtype": names[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def no_dropout_training(model):
    """Training mode (batch statistics, auxiliary heads) with dropout off, so that outputs are deterministic."""
    model.train()
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.eval()


class _Hostile:
    """Unpickling this with Python's pickle would run a shell command; a safe reader must refuse it."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/modelgallery-hostile-pickle-ran",))


def write_hostile_checkpoint(path):
    """A torch.save-shaped zip whose pickle names an unexpected global (os.system)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("hostile/data.pkl", pickle.dumps({"conv1.weight": _Hostile()}, protocol=2))
        archive.writestr("hostile/version", "3\n")


def write_layout_cases(lenet):
    """The same LeNet-5 weights as lenet5.pt, laid out as PyTorch users' files often are: channels-last convolution
    weights (non-contiguous), and every tensor a view into one shared storage at an offset, the 2-D ones transposed."""
    torch.save(_channels_last(lenet).state_dict(), os.path.join(HERE, "lenet5-channels-last.pt"))
    state = lenet.state_dict()
    flat = torch.zeros(sum(t.numel() for t in state.values()) + 7 * len(state))
    shared, offset = {}, 3
    for key, value in state.items():
        n = value.numel()
        if value.dim() == 2:  # stored transposed: a non-contiguous view
            view = flat[offset:offset + n].view(value.shape[1], value.shape[0]).t()
        else:
            view = flat[offset:offset + n].view(value.shape)
        view.copy_(value)
        shared[key] = view
        offset += n + 7
    torch.save(shared, os.path.join(HERE, "lenet5-shared-storage.pt"))
    for name in ("lenet5-channels-last.pt", "lenet5-shared-storage.pt"):  # PyTorch itself loads both, strictly
        check = LeNet5()
        check.load_state_dict(torch.load(os.path.join(HERE, name)), strict=True)
        assert all(torch.equal(check.state_dict()[k], v) for k, v in state.items()), name


def _channels_last(lenet):
    copy = LeNet5()
    copy.load_state_dict(lenet.state_dict())
    copy = copy.to(memory_format=torch.channels_last)
    assert not copy.conv1.weight.is_contiguous()
    return copy


def main():
    torch.set_num_threads(2)
    cases = {}

    write_hostile_checkpoint(os.path.join(HERE, "hostile-globals.pt"))

    # LeNet-5: real weights, saved both ways.
    torch.manual_seed(2026)
    lenet = LeNet5().eval()
    torch.save(lenet.state_dict(), os.path.join(HERE, "lenet5.pt"))
    write_safetensors(os.path.join(HERE, "lenet5.safetensors"), lenet.state_dict())
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        cases["lenet5"] = {"input": x, "logits": lenet(x)}
    write_layout_cases(lenet)  # after the input is drawn: it builds models, which draws random numbers

    # The big models: formula weights and input, computed in float64. Deep ReLU networks with these structured
    # weights are ill-conditioned in float32 (VGG-16: PyTorch's own float32 and float64 logits differ by 6.6e-4
    # relative), so the comparison is made in float64, where it checks the architecture and not the rounding.
    def run(name, model, shape, aux_from=None):
        fill(model)
        model.double().eval()
        x = formula_input(shape).double()
        with torch.no_grad():
            out = model(x)
            logits = out[0] if isinstance(out, tuple) else out
            tensors = {"logits": logits}  # the input is formula_input(shape), recomputed by the tests
            if aux_from is not None:
                fill(model)
                model.double()
                no_dropout_training(model)
                logits_t, aux1, aux2 = aux_from(model(x))
                tensors.update({"train_logits": logits_t, "train_aux1": aux1, "train_aux2": aux2})
        cases[name] = tensors

    run("alexnet", paper_alexnet(), (2, 3, 227, 227))
    run("vgg16", torchvision.models.vgg16(weights=None, num_classes=2), (2, 3, 224, 224))
    run("googlenet", PaperGoogLeNet(aux=True), (2, 3, 224, 224), aux_from=lambda o: o)
    run("alexnet-torchvision", torchvision.models.alexnet(weights=None, num_classes=2), (2, 3, 224, 224))
    run("googlenet-torchvision",
        torchvision.models.googlenet(weights=None, num_classes=2, aux_logits=True, init_weights=False, transform_input=True),
        # torchvision 0.14 swaps the names: GoogLeNetOutputs.aux_logits2 holds aux1's output (after 4a), aux_logits1 aux2's.
        (2, 3, 224, 224), aux_from=lambda o: (o.logits, o.aux_logits2, o.aux_logits1))
    run("resnet18", torchvision.models.resnet18(weights=None, num_classes=2), (2, 3, 224, 224))
    run("resnet50", torchvision.models.resnet50(weights=None, num_classes=2), (2, 3, 224, 224))

    for name, tensors in cases.items():
        write_safetensors(os.path.join(HERE, f"{name}.expected.safetensors"), tensors)
        logits = tensors["logits"]
        print(f"{name}: logits {tuple(logits.shape)}, |max| {logits.abs().max().item():.4g}, std {logits.std().item():.4g}")


if __name__ == "__main__":
    main()
