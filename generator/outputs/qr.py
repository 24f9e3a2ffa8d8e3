"""The notice's QR code: a regular QR code, error correction M, as an inline SVG.

Every estate's notice and every building's sheet carries its own code (its URL holds the
version), about sixteen per estate. zxing-cpp encodes one in about 0.3 ms with libzint in
C++; segno, pure Python, took about 5 ms even with its mask search done row-wise, which
was the largest single cost of rendering an estate. zxing-cpp gives the module matrix;
the SVG is drawn here as one path of horizontal runs (what segno drew), so a code is
about 2 KB and scales without blur in print.
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
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    flat = image.tobytes()
    return [flat[row * width : (row + 1) * width] for row in range(height)]


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
