#!/usr/bin/env python3
"""Writes the ImageDecodingTests fixtures: small images encoded by Pillow, each beside a `.gray` file
holding the 8-bit grayscale pixels Pillow decodes from it (row-major, width*height bytes). Pillow cannot
write an interlaced PNG, so pypng (pure Python) writes that one; Pillow still decodes it for the expectation.

The expected pixels are Pillow's own: `convert('L')` (ITU-R 601 luma, L = (19595 R + 38470 G + 7471 B
+ 32768) >> 16). Two rules ImageDecoding documents are applied on top, because Pillow has no opinion:
- 16-bit samples are scaled to 8 bits with rounding, round(v * 255 / 65535) (Pillow's own `convert('L')`
  of a 16-bit gray image clips at 255);
- alpha is composited over a background that contrasts with the ink: white when the alpha-weighted mean
  gray is below 128, black otherwise: out = round((L * a + bg * (255 - a)) / 255).

Run from anywhere with the project's test virtualenv (Makefile PEER_PACKAGES has pillow and pypng): .venv/bin/python Tests/ImageDecodingTests/Fixtures/make_fixtures.py
"""
import array
import os

import png  # pypng
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def rgb_pattern(width, height):
    """Colour gradients with a dark ring, so channels and edges differ everywhere."""
    im = Image.new("RGB", (width, height))
    cx, cy, r = width / 2, height / 2, min(width, height) / 3
    for y in range(height):
        for x in range(width):
            d = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
            if abs(d - r) < 2:
                im.putpixel((x, y), (20, 30, 200 if x < cx else 10))
            else:
                im.putpixel((x, y), (x * 255 // (width - 1), y * 255 // (height - 1), (x * y * 7) % 256))
    return im


def digit(width, height):
    """A white '7' on black: MNIST style."""
    im = Image.new("L", (width, height), 0)
    for y in range(height):
        for x in range(width):
            top = 5 <= y <= 8 and 6 <= x <= 21
            stem = 8 <= y <= 23 and abs(x - (21 - (y - 8) * 0.6)) < 2
            if top or stem:
                im.putpixel((x, y), 255 - (x + y) % 3 * 20)
            elif (x + y) % 11 == 0:
                im.putpixel((x, y), 9)
    return im


def composite(gray, alpha):
    """ImageDecoding's alpha rule, in integers, on Pillow's gray and alpha planes."""
    g, a = list(gray.tobytes()), list(alpha.tobytes())
    weight = sum(a)
    background = 255 if weight > 0 and sum(p * w for p, w in zip(g, a)) < 128 * weight else 0
    out = [(p * w + background * (255 - w) + 127) // 255 for p, w in zip(g, a)]
    result = Image.new("L", gray.size)
    result.putdata(out)
    return result


def write(name, image, expected, **save):
    path = os.path.join(HERE, name)
    image.save(path, **save)
    record(name, expected)


def record(name, expected):
    """Writes the `.gray` file: what Pillow decodes from the fixture, through `expected`."""
    path = os.path.join(HERE, name)
    decoded = Image.open(path)
    decoded.load()
    assert decoded.size == expected(decoded).size
    with open(os.path.join(HERE, os.path.splitext(name)[0] + ".gray"), "wb") as f:
        f.write(expected(decoded).tobytes())


def luma(decoded):
    return decoded.convert("L")


def with_alpha(decoded):
    rgba = decoded.convert("RGBA")
    return composite(rgba.convert("RGB").convert("L"), rgba.getchannel("A"))


def sixteen_bit(decoded):
    assert decoded.mode == "I;16"
    values = array.array("H", decoded.tobytes())  # I;16 is little-endian
    if array.array("H", b"\x01\x00")[0] != 1:
        values.byteswap()
    assert max(values) > 255, "expected 16-bit samples"
    out = Image.new("L", decoded.size)
    out.putdata([(v * 255 + 32767) // 65535 for v in values])
    return out


def main():
    write("gray28.png", digit(28, 28), luma)
    write("rgb40x30.png", rgb_pattern(40, 30), luma)
    # Odd sizes, so that every Adam7 pass is partial.
    pattern = rgb_pattern(21, 17)
    rows = [list(pattern.crop((0, y, 21, y + 1)).tobytes()) for y in range(17)]
    with open(os.path.join(HERE, "interlaced.png"), "wb") as f:
        png.Writer(21, 17, greyscale=False, interlace=True).write(f, rows)
    record("interlaced.png", luma)
    palette = rgb_pattern(24, 18).quantize(colors=12)
    write("palette.png", palette, luma)

    # Dark ink with graded alpha on a transparent background: composited over white.
    ink = Image.new("RGBA", (20, 16), (0, 0, 0, 0))
    for y in range(16):
        for x in range(20):
            if 4 <= x <= 15 and 3 <= y <= 12:
                ink.putpixel((x, y), (10 + x * 5, 40, 90 - y * 3, min(255, (x - 3) * 40)))
    write("rgba.png", ink, with_alpha)

    # Light ink on gray+alpha: composited over black.
    light = Image.new("LA", (18, 14), (0, 0))
    for y in range(14):
        for x in range(18):
            light.putpixel((x, y), (200 + x * 3, 255 if (x - 9) ** 2 + (y - 7) ** 2 < 20 else x * 14))
    write("gray_alpha.png", light, with_alpha)

    deep = Image.new("I;16", (20, 12))
    deep.putdata([(x * 3449 + y * 911 + (x * y) % 7 * 129) % 65536 for y in range(12) for x in range(20)])
    write("gray16.png", deep, sixteen_bit)

    write("baseline.jpg", rgb_pattern(30, 22), luma, quality=90)
    write("gray.jpg", digit(28, 28), luma, quality=90)
    write("progressive.jpg", rgb_pattern(33, 25), luma, quality=85, progressive=True)
    write("cmyk.jpg", rgb_pattern(20, 14).convert("CMYK"), luma, quality=90)


if __name__ == "__main__":
    main()
