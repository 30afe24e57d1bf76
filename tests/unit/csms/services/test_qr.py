"""QR content format and the rendered images."""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from csms.services import qr

BASE = "https://csms.example.com/qr"


def test_content_round_trip():
    for cp_id in ("CP-1", "a.b_c:d*e+f|g@h", "X" * 48):
        content = qr.build_content(BASE, cp_id, 12)
        assert content.startswith(BASE + "/")
        assert qr.parse_content(BASE, content) == (cp_id, 12)
    assert qr.build_content(BASE + "/", "CP", 1) == BASE + "/CP/1"


@pytest.mark.parametrize("content", ["", "CP-1/1", "http://csms.example.com/qr/CP/1", "https://other.com/qr/CP/1",
                                     BASE + "/CP", BASE + "/CP/0", BASE + "/CP/-1", BASE + "/CP/1/2",
                                     BASE + "x/CP/1", BASE + "/%2F/1", BASE + "/CP/1234567890", BASE + "//1"])
def test_foreign_or_broken_codes(content):
    with pytest.raises(qr.InvalidQr):
        qr.parse_content(BASE, content)


def test_lenient_parsing():
    assert qr.parse_content(BASE, f"  {BASE}/CP/3/?x=1#y ") == ("CP", 3)
    assert qr.parse_content(BASE, "HTTPS://CSMS.EXAMPLE.COM/qr/CP/3") == ("CP", 3)


def _decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = 0
    while pos < len(data):
        length, = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 0)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = [raw[i * (width + 1) + 1:(i + 1) * (width + 1)] for i in range(height)]
    assert all(raw[i * (width + 1)] == 0 for i in range(height))
    return width, height, rows


@pytest.mark.parametrize("size", [qr.MIN_SIZE, 512, qr.MAX_SIZE])
def test_png_is_a_valid_image_with_the_label_under_the_code(size):
    w, h, rows = _decode_png(qr.render_png(qr.build_content(BASE, "CP-1", 2), qr.label("CP-1", 2), size))
    assert w <= max(size, 400) and h > w
    dark = [i for i, r in enumerate(rows) if 0 in r]
    code_rows = [i for i in dark if i < w]
    label_rows = [i for i in dark if i >= w - 4]
    assert code_rows and label_rows                 # modules, then text below them
    assert set(b"".join(rows)) <= {0, 255}


def test_size_is_bounded():
    assert qr.clamp_size(1) == qr.MIN_SIZE and qr.clamp_size(10**6) == qr.MAX_SIZE and qr.clamp_size(None) == 512


def test_svg_has_the_label_as_title_and_text():
    svg = qr.render_svg(qr.build_content(BASE, "CP<&>", 1), qr.label("CP<&>", 1))
    assert "<title>CP&lt;&amp;&gt; #1</title>" in svg
    assert re.search(r"<text [^>]*>CP&lt;&amp;&gt; #1</text>", svg)
    assert svg.count("<path") == 1


def test_every_label_character_has_a_glyph():
    allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:*+|@-# "
    for ch in allowed:
        glyph = qr.GLYPHS[ch]
        assert len(glyph) == qr.GLYPH_H and all(len(row) == qr.GLYPH_W for row in glyph), ch
    assert len({qr.GLYPHS[c] for c in allowed}) == len(allowed)     # no two characters look alike
