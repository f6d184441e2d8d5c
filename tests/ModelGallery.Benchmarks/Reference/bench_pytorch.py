"""PyTorch side of the ModelGallery benchmark suite (run by `dotnet run -c Release --project tests/ModelGallery.Benchmarks`).

Times the README's architectures in PyTorch (Debian's python3-torch, run with /usr/bin/python3) with the same
thread count as the .NET side, in NCHW and channels-last, at batch 1, 8 and 32, plus two training steps/s cases,
and writes PyTorch's own ONNX export of each model for the ONNX Runtime baseline. The networks are the ones the
parity fixtures define (tests/ModelGallery.Tests/Fixtures/generate_fixtures.py) and torchvision's vgg16.
Results: <out>/pytorch.json (median images/s or steps/s), <out>/<model>.pytorch.onnx.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "ModelGallery.Tests", "Fixtures"))
from generate_fixtures import LeNet5, PaperGoogLeNet, paper_alexnet  # noqa: E402


class MainLogits(nn.Module):
    """The paper GoogLeNet returns (logits, aux1, aux2); benchmarks and the export want the logits."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)[0]


MODELS = {
    "lenet5": (lambda: LeNet5(classes=10), 32),
    "alexnet": (lambda: paper_alexnet(classes=2), 227),
    "vgg16": (lambda: torchvision.models.vgg16(num_classes=2), 224),
    "googlenet": (lambda: MainLogits(PaperGoogLeNet(classes=2)), 224),
    "resnet18": (lambda: torchvision.models.resnet18(num_classes=2), 224),
    "resnet50": (lambda: torchvision.models.resnet50(num_classes=2), 224),
}


def blas(threads):
    """Which BLAS library PyTorch loaded (from the process's memory map) and what a 2048^2 float32 GEMM reaches.

    Debian's python3-torch is built with BLAS_INFO=generic and runs on whatever libblas.so.3 update-alternatives
    points to: the reference netlib BLAS (~5 GFLOP/s) unless libopenblas0-pthread is installed (~90+ GFLOP/s on 2
    threads). A comparison against the reference BLAS is not one a competent user would make, so it is refused.
    """
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "blas" in line.lower() and ".so" in line})
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    gflops = 2 * 2048 ** 3 / min(times) / 1e9
    resolved = [os.path.realpath(lib) for lib in libraries]
    reference = any("/blas/libblas.so" in lib for lib in resolved) and not any("openblas" in lib or "blis" in lib or "mkl" in lib for lib in resolved)
    return {"libraries": resolved, "gemm_gflops": gflops, "reference": reference, "threads": threads}


def median_rate(step, items, min_time, min_reps):
    """Calls step() until min_time has passed and min_reps were timed; returns the median items per second."""
    step()  # warm-up (allocations, oneDNN primitive caches)
    step()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return items / statistics.median(times), len(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--min-time", type=float, default=2.0)
    parser.add_argument("--min-reps", type=int, default=5)
    parser.add_argument("--allow-reference-blas", action="store_true", help="measure anyway (results marked, not for publishing)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    library = blas(args.threads)
    print(f"pytorch {torch.__version__}: BLAS {', '.join(library['libraries']) or 'none found'}, "
          f"2048^2 GEMM {library['gemm_gflops']:.1f} GFLOP/s on {args.threads} threads", flush=True)
    if library["reference"] and not args.allow_reference_blas:
        sys.exit("PyTorch runs on the reference BLAS (netlib libblas3): install libopenblas0-pthread "
                 "(sudo apt-get install libopenblas0-pthread) so the comparison is against PyTorch as a competent user "
                 "runs it, or pass --allow-reference-blas for a run that is not published.")
    results = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": library, "inference": {}, "training": {}}

    for name in args.models.split(","):
        factory, size = MODELS[name]
        model = factory().eval()
        onnx_path = os.path.join(args.out, f"{name}.pytorch.onnx")
        torch.onnx.export(model, torch.randn(1, 3, size, size), onnx_path, opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        for layout, memory_format in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
            laid_out = factory().eval().to(memory_format=memory_format)
            laid_out.load_state_dict(model.state_dict())
            for batch in map(int, args.batches.split(",")):
                x = torch.randn(batch, 3, size, size).contiguous(memory_format=memory_format)
                with torch.inference_mode():
                    rate, reps = median_rate(lambda: laid_out(x), batch, args.min_time, args.min_reps)
                results["inference"].setdefault(name, {}).setdefault(layout, {})[str(batch)] = rate
                print(f"pytorch {name:9} {layout:13} batch {batch:2}: {rate:10.1f} images/s ({reps} runs)", flush=True)

    for name, batch in (("lenet5", 64), ("googlenet", 8), ("resnet18", 16)):
        if name not in args.models.split(","):
            continue
        factory, size = MODELS[name]
        for layout, memory_format in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
            model = factory().train().to(memory_format=memory_format)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            loss_fn = nn.CrossEntropyLoss()
            x = torch.randn(batch, 3, size, size).contiguous(memory_format=memory_format)
            y = torch.randint(0, 2, (batch,))

            def step():
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()

            rate, reps = median_rate(step, 1, args.min_time, args.min_reps)
            results["training"].setdefault(name, {})[layout] = {"batch": batch, "steps_per_s": rate}
            print(f"pytorch train {name:9} {layout:13} batch {batch:2}: {rate:8.2f} steps/s ({reps} runs)", flush=True)

    with open(os.path.join(args.out, "pytorch.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
