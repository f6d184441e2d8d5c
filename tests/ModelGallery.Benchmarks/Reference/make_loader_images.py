"""Writes the loader benchmark's image folder: real photos cut into camera-sized JPEGs (run with /usr/bin/python3).

The photos are the ones Debian's python3-skimage ships (skimage/data: chelsea, coffee, astronaut, rocket, the
motorcycle pair, the Hubble deep field, retina, ihc). Each image is a seeded random crop of 500x375 (one in four
portrait, 375x500) from a photo rescaled by a random factor so the crop fits, randomly mirrored, saved as JPEG
quality 90: the size and the compression of a phone or camera photo after a downscale, so decoding costs what it
costs on a real fine-tuning set. Four classes (torchvision ImageFolder layout: <out>/<class>/<n>.jpg).

The folder is made at run time and never committed. A folder already holding the same manifest (seed, count,
sources) is reused as it is.
"""
import argparse
import json
import os
import random
import sys

from PIL import Image

SKIMAGE_DATA = [
    "/usr/lib/python3/dist-packages/skimage/data",            # python3-skimage installed
    "/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data",  # the .deb unpacked without installing it
]

CLASSES = {
    "animals-food": ["chelsea.png", "coffee.png"],
    "space": ["astronaut.png", "rocket.jpg", "hubble_deep_field.jpg"],
    "vehicles": ["motorcycle_left.png", "motorcycle_right.png"],
    "microscopy": ["retina.jpg", "ihc.png"],
}

LANDSCAPE = (500, 375)


def find_data(explicit):
    for folder in ([explicit] if explicit else SKIMAGE_DATA):
        if folder and os.path.exists(os.path.join(folder, "chelsea.png")):
            return folder
    sys.exit("No skimage photos found in " + ", ".join(SKIMAGE_DATA)
             + ": install python3-skimage (apt-get install python3-skimage) or pass --data <skimage/data folder>.")


def crop(photo, rng):
    """A random 500x375 (or 375x500) region of the photo, rescaled by a random factor of at least what fits."""
    width, height = LANDSCAPE if rng.random() >= 0.25 else LANDSCAPE[::-1]
    fit = max(width / photo.width, height / photo.height)
    scale = fit * rng.uniform(1.0, 1.6)
    resized = photo.resize((max(width, round(photo.width * scale)), max(height, round(photo.height * scale))), Image.BICUBIC)
    left = rng.randint(0, resized.width - width)
    top = rng.randint(0, resized.height - height)
    region = resized.crop((left, top, left + width, top + height))
    return region.transpose(Image.FLIP_LEFT_RIGHT) if rng.random() < 0.5 else region


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, help="the image folder (one sub-folder per class)")
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="the skimage/data folder (default: python3-skimage's)")
    args = parser.parse_args()
    data = find_data(args.data)
    manifest = {"seed": args.seed, "per_class": args.per_class, "size": LANDSCAPE, "quality": 90, "classes": CLASSES}
    manifest_path = os.path.join(args.out, "manifest.json")
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            if json.load(f) == json.loads(json.dumps(manifest)):
                print(f"loader images: reusing {args.out}", flush=True)
                return
    rng = random.Random(args.seed)
    photos = {name: Image.open(os.path.join(data, name)).convert("RGB") for names in CLASSES.values() for name in names}
    total = 0
    for label, names in CLASSES.items():
        folder = os.path.join(args.out, label)
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            os.remove(os.path.join(folder, old))
        for i in range(args.per_class):
            image = crop(photos[names[i % len(names)]], rng)
            image.save(os.path.join(folder, f"{i:04d}.jpg"), "JPEG", quality=90)
            total += 1
    with open(manifest_path, "w") as f:  # beside the class folders: ImageFolder ignores files directly under the root
        json.dump(manifest, f, indent=1)
    print(f"loader images: wrote {total} JPEGs ({len(CLASSES)} classes) to {args.out} from {data}", flush=True)


if __name__ == "__main__":
    main()
