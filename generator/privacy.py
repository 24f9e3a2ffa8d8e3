"""The privacy guard: one place that decides what personal data looks like, and masks it.

Everything Sunlight publishes — pages, downloads, feeds, calendars, the search index,
notices, history, commit metadata, CI summaries and messages — is made of text that came
from a committee's cells, from git, or from our own findings. Each of those sources passes
its text through this module before it reaches an output:

- :func:`find` says where personal data is in a text (the ``no-personal-data`` rule uses it
  on every cell, id column, title and file name);
- :func:`mask` returns the text with each hit masked (138****5678), for messages and for old
  versions shown in history;
- :class:`Guard` adds the maintainers' takedown list (``data/redactions.yaml``) for what no
  pattern can detect — a wrong name, a resident's request — and applies both to typed rows,
  CSV files and free text.

Matching runs on a normalised view of the text (NFKC, so full-width digits and ＋ become ASCII;
zero-width characters dropped; Chinese numerals read as digits), and numbers are matched
across separators, so 138 1234 5678, 138.1234.5678, +86-138-1234-5678 and
１３８１２３４５６７８ are the same number. False positives are kept rare: money, dates,
fees such as 0.60 元/㎡·月, a unified social credit code and a building number alone are
not personal data, and an 18-digit ID-card number must carry a valid birth date and
checksum (GB 11643, via python-stdnum).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from stdnum import luhn
from stdnum.cn import ric

__all__ = [
    "KINDS",
    "Guard",
    "Hit",
    "Redaction",
    "allowed_kinds",
    "RedactionError",
    "could_hold",
    "find",
    "is_clean",
    "is_id_card",
    "load_redactions",
    "mask",
    "mask_number",
    "mask_name",
]

# kind: (Chinese, English) as findings name it.
KINDS: dict[str, tuple[str, str]] = {
    "mobile": ("手机号码", "a mobile phone number"),
    "landline": ("电话号码", "a phone number"),
    "id_card": ("身份证号码", "an ID-card number"),
    "bank_card": ("银行卡号", "a bank-card number"),
    "room": ("门牌号", "a room number"),
    "email": ("电子邮箱", "an e-mail address"),
    "wechat": ("微信号", "a WeChat id"),
    "plate": ("车牌号", "a car plate"),
    "redacted": ("已撤下的内容", "a value on the takedown list"),
}


@dataclass(frozen=True)
class Hit:
    """One piece of personal data: ``text[start:end]`` in the original text."""

    kind: str
    start: int
    end: int
    masked: str

    @property
    def zh(self) -> str:
        return KINDS[self.kind][0]

    @property
    def en(self) -> str:
        return KINDS[self.kind][1]


# --- normalisation ---------------------------------------------------------------------------

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064")
_CN_DIGITS = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True)) | {
    "两": "2",
    "幺": "1",
}


class _Table(dict):
    """str.translate's table, filled per character on first sight (NFKC is slow)."""

    def __missing__(self, code: int):
        ch = chr(code)
        if ch in _ZERO_WIDTH:
            value = None
        elif ch in _CN_DIGITS:
            value = _CN_DIGITS[ch]
        elif code < 128:
            value = code
        else:
            norm = unicodedata.normalize("NFKC", ch)
            # Only one-for-one: ㎡ would become "m2" and read as a digit.
            value = norm if len(norm) == 1 else code
        self[code] = value
        return value


_TABLE = _Table()


def _view(text: str) -> tuple[str, list[int] | None]:
    """The text as matching sees it, and for each of its characters the original index
    (None when they are the same: nothing was dropped).

    NFKC per character (full-width digits, ＋, ＠, （） become ASCII), zero-width characters
    dropped, Chinese numerals read as digits. One for one, so every matched span maps
    back to the original and masking never touches what it did not match.
    """
    view = text.translate(_TABLE)
    if len(view) == len(text):
        return view, None
    return view, [i for i, ch in enumerate(text) if ch not in _ZERO_WIDTH]


# --- numbers across separators ---------------------------------------------------------------

# A group of digits (an ID-card number may end in X), and what may stand between groups.
_GROUP = re.compile(r"\d+[Xx]?")
_SEPARATOR = re.compile(r"[ \t\-.·•_/()]{1,3}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
_KEYWORD_LOCAL = re.compile(
    r"(?:电话|座机|手机|联系方式|联系|热线|tel|phone|call)[^\d\n]{0,6}$", re.IGNORECASE
)
# Service numbers: organisations' by design, never a person's.
_SERVICE = re.compile(r"(?:400|800)\d{7}|9[56]\d{3,4}|12345|12315|110|119|120")


def _number_hits(view: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) in ``view`` for phone, ID-card and bank-card numbers.

    Digits are read in groups; neighbouring groups joined by one or two separators form a
    chain. From each group the longest run of following groups that reads as a number is
    taken, so 「2025-01-12 138 1234 5678」 finds the mobile and leaves the date alone.
    """
    chains: list[list[tuple[int, int]]] = []
    for m in _GROUP.finditer(view):
        start, end = m.span()
        if chains and _SEPARATOR.fullmatch(view[chains[-1][-1][1] : start]):
            chains[-1].append((start, end))
        else:
            chains.append([(start, end)])
    hits: list[tuple[str, int, int]] = []
    for chain in chains:
        i = 0
        while i < len(chain):
            # No number we look for is longer than 0086 + 11 digits or a 19-digit card.
            runs, digits = [], ""
            for j in range(i, len(chain)):
                group = view[chain[j][0] : chain[j][1]]
                # Numbers are written in groups of 3 or more after the first (138 1234
                # 5678, 6222 0212 …); 「1.41 1.41」 and 「12.5 13.2」 are lists of decimals.
                if j > i and len(group) < 3:
                    break
                if j == i and len(group) < 2 and j + 1 < len(chain):
                    break
                digits += group
                if len(digits) > 21:
                    break
                runs.append((j, digits))
            for j, digits in reversed(runs):
                if len(digits) not in _LENGTHS:
                    continue
                start, end = chain[i][0], chain[j][1]
                # Glued to letters: a code (credit code, invoice number), not a number.
                if _glued(view, start, end) or "X" in digits.upper()[:-1]:
                    continue
                kind, prefix = _classify(digits, view[max(0, start - 16) : start])
                # The old 15-digit ID is read only when written in one piece: spaced-out
                # digits join into 15 far too easily.
                if kind == "id_card" and len(digits) == 15 and j > i:
                    continue
                if kind:
                    # (021) 6458 1234: the area code's opening bracket is part of it.
                    if not prefix and start and view[start - 1] == "(" and ")" in view[start:end]:
                        prefix = 1
                    hits.append((kind, start - prefix, end))
                    i = j
                    break
            i += 1
    return hits


# The lengths _classify can name (local 7–8, landline 10–13, mobile 11/13/15, ID 15/18,
# bank card 16–19): other runs are skipped without a look.
_LENGTHS = frozenset({7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 19})


def _glued(view: str, start: int, end: int) -> bool:
    before = view[start - 1] if start else ""
    after = view[end] if end < len(view) else ""
    return bool(re.match(r"[A-Za-z]", before) or re.match(r"[A-Za-z]", after))


def _classify(digits: str, before: str) -> tuple[str | None, int]:
    """What a run of digits is, and how many characters of prefix (+, 00) belong to it."""
    d = digits.upper()
    prefix = 1 if before.endswith("+") else 0
    if d.startswith("0086") and _MOBILE.fullmatch(d[4:]):
        return "mobile", prefix
    if d.startswith("86") and _MOBILE.fullmatch(d[2:]):
        return "mobile", prefix
    if _MOBILE.fullmatch(d):
        return "mobile", prefix
    if len(d) in (15, 18) and _id_card(d):
        return "id_card", 0
    if "X" in d:
        return None, 0
    if 16 <= len(d) <= 19 and d[0] in "3456" and luhn.is_valid(d):
        return "bank_card", 0
    if _SERVICE.fullmatch(d):
        return None, 0
    if _LANDLINE.fullmatch(d):
        return "landline", 0
    if d.startswith("86") and _LANDLINE.fullmatch("0" + d[2:]):
        return "landline", prefix
    if len(d) in (7, 8) and d[0] in "23456789" and _KEYWORD_LOCAL.search(before[-12:]):
        return "landline", 0
    return None, 0


def is_id_card(number: str) -> bool:
    """Whether ``number`` (any width, separators allowed) is a resident ID-card number."""
    view, _ = _view(number)
    digits = re.sub(r"[^\dXx]", "", view).upper()
    return len(digits) in (15, 18) and _id_card(digits)


def _id_card(d: str) -> bool:
    """GB 11643: six-digit region (first digit 1–8), a birth date, a checksum (18 digits)."""
    if d[0] not in "12345678":
        return False
    if len(d) == 18:
        # The checksum, not stdnum's is_valid: that also looks the region up in a table
        # that lags new districts, and a miss there would publish a real number.
        if not d[:17].isdigit() or ric.calc_check_digit(d) != d[17]:
            return False
        birth = d[6:14]
    else:
        if not d.isdigit():
            return False
        birth = "19" + d[6:12]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


# --- the other forms -------------------------------------------------------------------------

# After a room number: not more digits, and not a unit that makes it a quantity or a year.
_NOT_A_QUANTITY = (
    r"(?![\d.*]|,\d|[ \t]*(?:年|月|日|元|万|千|百|㎡|平|个|人|户|台|部|次|%|米|辆|位|件|天|小时|期"
    r"|号楼|楼|幢|栋|层|-\d))"
)
_ROOM_PATTERNS = [
    # 3号楼502室, 3幢502, 3栋2单元502, 12号302
    re.compile(
        r"(?<![\dA-Za-z])\d{1,4}[ \t]*(?:号楼|号|幢|栋|楼|座)[ \t]*(?:\d{1,2}[ \t]*单元[ \t]*)?\d{3,4}[ \t]*(?:室|号房|号)?"
        + _NOT_A_QUANTITY
    ),
    # 2单元502
    re.compile(r"(?<![\dA-Za-z])\d{1,2}[ \t]*单元[ \t]*\d{3,4}" + _NOT_A_QUANTITY),
    # 12#302, 12#楼302
    re.compile(r"(?<![\dA-Za-z])\d{1,4}[ \t]*#[ \t]*楼?[ \t]*\d{3,4}" + _NOT_A_QUANTITY),
    # 3-2-502 (building-unit-room), 12-302
    re.compile(r"(?<![\dA-Za-z.\-/])\d{1,3}-\d{1,2}-\d{3,4}(?![\d.\-/])"),
    re.compile(r"(?<![\dA-Za-z.\-/:+])\d{1,3}-\d{3,4}" + _NOT_A_QUANTITY + r"(?![\-/:])"),
    # 502室 (not 2室1厅), 502号房, 1203房
    re.compile(r"(?<![\d#.])\d{3,5}[ \t]*(?:室|号房|房间|房)(?![ \t]*\d*[ \t]*厅)"),
    re.compile(
        r"\b(?:(?:room|flat|unit)|(?:rm|apt)\.?)[ \t]*(?:no\.?)?[ \t]*#?[ \t]*\d{2,4}\b", re.I
    ),
]
_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_WECHAT = re.compile(
    r"(?:(?:微信号?|微信[ \t]*id|v信|威信)[ \t]*[:：=]?[ \t]*(?P<id>[A-Za-z][A-Za-z0-9_\-]{5,19}))"
    r"|(?:(?<![A-Za-z])(?:wechat|weixin|vx|wx)[ \t]*(?:id)?[ \t]*[:：= \t][ \t]*"
    r"(?P<latin>[A-Za-z][A-Za-z0-9_\-]{5,19}))"
    r"|(?P<wxid>(?<![A-Za-z0-9])wxid_[A-Za-z0-9]{4,30})",
    re.IGNORECASE,
)
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]"
    r"[ \t]?[·•.\-]?[ \t]?(?=[A-HJ-NP-Z0-9]{5,6}(?![A-Za-z0-9]))(?=[A-Z]*\d)[A-HJ-NP-Z0-9]{5,6}"
)
_DATE_LIKE = re.compile(r"\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?")


# Cheap gates: each family of patterns runs only where its mark is present.
_ROOM_MARK = re.compile(r"[号幢栋楼座单元#\-室房]|room|rm|flat|apt|unit", re.I)
_PROVINCE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]")
_KEYWORD = re.compile(r"微信|v信|威信|wx|vx|wechat|weixin", re.I)


def _pattern_hits(view: str) -> list[tuple[str, int, int]]:
    hits: list[tuple[str, int, int]] = []
    if "@" in view:
        for m in _EMAIL.finditer(view):
            hits.append(("email", m.start(), m.end()))
    if _KEYWORD.search(view):
        for m in _WECHAT.finditer(view):
            group = next(g for g in ("id", "latin", "wxid") if m.group(g))
            hits.append(("wechat", m.start(group), m.end(group)))
    if _PROVINCE.search(view):
        for m in _PLATE.finditer(view):
            hits.append(("plate", m.start(), m.end()))
    if _ROOM_MARK.search(view):
        for pattern in _ROOM_PATTERNS:
            for m in pattern.finditer(view):
                if _DATE_LIKE.fullmatch(m.group().strip()):
                    continue
                hits.append(("room", m.start(), m.end()))
    return hits


# --- the public API ---------------------------------------------------------------------------


# Every form above needs a digit (of any width or script) or an @; most cells have neither.
_MAYBE = re.compile(
    r"\d(?:\D{0,3}\d){2}|[@＠]|[〇零一二三四五六七八九两幺]{3}|微信|v信|威信|wx|vx|wechat|weixin",
    re.I,
)
# A cell that is only an amount, a count, a date, a period or a time holds nothing personal
# (whole numbers of ten digits or more are left to the full check: 0216458123 is a phone).
_PLAIN = re.compile(
    r"[+-]?\d{1,9}(?:\.\d{1,6})?|\d{4}-\d{2}(?:-\d{2})?|\d{4}[QH]\d|\d{1,2}:\d{2}(?::\d{2})?"
)
# Seven digits close together: the least any phone, ID or card number has.
_SEVEN = re.compile(r"\d(?:[ \t\-.·•_/()]{0,3}\d){6}")


def find(text: str, *, allow: Iterable[str] = ()) -> list[Hit]:
    """Every piece of personal data in ``text``, in order, none overlapping.

    ``allow`` names kinds that are not personal data where this text stands: the contacts
    table's public telephone allows ``landline`` (an organisation's number); nothing
    allows a mobile.
    """
    if not text or not isinstance(text, str):
        return []
    if not _MAYBE.search(text) or _PLAIN.fullmatch(text):
        return []
    return list(_find(text, tuple(sorted(set(allow)))))


# Most cells that could hold personal data repeat (the same unit, the same phrase in every
# row and every estate): each distinct text is scanned once per process. Bounded, so a
# worker that sees 16,000 estates keeps the commonest.
@functools.lru_cache(maxsize=1 << 15)
def _find(text: str, allow: tuple[str, ...]) -> tuple[Hit, ...]:
    allowed = set(allow)
    view, where = _view(text)
    found = _number_hits(view) if _SEVEN.search(view) else []
    # Numbers first: a mobile inside 「3号楼 13812345678」 is a mobile, not a room.
    taken = [False] * len(view)
    for _, s, e in found:
        for i in range(s, e):
            taken[i] = True
    for kind, s, e in _pattern_hits(view):
        if not any(taken[s:e]):
            found.append((kind, s, e))
            for i in range(s, e):
                taken[i] = True
    hits = []
    for kind, s, e in sorted(found, key=lambda h: h[1]):
        if kind in allowed:
            continue
        start, end = (where[s], where[e - 1] + 1) if where else (s, e)
        hits.append(Hit(kind, start, end, _masked(kind, text[start:end])))
    return tuple(hits)


def could_hold(text: str) -> bool:
    """False when ``text`` certainly holds no personal data (the cheap test :func:`find`
    starts with): no three digits close together, no @, no keyword, or a plain amount,
    date or period. Lets a caller with many cells skip the call."""
    return bool(_MAYBE.search(text)) and not _PLAIN.fullmatch(text)


def is_clean(text: str, *, allow: Iterable[str] = ()) -> bool:
    return not find(text, allow=allow)


def mask(text: str, *, allow: Iterable[str] = ()) -> str:
    """``text`` with every piece of personal data masked; the rest unchanged."""
    hits = find(text, allow=allow)
    if not hits:
        return text
    out, last = [], 0
    for hit in hits:
        out.append(text[last : hit.start])
        out.append(hit.masked)
        last = hit.end
    out.append(text[last:])
    return "".join(out)


def _masked(kind: str, original: str) -> str:
    if kind == "email":
        local, _, domain = original.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind in ("wechat", "plate"):
        return original[:2] + "*" * max(len(original) - 2, 3)
    if kind == "room":
        # The building may be published; the room is what identifies a household.
        view, where = _view(original)
        last = list(re.finditer(r"\d+", view))[-1]
        start, end = last.span()
        if where:
            start, end = where[start], where[end - 1] + 1
        return original[:start] + "*" * (end - start) + original[end:]
    return mask_number(original, mobile=kind == "mobile")


def allowed_kinds(table: str | None, column: str | None) -> tuple[str, ...]:
    """What is not personal data in this column: the contacts table's public telephone is
    an organisation's, so landlines are allowed there (a mobile never is)."""
    return ("landline",) if (table, column) == ("contacts", "phone") else ()


def mask_number(number: str, *, mobile: bool = False) -> str:
    """138-1234-5678 → 138-****-5678: enough to find it, not enough to use it.

    Digits (of any width, and Chinese numerals) are masked; separators and the words
    around them stay, so 3号楼502室 becomes 3号楼***室.
    """
    view, _ = _view(number)
    n = sum(c.isdigit() or c in "Xx" for c in view)
    keep_head, keep_tail = (3, 4) if n >= 11 else (2, 2) if n >= 7 else (1, 0)
    if mobile:
        # +86 / 0086 stay readable; the national number keeps its first 3 and last 4.
        keep_head = n - 8
    out, seen = [], 0
    for ch in number:
        v = _view(ch)[0]
        if v and (v.isdigit() or v in "Xx"):
            seen += 1
            out.append(ch if seen <= keep_head or seen > n - keep_tail else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_name(name: str) -> str:
    """张三丰 → 张**, 胡*萍 → 胡**: how a takedown hides a short text such as a name.

    Only the first character stays, so a name already masked the usual way (张*明) is
    hidden further rather than published unchanged; longer texts are replaced whole.
    """
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) <= 6:
        return name[0] + "*" * (len(name) - 1)
    return "（已隐去）"


# --- the takedown list -----------------------------------------------------------------------


# The maintainers' takedown list, beside rules.yaml in the data folder.
REDACTIONS_FILE = "redactions.yaml"


class RedactionError(Exception):
    """``data/redactions.yaml`` cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Redaction:
    """One line of the takedown list: a value masked everywhere, or one row's text cells."""

    reason: str
    date: dt.date
    value: str | None = None
    estate: str | None = None
    table: str | None = None
    key: tuple[tuple[str, str], ...] = ()
    fields: tuple[str, ...] = ()

    def matches_row(self, estate: str, table: str, row: Mapping[str, object]) -> bool:
        if self.value is not None or self.estate != estate or self.table != table:
            return False
        return all(_cell_text(row.get(k)) == v for k, v in self.key)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def load_redactions(raw: object, source: str = "data/redactions.yaml") -> list[Redaction]:
    """The takedown list from its parsed YAML (a list of mappings); raises RedactionError."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RedactionError(
            f"{source}：应当是一个列表，每项一条撤下记录。/ {source} must be a list of entries."
        )
    out = []
    for n, item in enumerate(raw, 1):
        where = f"{source} 第 {n} 项 / entry {n}"
        if not isinstance(item, dict):
            raise RedactionError(f"{where}：应当是键值对。/ must be a mapping.")
        unknown = set(item) - {"value", "estate", "table", "key", "fields", "reason", "date"}
        if unknown:
            raise RedactionError(
                f"{where}：不认识的键 {sorted(unknown)}。/ unknown keys {sorted(unknown)}."
            )
        reason, day = item.get("reason"), item.get("date")
        if not isinstance(reason, str) or not reason.strip():
            raise RedactionError(f"{where}：请写明撤下原因 reason。/ give the reason.")
        if isinstance(day, str):
            try:
                day = dt.date.fromisoformat(day)
            except ValueError:
                day = None
        if not isinstance(day, dt.date):
            raise RedactionError(f"{where}：date 应写成 2026-11-30。/ date is written 2026-11-30.")
        value = item.get("value")
        if value is not None:
            if not isinstance(value, str | int) or not str(value).strip():
                raise RedactionError(f"{where}：value 应当是非空文字。/ value must be text.")
            if set(item) & {"estate", "table", "key", "fields"}:
                raise RedactionError(
                    f"{where}：value 与 estate/table/key 只能选一种。/ give either a value or a "
                    "row (estate, table, key), not both."
                )
            out.append(Redaction(reason, day, value=str(value).strip()))
            continue
        estate, table, key = item.get("estate"), item.get("table"), item.get("key")
        if not (isinstance(estate, str) and isinstance(table, str) and isinstance(key, dict)):
            raise RedactionError(
                f"{where}：需要 value，或者 estate、table 和 key。/ needs a value, or estate, "
                "table and key."
            )
        if not key:
            raise RedactionError(f"{where}：key 不能为空。/ key must name the row.")
        fields = item.get("fields") or []
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise RedactionError(f"{where}：fields 应当是列名列表。/ fields is a list of columns.")
        out.append(
            Redaction(
                reason,
                day,
                estate=estate,
                table=table,
                key=tuple(sorted((str(k), _cell_text(v)) for k, v in key.items())),
                fields=tuple(fields),
            )
        )
    return out


@dataclass
class Guard:
    """The personal-data patterns plus the takedown list, applied to whatever is published.

    Build one per build (:meth:`from_redactions`) and hand it to every output; its
    :attr:`fingerprint` changes whenever the list does, so anything cached must key on it.
    """

    redactions: list[Redaction] = field(default_factory=list)

    def __post_init__(self) -> None:
        values = sorted({r.value for r in self.redactions if r.value}, key=len, reverse=True)
        self._values = values
        self._value_re = re.compile("|".join(re.escape(v) for v in values)) if values else None
        self._rows: dict[tuple[str, str], list[Redaction]] = {}
        for r in self.redactions:
            if r.value is None:
                self._rows.setdefault((r.estate, r.table), []).append(r)

    @classmethod
    def for_data(cls, data_dir) -> Guard:
        """The guard for a data folder: its ``redactions.yaml`` takedown list, if any.

        Raises :class:`RedactionError` when the list cannot be read: a build must not go
        ahead without the takedowns a maintainer asked for.
        """
        from pathlib import Path

        import yaml

        from . import safeyaml

        path = Path(data_dir) / REDACTIONS_FILE
        if not path.is_file():
            return cls()
        try:
            raw = safeyaml.load(safeyaml.read(path))
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise RedactionError(
                f"{path}：无法读取（{type(error).__name__}），请检查格式。/ {path} cannot be "
                "read; check its YAML."
            ) from None
        return cls(load_redactions(raw, str(path)))

    @property
    def fingerprint(self) -> str:
        blob = json.dumps(
            [[r.value, r.estate, r.table, r.key, r.fields] for r in self.redactions],
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    # -- free text ---------------------------------------------------------------------------

    def text(self, text: str, *, allow: Iterable[str] = ()) -> str:
        """The public form of any text: listed values masked, then personal data masked."""
        if not isinstance(text, str) or not text:
            return text
        return mask(self.listed(text), allow=allow)

    def listed(self, text: str) -> str:
        """Only the takedown list's values masked (for text the patterns must not touch,
        such as a descriptor whose schemas carry examples)."""
        if self._value_re is None or not isinstance(text, str):
            return text
        return self._value_re.sub(lambda m: mask_name(m.group()), text)

    def finding(self, finding):
        """A finding (or any dataclass with ``message``/``message_en``) as it may be
        printed: takedown values masked too (the patterns already are, by Finding)."""
        if not self._values:
            return finding
        import dataclasses

        return dataclasses.replace(
            finding,
            message=self.listed(finding.message),
            message_en=self.listed(finding.message_en),
        )

    def bytes_text(self, data: bytes) -> bytes:
        return self.text(data.decode("utf-8", "replace")).encode("utf-8")

    # -- cells and rows ----------------------------------------------------------------------

    def cell(self, estate: str, table: str, row: Mapping[str, object], column: str, value):
        """The public form of one cell (typed or text): masked when personal or listed."""
        if not isinstance(value, str):
            return value
        for r in self._rows.get((estate, table), ()):
            if r.matches_row(estate, table, row) and (not r.fields or column in r.fields):
                if column not in dict(r.key):
                    return mask_name(value) if value else value
        return self.text(value, allow=allowed_kinds(table, column))

    def rows(self, estate: str, table: str, rows: list[dict]) -> list[dict]:
        """Typed rows as published: every text cell through :meth:`cell`."""
        out = []
        for row in rows:
            new = {k: self.cell(estate, table, row, k, v) for k, v in row.items()}
            out.append(new)
        return out

    def csv(self, estate: str, table: str, data: bytes) -> bytes:
        """A CSV file as published: the bytes unchanged when nothing in it is masked."""
        try:
            text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
        except UnicodeDecodeError:
            return self.bytes_text(data)
        lines = text.splitlines(keepends=True)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            return self.bytes_text(data)
        if not rows:
            return data
        header = rows[0]
        changed = False
        out_rows = [header]
        for cells in rows[1:]:
            row = dict(zip(header, cells, strict=False))
            new = [
                self.cell(estate, table, row, header[i] if i < len(header) else "", c)
                for i, c in enumerate(cells)
            ]
            changed |= new != cells
            out_rows.append(new)
        if not changed:
            return data
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator=newline).writerows(out_rows)
        return buf.getvalue().encode("utf-8")

    def touches(self, estate: str, table: str) -> bool:
        """Whether the takedown list may change this table (so its file must be read)."""
        return (estate, table) in self._rows or bool(self._values)
