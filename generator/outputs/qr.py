"""The notice's QR code, with segno's choice of mask made faster and kept the same.

A QR code is masked with the one of eight patterns that scores lowest on the standard's
four penalties (ISO/IEC 18004:2015, 7.8.3). segno applies and scores each pattern
module by module in Python, about 85 % of the ~8 ms a code costs, and every estate's
notice has its own code (its URL carries the version). Here the same choice is made
with whole rows at a time: a mask is one XOR of each row (the masks are worked out once
per symbol size with segno's own functions), runs of equal modules and 2 × 2 blocks are
counted with XOR and bit counts over every row and column at once, and the finder-like
pattern with segno's own search. Same scores, same mask, same symbol:
tests/test_qr.py compares the SVG with segno's own for many URLs.

Only segno 1.6, whose internals this follows, is sped up; another version keeps its own
way (slower, never different).
"""

from __future__ import annotations

import functools
import html

import segno
from markupsafe import Markup
from segno import encoder

SEGNO_VERSIONS = ("1.6.",)
_IS_ZERO = bytes([1] + [0] * 255)  # bytes.translate: 1 where a byte is 0, else 0
_N3 = b"\x01\x00\x01\x01\x01\x00\x01"  # dark light dark dark dark light dark
_APART = b"\xff"  # modules are 0 to 3


def qr_svg(url: str) -> Markup:
    """The notice's QR code: a regular (not Micro) QR code, error correction M."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    svg = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
    return Markup(
        svg.replace("<svg ", '<svg role="img" aria-label="二维码：' + html.escape(url) + '" ', 1)
    )


@functools.lru_cache(maxsize=64)
def _masks(width: int) -> tuple[tuple[int, ...], ...]:
    """Each of the eight mask patterns of a regular QR code ``width`` modules wide, as
    one integer per row (a byte per module: 1 where the pattern flips a data module)."""
    function = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(function, width, width)
    encoder.add_alignment_patterns(function, width, width)
    function[-8][8] = 0x1
    masks = []
    for pattern in encoder.get_data_mask_functions(False):
        rows = []
        for i in range(width):
            row = bytes(pattern(i, j) if function[i][j] > 0x1 else 0 for j in range(width))
            rows.append(int.from_bytes(row, "big"))
        masks.append(tuple(rows))
    return tuple(masks)


def _n3(seq: bytes, size: int) -> int:
    """segno's N3 (``mask_scores.n3_pattern_occurrences``), on one row or column."""
    count = 0
    idx = seq.find(_N3)
    while idx != -1:
        offset = idx + 7
        if (
            idx in (0, size - 7)
            or not any(seq[max(idx - 4, 0) : min(idx, size)])
            or not any(seq[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_N3, offset)
    return count


def _score(rows: list[bytes], size: int) -> int:
    """segno's ``evaluate_mask``: N1 + N2 + N3 + N4 of the masked matrix."""
    lines = rows + [bytes(column) for column in zip(*rows, strict=True)]
    # Every row and column in one text, apart by a byte no module has, so one pass of
    # the expression finds all runs: N1 is each run's length less 2.
    text = _APART.join(lines)
    # Where a module equals the next one: a run of L modules is L - 1 such places in a
    # row. With a bit per place, S4 marks each place that starts four in a row and S5
    # five; over the runs of 5 or more modules, L - 2 = 3 * |S4| - 2 * |S5| in all.
    equal = (int.from_bytes(text[1:], "big") ^ int.from_bytes(text[:-1], "big")).to_bytes(
        len(text) - 1, "big"
    )
    e = int.from_bytes(equal.translate(_IS_ZERO), "big")
    s4 = e & (e >> 8) & (e >> 16) & (e >> 24)
    n1 = 3 * s4.bit_count() - 2 * (s4 & (e >> 32)).bit_count()
    # N3 line by line as segno counts it, for the lines that have the pattern at all.
    n3, at = 0, text.find(_N3)
    while at != -1:
        line = at // (size + 1)
        n3 += _n3(lines[line], size)
        at = text.find(_N3, (line + 1) * (size + 1))
    n2 = 0
    # A 2 x 2 block of one colour: equal to the left neighbour in both rows, and equal
    # to the module above; as XORs, all three are zero bytes.
    previous = None
    for row in rows:
        if previous is not None:
            left = int.from_bytes(row[1:], "big") ^ int.from_bytes(row[:-1], "big")
            above = int.from_bytes(previous[1:], "big") ^ int.from_bytes(previous[:-1], "big")
            vertical = int.from_bytes(row[1:], "big") ^ int.from_bytes(previous[1:], "big")
            n2 += 3 * (left | above | vertical).to_bytes(size - 1, "big").count(0)
        previous = row
    dark = sum(b"".join(rows))
    percent = float(dark) / (size**2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _best_mask(matrix, width, height, proposed_mask=None):
    """``segno.encoder.find_and_apply_best_mask``, row-wise (see the module docstring)."""
    if (
        proposed_mask is not None
        or width != height
        or width < 21
        or max(max(row) for row in matrix) >= _APART[0]
    ):
        return _segno_best_mask(matrix, width, height, proposed_mask)
    plain = [int.from_bytes(row, "big") for row in matrix]
    best_score, best_pattern, best_rows = encoder._MAX_PENALTY_SCORE, None, None
    for number, mask in enumerate(_masks(width)):
        rows = [(a ^ b).to_bytes(width, "big") for a, b in zip(plain, mask, strict=True)]
        score = _score(rows, width)
        if score < best_score:
            best_score, best_pattern, best_rows = score, number, rows
    return best_pattern, tuple(bytearray(row) for row in best_rows)


_segno_best_mask = encoder.find_and_apply_best_mask
if segno.__version__.startswith(SEGNO_VERSIONS):
    encoder.find_and_apply_best_mask = _best_mask
