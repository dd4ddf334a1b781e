#!/usr/bin/python3
"""Renders a stand-in for Chars74K's EnglishImg set, which cannot be downloaded here.

The 62 classes (0-9, A-Z, a-z) are drawn with the TrueType fonts of Debian's font packages,
cropped closely as the real pictures are, with random font, size, margins, rotation, colours,
background (flat or gradient), blur and noise, into the real layout and file naming: English/Img/GoodImg/Bmp/SampleNNN/imgNNN-XXXXX.png,
7 705 images in all as in the real set. It is NOT Chars74K: natural-scene photographs of
characters are harder. Point an experiment at the real set when you have it.

usage: render_chars74k_standin.py OUT_DIR [--images N] [--seed S]
"""
import argparse
import random
import string
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

CLASSES = string.digits + string.ascii_uppercase + string.ascii_lowercase  # Sample001..Sample062
FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation2",
             "/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/freefont"]


def fonts():
    found = sorted(str(p) for d in FONT_DIRS for p in Path(d).glob("*.ttf"))
    if not found:
        raise SystemExit("no TrueType fonts found: install fonts-dejavu-core, fonts-liberation2, fonts-freefont-ttf")
    return found


def random_colour(rng):
    return tuple(rng.randrange(256) for _ in range(3))


def contrasting(rng, background):
    while True:
        c = random_colour(rng)
        if sum(abs(a - b) for a, b in zip(c, background)) > 200:
            return c


def background(rng, w, h):
    a = random_colour(rng)
    if rng.random() < 0.5:
        return Image.new("RGB", (w, h), a), a
    b = random_colour(rng)
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / max(1, h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(round(x + (y2 - x) * t) for x, y2 in zip(a, b)))
    return img, tuple((x + y) // 2 for x, y in zip(a, b))


def render(rng, char, font_files):
    # Chars74K's GoodImg pictures are crops tight around one character: render the glyph
    # first, then size the picture around it with a small margin.
    font = ImageFont.truetype(rng.choice(font_files), size=rng.randint(20, 72))
    glyph = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(glyph).text((50, 40), char, font=font, fill=255)
    glyph = glyph.rotate(rng.uniform(-12, 12), resample=Image.BILINEAR)
    glyph = glyph.crop(glyph.getbbox() or (0, 0, 1, 1))
    w = max(8, round(glyph.width * rng.uniform(1.05, 1.5)))
    h = max(8, round(glyph.height * rng.uniform(1.05, 1.3)))
    img, mean_bg = background(rng, w, h)
    dx = rng.randint(0, w - glyph.width)
    dy = rng.randint(0, h - glyph.height)
    img.paste(Image.new("RGB", glyph.size, contrasting(rng, mean_bg)), (dx, dy), glyph)
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    if rng.random() < 0.5:
        noise = Image.effect_noise((w, h), rng.uniform(5, 40)).convert("RGB")
        img = Image.blend(img, noise, rng.uniform(0.05, 0.2))
    return img


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--images", type=int, default=7705)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    font_files = fonts()
    root = args.out / "English" / "Img" / "GoodImg" / "Bmp"
    counter = 0
    for k in range(args.images):
        label = k % len(CLASSES)
        folder = root / f"Sample{label + 1:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        counter += 1
        render(rng, CLASSES[label], font_files).save(folder / f"img{label + 1:03d}-{counter:05d}.png")
    (args.out / "STAND-IN.txt").write_text(
        "A rendered stand-in for Chars74K EnglishImg (see scripts/data/render_chars74k_standin.py).\n"
        f"{args.images} images, 62 classes, fonts: {len(font_files)}, seed {args.seed}. Not the real data set.\n")
    print(f"rendered {args.images} images with {len(font_files)} fonts into {root}")


if __name__ == "__main__":
    main()
