#!/usr/bin/python3
"""Writes the image-decoding fixtures of ModelGallery's tests (committed; CI does not need Python).

Run from the repository root with Debian's Pillow 9.4 and numpy:

    /usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_image_fixtures.py

The photos are skimage's sample images, from Debian's python3-skimage, found through MODELGALLERY_PHOTOS or at
/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data (`apt-get download python3-skimage && dpkg -x
python3-skimage_*.deb /opt/skimage-deb`). The script derives small inputs from them (Fixtures/images/: EXIF
orientations, 16-bit, WebP, BMP, alpha, hostile files) and writes photos.expected.json with what Pillow and numpy
decode, never with the C# code's output:

- lossless formats: width, height, the SHA-256 of the RGB bytes (row-major H x W x 3) and a few sampled pixels;
- JPEG and lossy WebP (decoders legitimately differ): width, height, per-channel means and raw crops to compare
  within measured bounds;
- alpha is composited in numpy onto the background (straight alpha): round((a*c + (255 - a)*bg) / 255);
- 16-bit samples become their high byte (v >> 8), as Pillow (and libpng's png_set_strip_16) make them; the script
  checks Pillow's RGB and RGBA decoding against that and computes the grayscale case (which Pillow clips) in numpy.
"""
import base64
import hashlib
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")
PHOTOS = os.environ.get("MODELGALLERY_PHOTOS") or "/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data"
WHITE = (255, 255, 255)
# Transposes that turn a stored image with EXIF orientation n upright (as ImageOps.exif_transpose does), and the
# inverse ones that make the stored image from the upright one.
UPRIGHT = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
STORED = {**UPRIGHT, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def composite(rgba, background=WHITE):
    """Straight alpha over a background, rounded: the expected pixels of any image with alpha."""
    a = rgba[..., 3:4].astype(np.float64)
    c = rgba[..., :3].astype(np.float64)
    return np.round((a * c + (255 - a) * np.array(background, np.float64)) / 255).astype(np.uint8)


def pil_rgb(path, background=WHITE):
    im = Image.open(path)
    im.seek(0)
    has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    return composite(np.array(im.convert("RGBA")), background) if has_alpha else np.array(im.convert("RGB"))


def samples(rgb):
    h, w, _ = rgb.shape
    points = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 3), (w // 3, h // 2)]
    return [[x, y, *map(int, rgb[y, x])] for x, y in points]


def exact(source, name, rgb, background=WHITE):
    h, w, _ = rgb.shape
    return {"source": source, "file": name, "background": list(background), "kind": "exact", "width": w, "height": h,
            "sha256": hashlib.sha256(np.ascontiguousarray(rgb).tobytes()).hexdigest(), "samples": samples(rgb)}


def crops(rgb, size):
    h, w, _ = rgb.shape
    s = min(size, w, h)
    corners = {(0, 0), (w - s, h - s), ((w - s) // 2, (h - s) // 2)}
    return [{"x": x, "y": y, "width": s, "height": s, "rgb": base64.b64encode(rgb[y:y + s, x:x + s].tobytes()).decode()}
            for x, y in sorted(corners)]


def lossy(source, name, rgb, crop=32):
    h, w, _ = rgb.shape
    return {"source": source, "file": name, "background": list(WHITE), "kind": "lossy", "width": w, "height": h,
            "mean": [float(m) for m in rgb.reshape(-1, 3).mean(axis=0)], "crops": crops(rgb, crop)}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, bit_depth, color_type, rows):
    """A PNG written by hand: IHDR, one IDAT of filter-0 rows, IEND."""
    raw = b"".join(b"\x00" + row for row in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write(name, data):
    with open(os.path.join(IMAGES, name), "wb") as f:
        f.write(data)
    return os.path.join(IMAGES, name)


def encoded(im, fmt, **options):
    buffer = io.BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def sixteen_bit(cases, upright, rng):
    """16-bit PNGs whose low bytes are random, so taking the high byte (v >> 8) and rounding v * 255 / 65535 differ."""
    h, w, _ = upright.shape
    rgb16 = upright.astype(np.uint16) * 256 + rng.integers(0, 256, upright.shape, dtype=np.uint16)
    gray16 = rgb16[..., 0]
    alpha16 = np.tile(np.linspace(0, 65535, w).round().astype(np.uint16), (h, 1))
    rgba16 = np.dstack([rgb16, alpha16])
    to8 = lambda v: (v >> 8).astype(np.uint8)
    rgb = write("rgb16.png", png(w, h, 16, 2, [r.astype(">u2").tobytes() for r in rgb16]))
    write("gray16.png", png(w, h, 16, 0, [r.astype(">u2").tobytes() for r in gray16]))
    rgba = write("rgba16.png", png(w, h, 16, 6, [r.astype(">u2").tobytes() for r in rgba16]))
    assert (pil_rgb(rgb) == to8(rgb16)).all() and (pil_rgb(rgba) == composite(to8(rgba16))).all()
    cases.append(exact("fixtures", "rgb16.png", pil_rgb(rgb)))
    cases.append(exact("fixtures", "gray16.png", np.repeat(to8(gray16)[..., None], 3, axis=2)))
    cases.append(exact("fixtures", "rgba16.png", pil_rgb(rgba)))


def orientations(cases, upright_image):
    for n in range(1, 9):
        stored = upright_image if STORED[n] is None else upright_image.transpose(STORED[n])
        exif = Image.Exif()
        exif[0x0112] = n
        path = write(f"exif-{n}.jpg", encoded(stored, "JPEG", quality=92, exif=exif.tobytes()))
        # Sanity check of the inverse transposes: Pillow turns each file back to the upright size.
        assert ImageOps.exif_transpose(Image.open(path)).size == upright_image.size, n
        cases.append(lossy("fixtures", f"exif-{n}.jpg", np.array(ImageOps.exif_transpose(Image.open(path)).convert("RGB")), crop=16))
    # The tag in the lossless formats that carry EXIF too: a PNG eXIf chunk and a WebP EXIF chunk, stored sideways (6).
    exif = Image.Exif()
    exif[0x0112] = 6
    for name, options in [("exif-6.png", {}), ("exif-6.webp", {"lossless": True})]:
        path = write(name, encoded(upright_image.transpose(STORED[6]), name.split(".")[1].upper(), exif=exif.tobytes(), **options))
        turned = np.array(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
        assert (turned == np.array(upright_image)).all(), name
        cases.append(exact("fixtures", name, turned))


def cmyk(rgb):
    """CMYK with black generated (K = 255 - max(R, G, B)); Pillow's convert("CMYK") leaves K at 0."""
    rgb = rgb.astype(np.float64)
    k = 255 - rgb.max(axis=2)
    cmy = np.where(k[..., None] < 255, (255 - rgb - k[..., None]) * 255 / np.maximum(255 - k[..., None], 1), 0)
    return Image.fromarray(np.dstack([cmy, k]).round().astype(np.uint8), "CMYK")


def derived(cases):
    os.makedirs(IMAGES, exist_ok=True)
    rng = np.random.default_rng(20260101)
    # 64 x 48 (non-square, so a rotation changes the shape), the whole cat of chelsea.png.
    cat = Image.open(os.path.join(PHOTOS, "chelsea.png")).convert("RGB").crop((26, 0, 426, 300)).resize((64, 48), Image.Resampling.LANCZOS)
    upright = np.array(cat)
    cases.append({**exact("fixtures", "upright", upright), "kind": "raw", "rgb": base64.b64encode(upright.tobytes()).decode()})
    orientations(cases, cat)
    sixteen_bit(cases, upright, rng)

    h, w, _ = upright.shape
    alpha = np.clip(np.hypot(*np.meshgrid(np.arange(w) - w / 2, np.arange(h) - h / 2)) * 255 / 40, 0, 255).astype(np.uint8)
    rgba = Image.fromarray(np.dstack([upright, 255 - alpha]), "RGBA")
    camera = Image.open(os.path.join(PHOTOS, "camera.png")).crop((96, 32, 416, 272)).resize((64, 48), Image.Resampling.LANCZOS)
    la = Image.merge("LA", (camera, Image.fromarray(alpha)))
    for name, im, options in [("rgba.png", rgba, {}), ("la.png", la, {}), ("rgb.bmp", cat, {}), ("palette.bmp", cat.quantize(64), {}),
                              ("lossless.webp", cat, {"lossless": True}), ("alpha.webp", rgba, {"lossless": True})]:
        path = write(name, encoded(im, name.split(".")[1].upper(), **options))
        cases.append(exact("fixtures", name, pil_rgb(path)))
    cases.append(exact("fixtures", "rgba.png", pil_rgb(os.path.join(IMAGES, "rgba.png"), (0, 128, 255)), (0, 128, 255)))
    for name, im, fmt, options in [("lossy.webp", cat, "WEBP", {"quality": 80}), ("gray.jpg", camera, "JPEG", {"quality": 92}),
                                   ("cmyk.jpg", cmyk(upright), "JPEG", {"quality": 92}),
                                   ("progressive.jpg", cat, "JPEG", {"quality": 90, "progressive": True})]:
        path = write(name, encoded(im, fmt, **options))
        cases.append(lossy("fixtures", name, pil_rgb(path), crop=24))

    # Hostile files, each with the facts a test asserts.
    jpeg = encoded(cat, "JPEG", quality=92)
    write("truncated-half.jpg", jpeg[:len(jpeg) // 2])
    whole = encoded(cat, "PNG")
    write("truncated.png", whole[:len(whole) // 2])
    # Valid chunks (CRCs recomputed) around zlib data with a damaged middle: complete, but not decodable.
    idat = zlib.compress(b"".join(b"\x00" + row.tobytes() for row in upright), 9)
    idat = idat[:len(idat) // 2] + bytes(b ^ 0x5A for b in idat[len(idat) // 2:len(idat) // 2 + 64]) + idat[len(idat) // 2 + 64:]
    write("corrupt.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
          + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    write("not-an-image.png", b"Hello, I am a text file that someone renamed to .png.\n")
    write("empty.png", b"")
    write("icon.ico", encoded(cat, "ICO", sizes=[(32, 32)]))
    # IHDR claims 100000 x 100000 (10^10 pixels); the IDAT holds two rows only.
    write("huge-ihdr.png", png(100_000, 100_000, 8, 2, [bytes(300_000)] * 2))
    # 12000 x 10000 = 1.2 * 10^8 pixels, just over the default limit and small enough that a missing check would allocate.
    write("over-limit.png", png(12_000, 10_000, 8, 2, [bytes(36_000)] * 2))


def photos(cases):
    for name in ["chelsea.png", "coffee.png", "astronaut.png", "motorcycle_left.png", "camera.png", "checker_bilevel.png",
                 "palette_color.png", "palette_gray.png", "green_palette.png", "foo3x5x4indexed.png", "horse.png", "logo.png",
                 "no_time_for_that_tiny.gif"]:
        cases.append(exact("photos", name, pil_rgb(os.path.join(PHOTOS, name))))
    cases.append(exact("photos", "horse.png", pil_rgb(os.path.join(PHOTOS, "horse.png"), (0, 128, 255)), (0, 128, 255)))
    for name in ["rocket.jpg", "retina.jpg", "hubble_deep_field.jpg"]:
        cases.append(lossy("photos", name, pil_rgb(os.path.join(PHOTOS, name))))


def main():
    if not os.path.isdir(PHOTOS):
        raise SystemExit(f"No photos at {PHOTOS}: apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb")
    cases = []
    photos(cases)
    derived(cases)
    with open(os.path.join(HERE, "photos.expected.json"), "w") as f:
        # One case per line: reviewable diffs, compact file.
        generator = json.dumps(f"generate_image_fixtures.py (Pillow {Image.__version__}, numpy {np.__version__})")
        f.write('{"generator": ' + generator + ', "cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n")


if __name__ == "__main__":
    main()
