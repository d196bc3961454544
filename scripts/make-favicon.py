# Writes public/favicon.ico (32x32, PNG inside ICO) from the same shapes as public/favicon.svg:
# an indigo rounded square and a white speech bubble. Run: python3 scripts/make-favicon.py
import struct, zlib

S = 32
def inside_round_rect(x, y, x0, y0, x1, y1, r):
    cx = min(max(x, x0 + r), x1 - r); cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and x0 <= x <= x1 and y0 <= y <= y1

def bubble(x, y):
    if inside_round_rect(x, y, 9, 8, 23, 20, 3.5):
        return True
    # the tail: from (11, 20) down to (11, 23.5) and across to (15, 20)
    return 11 <= x <= 15 and 20 <= y <= 23.5 and (x - 11) <= (23.5 - y) * 4 / 3.5

rows = []
for py in range(S):
    row = bytearray([0])
    for px in range(S):
        cov_bg = cov_fg = 0
        for sy in range(4):
            for sx in range(4):
                x, y = px + (sx + 0.5) / 4, py + (sy + 0.5) / 4
                if inside_round_rect(x, y, 0, 0, 32, 32, 8):
                    cov_bg += 1
                    cov_fg += bubble(x, y)
        a = round(255 * cov_bg / 16)
        t = cov_fg / cov_bg if cov_bg else 0
        r, g, b = (round(c0 + (255 - c0) * t) for c0 in (0x4F, 0x46, 0xE5))
        row += bytes([r, g, b, a])
    rows.append(bytes(row))

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", S, S, 8, 6, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", S, S, 0, 0, 1, 32, len(png), 6 + 16) + png
open("public/favicon.ico", "wb").write(ico)
