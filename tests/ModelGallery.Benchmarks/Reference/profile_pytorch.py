"""PyTorch side of the per-layer-kind profile (`dotnet run -c Release --project tests/ModelGallery.Benchmarks -- --profile`).

Times one eval-mode forward pass of each model at one batch size, layer by layer: a pre- and a post-hook on every leaf
module read time.perf_counter (CPU kernels are synchronous), and the times are summed per layer kind ("Conv2d 3x3",
"BatchNorm2d", "Linear", ...). What runs outside leaf modules (torch.cat, additions, flattening, functional ReLUs) is
the forward's total minus the leaves. Both layouts are profiled; the totals are also timed without hooks.
Results: <out>/profile-pytorch.json.
"""
import argparse
import json
import os
import statistics
import time

import torch

from bench_pytorch import MODELS, blas


def kind(module):
    """A leaf module's kind as the profile reports it; convolutions by kernel size."""
    name = type(module).__name__
    if isinstance(module, torch.nn.Conv2d):
        kernel = module.kernel_size
        return f"Conv2d {kernel[0]}x{kernel[1]}"
    return name


def profile(model, x, reps):
    """Median forward time without hooks (ms) and the median per-kind times with hooks (ms per forward)."""
    with torch.inference_mode():
        # Warm up for a second at least: OpenBLAS's threads from the GEMM check spin for a while and would slow the
        # first model's few calls (LeNet-5 measured 20x slower without this).
        start = time.perf_counter()
        while time.perf_counter() - start < 1.0:
            model(x)
        totals = []
        while len(totals) < reps or sum(totals) < 1.0:
            t0 = time.perf_counter()
            model(x)
            totals.append(time.perf_counter() - t0)

        started, spent, handles = {}, [], []
        for module in model.modules():
            if next(module.children(), None) is not None:
                continue
            handles.append(module.register_forward_pre_hook(lambda m, _: started.__setitem__(id(m), time.perf_counter())))
            handles.append(module.register_forward_hook(lambda m, _i, _o: spent[-1].setdefault(kind(m), []).append(time.perf_counter() - started[id(m)])))
        per_rep = []
        try:
            spent.append({})
            model(x)  # warm-up with the hooks in place
            for _ in range(max(reps, len(totals))):
                spent.append({})
                t0 = time.perf_counter()
                model(x)
                total = time.perf_counter() - t0
                kinds = {k: sum(v) for k, v in spent[-1].items()}
                kinds["outside leaf modules"] = max(0.0, total - sum(kinds.values()))
                per_rep.append(kinds)
        finally:
            for handle in handles:
                handle.remove()
    kinds = {k: 1000 * statistics.median(rep.get(k, 0.0) for rep in per_rep) for k in per_rep[0]}
    return 1000 * statistics.median(totals), kinds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--allow-reference-blas", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    library = blas(args.threads)
    if library["reference"] and not args.allow_reference_blas:
        raise SystemExit("PyTorch runs on the reference BLAS: install libopenblas0-pthread (see bench_pytorch.py).")
    results = {"torch": torch.__version__, "blas": library, "batch": args.batch, "models": {}}
    for name in args.models.split(","):
        factory, size = MODELS[name]
        for layout, memory_format in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
            model = factory().eval().to(memory_format=memory_format)
            x = torch.randn(args.batch, 3, size, size).contiguous(memory_format=memory_format)
            total, kinds = profile(model, x, args.reps)
            results["models"].setdefault(name, {})[layout] = {"total_ms": total, "kinds": kinds}
            print(f"pytorch profile {name:9} {layout:13} batch {args.batch}: {total:8.2f} ms", flush=True)
    with open(os.path.join(args.out, "profile-pytorch.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
