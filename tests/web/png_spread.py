"""Whether a PNG (8-bit RGB or RGBA, not interlaced) shows something: at least 50 colours and
a standard deviation of brightness of at least 10 (of 255). Prints what it measured."""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "only 8-bit RGB or RGBA"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def main(path):
    width, height, channels, rows = pixels(path)
    colours, total, total2, n = set(), 0.0, 0.0, 0
    for row in rows[::4]:
        for x in range(0, width, 4):
            r, g, b = row[x * channels:x * channels + 3]
            colours.add((r, g, b))
            v = 0.2126 * r + 0.7152 * g + 0.0722 * b
            total += v
            total2 += v * v
            n += 1
    mean = total / n
    std = max(0.0, total2 / n - mean * mean) ** 0.5
    print(f"  canvas: {width}x{height}, {len(colours)} colours sampled, brightness {mean:.1f} +- {std:.1f}")
    return 0 if len(colours) >= 50 and std >= 10 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
