"""The notice's QR code: a regular QR code, error correction M, as an inline SVG.

Every estate's notice and every building's sheet carries its own code (its URL holds the
version), about sixteen per estate. zxing-cpp encodes one in about 0.3 ms with libzint in
C++; segno, pure Python, took about 5 ms even with its mask search done row-wise, which
was the largest single cost of rendering an estate. zxing-cpp gives the module matrix;
the SVG is drawn here as one path of horizontal runs (what segno drew), so a code is
about 2 KB and scales without blur in print.

Choosing the mask was most of that 0.3 ms: libzint scores all eight masks module by
module (ISO/IEC 18004 §7.8.3; qr.c's qr_evaluate) and keeps the lowest. Here libzint
encodes with mask 0 only; the other seven codes are that one XOR a constant of the code's
size, and each is scored held as one integer, every rule a few shifts and bit counts
(:class:`_Board`): libzint's own choice, module for module, in 0.11 ms instead of 0.29.
tests/test_map_fastpaths.py holds it to libzint's choice on every size from version 1 to
20 and on versions 24, 32 and 39, so a zxing-cpp whose libzint scores otherwise fails
there, not in a lobby.
"""

from __future__ import annotations

import html
import re

import zxingcpp
from markupsafe import Markup

SCALE = 4  # SVG units per module
BORDER = 2  # modules of quiet zone on each side; the notice's white frame adds more
# One gap and the run of dark modules after it, as zxingcpp.Image's bytes (0 dark, 255
# light).
_GAP_AND_RUN = re.compile(rb"\xff*\x00+")


class _Moves(dict):
    """A gap and run → its stroke inside a row ("m2 0h3"): a code has some 350 runs but
    only a few dozen distinct ones, so each is formatted once per process."""

    def __missing__(self, piece: bytes) -> str:
        run = len(piece.lstrip(b"\xff"))
        text = self[piece] = f"m{len(piece) - run} 0h{run}"
        return text


_MOVES = _Moves()


def qr_matrix(url: str) -> list[bytes]:
    """The code's modules, one ``bytes`` per row (0 dark, 255 light), no quiet zone."""
    side, flat = _encode(url, 0)
    return _board(side, url).best(flat)


def _encode(url: str, mask: int) -> tuple[int, bytes]:
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=mask)
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    return image.shape[0], image.tobytes()


# libzint's score for a code under each mask (qr.c, qr_evaluate): a run of five or more
# modules of one colour in a row or column scores its length less 2; each 2×2 block of
# one colour 3; each 1011101 in a row or column with four light modules (or the edge)
# before or after it 40; and 10 for every whole 5 % the dark share is off 50 %. Ties go
# to the lower mask.
GUARD = 4  # light modules around the code in the integer: rule 3's four beyond an edge
_AS_BITS = bytes.maketrans(b"\x00\xff", b"10")
_AS_BYTES = bytes.maketrans(b"10", b"\x00\xff")


class _Board:
    """One code size's geometry as bits of an integer (module (x, y) at bit
    ``offset + (side-1-y)*stride + side-1-x``: the code turned half a turn, which no rule
    can tell; rows GUARD light bits apart, GUARD light rows around), and what each mask
    changes in a code masked with mask 0: the masks touch the same modules, and the
    format bits the same places, whatever the data, so each mask's code is mask 0's
    code XOR a constant of the size."""

    def __init__(self, side: int, url: str):
        self.side, self.stride = side, side + GUARD
        self.offset = GUARD * self.stride
        row = (1 << side) - 1
        self.modules = sum(row << (self.offset + y * self.stride) for y in range(side))
        self.board = (1 << ((side + 2 * GUARD) * self.stride)) - 1
        masked_0 = self.bits(_encode(url, 0)[1])
        self.changes = [0] + [self.bits(_encode(url, k)[1]) ^ masked_0 for k in range(1, 8)]

    def bits(self, flat: bytes) -> int:
        side, text = self.side, flat.translate(_AS_BITS)
        rows = b"0" * GUARD
        return (
            int(rows.join(text[y * side : (y + 1) * side] for y in range(side)), 2) << self.offset
        )

    def rows(self, code: int) -> list[bytes]:
        side, stride = self.side, self.stride
        text = f"{code >> self.offset:0{side * stride - GUARD}b}".encode().translate(_AS_BYTES)
        return [text[y * stride : y * stride + side] for y in range(side)]

    def best(self, flat: bytes) -> list[bytes]:
        """The code masked as libzint would have, given it masked with mask 0."""
        code = self.bits(flat)
        codes = [code ^ change for change in self.changes]
        scores = [self.score(masked) for masked in codes]
        return self.rows(codes[scores.index(min(scores))])

    def score(self, dark: int) -> int:
        across, down = 1, self.stride
        light = self.modules & ~dark
        beyond = self.board & ~dark  # light, and the light margin around the code
        score = 0
        for step in (across, down):
            for colour in (dark, light):
                score += _runs(colour, step)
            score += 40 * _finder_like(dark, light, beyond, step)
        for colour in (dark, light):
            block = colour & (colour >> across)
            score += 3 * (block & (block >> down)).bit_count()
        share = (100.0 * dark.bit_count()) / (self.side * self.side)
        return score + 10 * int(abs(share - 50.0) / 5.0)


def _runs(colour: int, step: int) -> int:
    """Rule 1 in one direction: a run of n ≥ 5 holds n - 4 windows of five, + 2 a run."""
    five = colour & (colour >> step)
    five &= five >> (2 * step)
    five &= colour >> (4 * step)
    if not five:
        return 0
    return five.bit_count() + 2 * (five & ~(five << step)).bit_count()


def _finder_like(dark: int, light: int, beyond: int, step: int) -> int:
    """Rule 3 in one direction: the 1011101 patterns with four light before or after."""
    middle = dark & (dark >> step)
    middle &= dark >> (2 * step)  # three dark from here
    found = dark & (light >> step) & (middle >> (2 * step)) & (light >> (5 * step))
    found &= dark >> (6 * step)
    if not found:
        return 0
    four = beyond & (beyond >> step)
    four &= four >> (2 * step)  # four light from here
    return (found & ((four << (4 * step)) | (four >> (7 * step)))).bit_count()


_BOARDS: dict[int, _Board] = {}


def _board(side: int, url: str) -> _Board:
    board = _BOARDS.get(side)
    if board is None:
        board = _BOARDS[side] = _Board(side, url)
    return board


def qr_svg(url: str) -> Markup:
    """The code for ``url`` as an inline SVG named for screen readers."""
    rows = qr_matrix(url)
    size = len(rows) + 2 * BORDER
    label = html.escape("二维码：" + url)
    return Markup(
        f'<svg role="img" aria-label="{label}" viewBox="0 0 {size * SCALE} {size * SCALE}">'
        f'<g transform="scale({SCALE})"><path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
        f'<path stroke="#000" d="M{BORDER} {BORDER}.5{_strokes(rows)}"/></g></svg>'
    )


def _strokes(rows: list[bytes]) -> str:
    """One stroke through the centres of each run of dark modules, each move relative to
    where the last stroke ended (segno's compact form: about 2 KB a code)."""
    out: list[str] = []
    pen_x = pen_y = 0
    for y, row in enumerate(rows):
        pieces = _GAP_AND_RUN.findall(row)
        if not pieces:
            continue
        # A row's first run moves from the end of the last row's last run.
        first = pieces[0]
        run = len(first.lstrip(b"\xff"))
        out.append(f"m{len(first) - run - pen_x} {y - pen_y}h{run}")
        if len(pieces) > 1:
            out.extend(map(_MOVES.__getitem__, pieces[1:]))
        pen_x, pen_y = len(row.rstrip(b"\xff")), y
    return "".join(out)
