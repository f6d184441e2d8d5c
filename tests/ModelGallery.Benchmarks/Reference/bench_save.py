#!/usr/bin/python3
"""torch.save's side of the save-speed comparison (SaveRun.cs, `--save`): torchvision's own AlexNet and VGG-16
state_dicts (seeded; the values do not change the time) written with torch.save, N times each, into the folder where
SaveWeights writes its files, as plain torch.save (what users call) and as torch.save followed by os.fsync (for
reference: SaveWeights, like torch.save, returns with the file in the page cache; it writes a temporary file and renames
it into place, so a failed save leaves the old file).

    /usr/bin/python3 tests/ModelGallery.Benchmarks/Reference/bench_save.py --models alexnet,vgg16 --repeats 3 \
        --folder /tmp/save --output /tmp/save/torch-save.json

Writes {model: {"seconds": [...], "fsync_seconds": [...], "bytes": n}} to --output.
"""
import argparse
import json
import os
import time

import torch
import torchvision


def timed(save, path, repeats):
    seconds = []
    for _ in range(repeats):
        if os.path.exists(path):
            os.remove(path)
        os.sync()  # no other write-back pending (SaveRun.cs does the same before each SaveWeights)
        start = time.perf_counter()
        save(path)
        seconds.append(time.perf_counter() - start)
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="alexnet,vgg16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    results = {}
    for name in args.models.split(","):
        torch.manual_seed(2012)
        state = getattr(torchvision.models, name)().state_dict()
        path = os.path.join(args.folder, f"{name}.torch-save.pth")

        def synced(target):
            torch.save(state, target)
            with open(target, "rb+") as f:
                os.fsync(f.fileno())

        plain = timed(lambda target: torch.save(state, target), path, args.repeats)
        fsynced = timed(synced, path, args.repeats)
        results[name] = {"seconds": plain, "fsync_seconds": fsynced, "bytes": os.path.getsize(path)}
        os.remove(path)
        print(f"torch.save {name}: best {min(plain):.2f} s, with fsync {min(fsynced):.2f} s, {results[name]['bytes']:,} bytes")
    with open(args.output, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
