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
# zxingcpp.Image has 0 for a dark module and 255 for a light one: as text, "1" and "0".
_AS_TEXT = bytes.maketrans(b"\x00\xff", b"10")
_GAP_AND_RUN = re.compile(r"(0*)(1+)")


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
        x = 0
        for gap, run in _GAP_AND_RUN.findall(row.translate(_AS_TEXT).decode("ascii")):
            if x == 0:
                out.append(f"m{len(gap) - pen_x} {y - pen_y}h{len(run)}")
            else:
                out.append(f"m{len(gap)} 0h{len(run)}")
            x += len(gap) + len(run)
        if x:
            pen_x, pen_y = x, y
    return "".join(out)
