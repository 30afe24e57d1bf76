"""Connector QR codes: the content format ``{qr_base_url}/{charge_point_id}/{connector_id}`` (built
and parsed here, nowhere else) and printable PNG / SVG images with the charge point id and connector
printed under the code. segno computes the code's modules; the images are drawn here (a 5x7 pixel
font for the label, PNG written with zlib) so no imaging library is needed."""

from __future__ import annotations

import re
import struct
import zlib
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape


QUIET = 4                        # modules of white border the QR standard asks for
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 128, 2048, 512
_CP_ID = re.compile(r"^[A-Za-z0-9._:*+|@-]{1,48}$")
_CONNECTOR = re.compile(r"^[1-9][0-9]{0,8}$")


class InvalidQr(ValueError):
    """Not a connector code of this system."""


def build_content(base_url: str, charge_point_id: str, connector_id: int) -> str:
    return f"{base_url.rstrip('/')}/{quote(charge_point_id, safe='')}/{connector_id}"


def parse_content(base_url: str, content: str) -> tuple[str, int]:
    """(charge point id, connector id) of a code made by :func:`build_content` with this base URL.
    Scheme and host compare case-insensitively; a trailing slash, query or fragment is ignored."""
    text = (content or "").strip()
    base = urlsplit(base_url.rstrip("/"))
    got = urlsplit(text)
    if (got.scheme.lower(), got.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()) or not got.scheme:
        raise InvalidQr("this QR code is not a charging code of this system")
    prefix = base.path.rstrip("/") + "/"
    if not got.path.startswith(prefix):
        raise InvalidQr("this QR code is not a charging code of this system")
    parts = got.path[len(prefix):].strip("/").split("/")
    if len(parts) != 2:
        raise InvalidQr("this QR code is not a charging code of this system")
    cp_id, connector = unquote(parts[0]), parts[1]
    if not _CP_ID.match(cp_id) or not _CONNECTOR.match(connector):
        raise InvalidQr("this QR code is not a charging code of this system")
    return cp_id, int(connector)


def label(charge_point_id: str, connector_id: int) -> str:
    return f"{charge_point_id} #{connector_id}"


def _matrix(content: str) -> list[bytes]:
    import segno        # ~80 ms to import: paid by the first code drawn, not by every start
    code = segno.make_qr(content, error="m")
    return [bytes(row) for row in code.matrix]


# -- PNG -------------------------------------------------------------------------------------------------
_GLYPHS_SRC = {
    "0": ".###. #...# #..## #.#.# ##..# #...# .###.", "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
    "2": ".###. #...# ....# ...#. ..#.. .#... #####", "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
    "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.", "5": "##### #.... ####. ....# ....# #...# .###.",
    "6": "..##. .#... #.... ####. #...# #...# .###.", "7": "##### ....# ...#. ..#.. .#... .#... .#...",
    "8": ".###. #...# #...# .###. #...# #...# .###.", "9": ".###. #...# #...# .#### ....# ...#. .##..",
    "A": ".###. #...# #...# ##### #...# #...# #...#", "B": "####. #...# #...# ####. #...# #...# ####.",
    "C": ".###. #...# #.... #.... #.... #...# .###.", "D": "###.. #..#. #...# #...# #...# #..#. ###..",
    "E": "##### #.... #.... ####. #.... #.... #####", "F": "##### #.... #.... ####. #.... #.... #....",
    "G": ".###. #...# #.... #.### #...# #...# .####", "H": "#...# #...# #...# ##### #...# #...# #...#",
    "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
    "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#", "L": "#.... #.... #.... #.... #.... #.... #####",
    "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#", "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
    "O": ".###. #...# #...# #...# #...# #...# .###.", "P": "####. #...# #...# ####. #.... #.... #....",
    "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#", "R": "####. #...# #...# ####. #.#.. #..#. #...#",
    "S": ".#### #.... #.... .###. ....# ....# ####.", "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "U": "#...# #...# #...# #...# #...# #...# .###.", "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
    "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.", "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
    "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..", "Z": "##### ....# ...#. ..#.. .#... #.... #####",
    "a": "..... ..... .###. ....# .#### #...# .####", "b": "#.... #.... #.##. ##..# #...# #...# ####.",
    "c": "..... ..... .###. #.... #.... #...# .###.", "d": "....# ....# .##.# #..## #...# #...# .####",
    "e": "..... ..... .###. #...# ##### #.... .###.", "f": "..##. .#..# .#... ###.. .#... .#... .#...",
    "g": "..... .#### #...# #...# .#### ....# .###.", "h": "#.... #.... #.##. ##..# #...# #...# #...#",
    "i": "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.", "j": "...#. ..... ..##. ...#. ...#. #..#. .##..",
    "k": "#.... #.... #..#. #.#.. ##... #.#.. #..#.", "l": ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
    "m": "..... ..... ##.#. #.#.# #.#.# #...# #...#", "n": "..... ..... #.##. ##..# #...# #...# #...#",
    "o": "..... ..... .###. #...# #...# #...# .###.", "p": "..... ..... ####. #...# ####. #.... #....",
    "q": "..... ..... .##.# #..## .#### ....# ....#", "r": "..... ..... #.##. ##..# #.... #.... #....",
    "s": "..... ..... .###. #.... .###. ....# ####.", "t": ".#... .#... ###.. .#... .#... .#..# ..##.",
    "u": "..... ..... #...# #...# #...# #..## .##.#", "v": "..... ..... #...# #...# #...# .#.#. ..#..",
    "w": "..... ..... #...# #...# #.#.# #.#.# .#.#.", "x": "..... ..... #...# .#.#. ..#.. .#.#. #...#",
    "y": "..... ..... #...# #...# .#### ....# .###.", "z": "..... ..... ##### ...#. ..#.. .#... #####",
    ".": "..... ..... ..... ..... ..... .##.. .##..", "_": "..... ..... ..... ..... ..... ..... #####",
    ":": "..... .##.. .##.. ..... .##.. .##.. .....", "*": "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
    "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....", "|": "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
    "@": ".###. #...# #.### #.#.# #.### #.... .####", "-": "..... ..... ..... ##### ..... ..... .....",
    "/": "..... ....# ...#. ..#.. .#... #.... .....", "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
    " ": "..... ..... ..... ..... ..... ..... .....", "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
}
GLYPHS = {ch: tuple(src.split()) for ch, src in _GLYPHS_SRC.items()}
GLYPH_W, GLYPH_H = 5, 7


def _text_rows(text: str) -> list[list[bool]]:
    """The label as 7 rows of pixels, one blank column between characters."""
    rows: list[list[bool]] = [[] for _ in range(GLYPH_H)]
    for i, ch in enumerate(text):
        glyph = GLYPHS.get(ch, GLYPHS["?"])
        for y in range(GLYPH_H):
            if i:
                rows[y].append(False)
            rows[y].extend(c == "#" for c in glyph[y])
    return rows


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit greyscale PNG of ``rows`` (each ``width`` bytes, 0 black .. 255 white)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def clamp_size(size: int | None) -> int:
    return DEFAULT_SIZE if size is None else max(MIN_SIZE, min(MAX_SIZE, size))


def render_png(content: str, caption: str, size: int = DEFAULT_SIZE) -> bytes:
    """The code about ``size`` pixels wide (whole pixels per module), ``caption`` printed under it."""
    matrix = _matrix(content)
    n = len(matrix) + 2 * QUIET
    scale = max(1, clamp_size(size) // n)
    qr_w = n * scale
    text = _text_rows(caption)
    text_px = len(text[0])
    ts = max(1, min(scale, qr_w // (text_px + 4)))      # text pixels: at most a module, fits the width
    width = max(qr_w, (text_px + 4) * ts)
    white, black = b"\xff", b"\x00"
    left = (width - qr_w) // 2
    rows: list[bytes] = []
    blank = white * width
    for y in range(n):
        m = y - QUIET
        if 0 <= m < len(matrix):
            line = bytearray(white * (QUIET * scale))
            for v in matrix[m]:
                line += (black if v else white) * scale
            line += white * (QUIET * scale)
            row = white * left + bytes(line) + white * (width - left - qr_w)
        else:
            row = blank
        rows.extend([row] * scale)
    tleft = (width - text_px * ts) // 2
    for y in range(GLYPH_H):
        line = bytearray(white * tleft)
        for on in text[y]:
            line += (black if on else white) * ts
        line += white * (width - len(line))
        rows.extend([bytes(line)] * ts)
    rows.extend([blank] * max(scale * 2, ts * 2))
    return _png(width, len(rows), rows)


def render_svg(content: str, caption: str, size: int = DEFAULT_SIZE) -> str:
    """A scalable code, ``caption`` as its title and printed under it (units: modules)."""
    matrix = _matrix(content)
    n = len(matrix) + 2 * QUIET
    font = round(min(3.0, n * 1.6 / max(1, len(caption))), 2)
    height = n + font * 0.5
    path = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                run = x - start
                path.append(f"M{start + QUIET} {y + QUIET}h{run}v1h-{run}z")
            else:
                x += 1
    px = clamp_size(size)
    title = escape(caption)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{round(px * height / n)}" '
            f'viewBox="0 0 {n} {height:g}"><title>{title}</title>'
            f'<rect width="{n}" height="{height:g}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(path)}"/>'
            f'<text x="{n / 2:g}" y="{n - QUIET / 2 + font * 0.8:g}" font-family="monospace" font-size="{font:g}" '
            f'text-anchor="middle" fill="#000">{title}</text></svg>\n')
