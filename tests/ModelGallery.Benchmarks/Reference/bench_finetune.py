"""PyTorch side of the fine-tuning benchmarks (run by the suite with --loader / --fine-tuning, /usr/bin/python3).

Loader: torchvision's ImageFolder + DataLoader(batch_size, num_workers, shuffle=True) with the PIL path
Compose([RandomResizedCrop(224), RandomHorizontalFlip(), ToTensor(), Normalize(ImageNet mean, std)]); one warm-up
epoch, then the median images/s over --epochs epochs (each epoch starts its workers, as ModelGallery's loader does).

Fine-tuning: one process per case (model x frozen/unfrozen x NCHW/channels-last), so each case's peak RSS (getrusage ru_maxrss) is its
own. The step is what ModelGallery's Trainer does with TrainingOptions' defaults: SGD (lr 0.01, momentum 0.9,
weight decay 1e-4), cross-entropy, zero_grad/forward/backward/step, plus the loss and the accuracy count read back
as a training loop logs them. Frozen (Freeze.Backbone): requires_grad False on everything but the new head and the
whole model in eval mode (batch-norm statistics and dropout frozen too); unfrozen: every parameter, train mode.
The models are torchvision's googlenet (aux_logits=False, transform_input=True: the layout of the ImageNet
weights, whose aux heads torchvision drops) and resnet18, built with 1000 classes and given a new N-class fc, on
preloaded random batches; channels-last converts the model once and each batch in its step. Results:
<out>/pytorch-finetune.json.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torchvision

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def rss_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def build(name, classes):
    """The model as a PyTorch user fine-tunes it: the ImageNet (1000-class) layout, then a new head."""
    if name == "googlenet-torchvision":
        model = torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=True, init_weights=True)
    elif name == "resnet18":
        model = torchvision.models.resnet18(weights=None)
    else:
        raise SystemExit(f"unknown fine-tuning model {name}; expected googlenet-torchvision or resnet18")
    model.fc = nn.Linear(model.fc.in_features, classes)
    return model


def fine_tune_case(args):
    """One case in this process; prints one JSON line with steps/s and the process's RSS."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    baseline = rss_mib()
    model = build(args.case[0], args.classes)
    frozen = args.case[1] == "frozen"
    channels_last = args.case[2] == "channels_last"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if frozen:
        for name, parameter in model.named_parameters():
            parameter.requires_grad = name.startswith("fc.")
    model.train(not frozen)
    trained = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(trained, lr=0.01, momentum=0.9, weight_decay=1e-4)
    batches = [(torch.randn(args.batch, 3, 224, 224), torch.randint(0, args.classes, (args.batch,))) for _ in range(args.steps_per_epoch)]

    def epoch():
        correct = 0
        for x, y in batches:
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)  # per step, as a loader's NCHW batches would need
            optimizer.zero_grad()
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            loss.item()
            correct += logits.argmax(1).eq(y).sum().item()
        return correct

    epoch()  # warm-up (allocations, oneDNN primitive caches, momentum buffers)
    times = []
    start = time.perf_counter()
    while len(times) < args.min_reps or time.perf_counter() - start < args.min_time:
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"steps_per_s": args.steps_per_epoch / statistics.median(times), "runs": len(times),
                      "peak_rss_mib": peak, "baseline_rss_mib": baseline, "trained_parameters": sum(p.numel() for p in trained)}))


def loader(args):
    from torchvision import datasets, transforms
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    transform = transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    dataset = datasets.ImageFolder(args.loader_folder, transform=transform)
    data = torch.utils.data.DataLoader(dataset, batch_size=args.loader_batch, shuffle=True, num_workers=args.workers)

    def epoch():
        images = 0
        for x, _ in data:
            images += x.shape[0]
        return images

    epoch()  # warm-up: the page cache, PIL's decoder
    times = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        images = epoch()
        times.append(time.perf_counter() - t0)
    rate = images / statistics.median(times)
    print(f"pytorch loader: {images} images, batch {args.loader_batch}, {args.workers} workers: {rate:.1f} images/s (median of {len(times)} epochs)", flush=True)
    return {"images": images, "batch": args.loader_batch, "workers": args.workers, "epochs": times, "images_per_s": rate}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--allow-reference-blas", action="store_true", help="measure anyway (results marked, not for publishing)")
    parser.add_argument("--loader-folder", help="run the loader benchmark on this ImageFolder")
    parser.add_argument("--loader-batch", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--models", default="", help="comma-separated fine-tuning models (googlenet-torchvision, resnet18)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--steps-per-epoch", type=int, default=4)
    parser.add_argument("--min-time", type=float, default=10.0)
    parser.add_argument("--min-reps", type=int, default=5)
    parser.add_argument("--case", nargs=3, metavar=("MODEL", "FREEZE", "LAYOUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        return fine_tune_case(args)

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_pytorch import blas  # noqa: E402
    torch.set_num_threads(args.threads)
    library = blas(args.threads)
    print(f"pytorch {torch.__version__}: BLAS {', '.join(library['libraries']) or 'none found'}, "
          f"2048^2 GEMM {library['gemm_gflops']:.1f} GFLOP/s on {args.threads} threads", flush=True)
    if library["reference"] and not args.allow_reference_blas:
        sys.exit("PyTorch runs on the reference BLAS (netlib libblas3): install libopenblas0-pthread, "
                 "or pass --allow-reference-blas for a run that is not published.")
    results = {"torch": torch.__version__, "torchvision": torchvision.__version__, "threads": args.threads, "blas": library, "fine_tuning": {}}
    if args.loader_folder:
        results["loader"] = loader(args)

    for name in filter(None, args.models.split(",")):
        for freeze in ("frozen", "unfrozen"):
            for layout in ("nchw", "channels_last"):
                command = [sys.executable, os.path.abspath(__file__), "--out", args.out, "--threads", str(args.threads), "--batch", str(args.batch),
                           "--classes", str(args.classes), "--steps-per-epoch", str(args.steps_per_epoch), "--min-time", str(args.min_time),
                           "--min-reps", str(args.min_reps), "--case", name, freeze, layout]
                case = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
                case["batch"] = args.batch
                results["fine_tuning"].setdefault(name, {}).setdefault(freeze, {})[layout] = case
                print(f"pytorch fine-tune {name:21} {freeze:8} {layout:13} batch {args.batch}: {case['steps_per_s']:6.2f} steps/s ({case['runs']} runs), "
                      f"peak RSS {case['peak_rss_mib']:.0f} MiB (before the model {case['baseline_rss_mib']:.0f} MiB)", flush=True)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "pytorch-finetune.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
