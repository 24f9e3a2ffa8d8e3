"""Read and write Pagefind 1.5 bundles, so that a shard is re-indexed page by page.

Pagefind has no incremental mode: it reads every page of a bundle again (about 3 ms of CPU
a page, 25 s for the 8,000 overviews of one search bucket at 16,000 estates). But its
bundle is made of per-page parts put together by a simple, documented-in-source procedure
(``pagefind/src/index/mod.rs``, ``build_indexes``): each page's *fragment* (its URL, text and
meta, one file) and, for every word, the page's positions. So :mod:`.search` runs Pagefind
only on the pages that changed, reads their parts back from its output (:func:`read`),
takes the other pages' parts from the previous bundle, and writes the bundle from the
parts (:func:`write`) as Pagefind would: the same word chunks (CBOR, ``chunk_index`` /
``chunk_meta`` / the delta and weight encodings), the same page list and the same fragment
files, byte for byte. Two things are ours: pages are numbered in the order of their URLs
(Pagefind numbers them in the order the file system lists them), and the chunks and page
list are gzipped by Python's zlib (Pagefind uses miniz, whose bytes differ). Every bundle
:mod:`.search` publishes goes through :func:`write`, the first index of a shard too, so the
same pages give the same bytes however they were indexed; tests/test_search.py checks that,
and that a bundle read back is the one Pagefind wrote.

Only what this site's bundles use is supported — one language, no filters, no sort keys; a
bundle with more makes :func:`read` raise :class:`Unsupported` and the caller indexes the
shard with Pagefind alone.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import re
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

SIGNATURE = b"pagefind_dcd"
# What :func:`write` writes; part of search's indexer identity, so a change re-indexes all.
FORMAT = "pagefind-1.5-parts-2"  # 2: gzip level 8 (_pack)
# Pagefind's default (options.rs, default_index_chunk_size): a chunk closes once its words'
# positions and pages reach this count.
CHUNK_SIZE = 20_000
_HASH_HEX = 7  # Pagefind's short names: "<language>_" and 7 hex digits, longer on a collision


class Unsupported(Exception):
    """A bundle this module cannot take apart (several languages, filters, sorts)."""


# --- CBOR, the subset Pagefind's minicbor writes: unsigned and negative integers, text,
# definite-length arrays -------------------------------------------------------------------

# Bytes an integer item takes, by its first byte (info 24/25/26/27: 1/2/4/8 bytes follow).
_INT_SIZE = [1] * 256
for _b in range(256):
    if _b >> 5 in (0, 1):
        _INT_SIZE[_b] = {24: 2, 25: 3, 26: 5, 27: 9}.get(_b & 31, 1)


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes((major << 5 | n,))
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes((major << 5 | info,)) + n.to_bytes(size, "big")
    raise ValueError(f"too large for CBOR: {n}")


_SMALL = {n: _head(0, n) for n in range(1 << 16)}
_SMALL.update({-1 - n: _head(1, n) for n in range(1 << 16)})


def _int(n: int) -> bytes:
    return _SMALL.get(n) or (_head(0, n) if n >= 0 else _head(1, -1 - n))


def _text(s: str) -> bytes:
    data = s.encode("utf-8")
    return _head(3, len(data)) + data


def _argument(b: bytes, i: int) -> tuple[int, int, int]:
    """(major type, argument, index after the head) of the item at ``b[i]``."""
    first = b[i]
    major, info = first >> 5, first & 31
    if info < 24:
        return major, info, i + 1
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise Unsupported(f"CBOR item 0x{first:02x} at {i}")
    return major, int.from_bytes(b[i + 1 : i + 1 + size], "big"), i + 1 + size


def _decode(b: bytes, i: int):
    major, n, i = _argument(b, i)
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 3:
        return b[i : i + n].decode("utf-8"), i + n
    if major == 4:
        out = []
        for _ in range(n):
            value, i = _decode(b, i)
            out.append(value)
        return out, i
    raise Unsupported(f"CBOR major type {major} at {i}")


def _array(b: bytes, i: int) -> tuple[int, int]:
    major, n, i = _argument(b, i)
    if major != 4:
        raise Unsupported(f"expected an array at {i}")
    return n, i


def _full_hash(data: bytes) -> str:
    # Pagefind's utils::full_hash: sha1, each byte as {:x} (no leading zero).
    return "".join(format(b, "x") for b in hashlib.sha1(data).digest())


def _unpack(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise Unsupported(f"{path.name}: not a Pagefind file")
    return data[len(SIGNATURE) :]


# Not Pagefind's "best" level (9): on the word chunks of 16,000 estates (42 MB) level 9
# took 11.4 s of CPU, 8 takes 6.7 s for 0.4 % more bytes (6 took 1.5 s, but for 3.8 % more,
# which every resident's first query would download).
GZIP_LEVEL = 8


def _pack(payload: bytes) -> bytes:
    # Deterministic gzip: no name, no time.
    return gzip.compress(SIGNATURE + payload, compresslevel=GZIP_LEVEL, mtime=0)


# --- The parts of a bundle ----------------------------------------------------------------

# One page's positions of one word: (page number, the raw CBOR of its location and meta
# location arrays, Pagefind's size of it for chunking: locations + meta locations + 1).
Posting = tuple[int, bytes, int]


@dataclass
class Page:
    """A page's fragment: its file as Pagefind wrote it and what the page list says of it."""

    url: str
    fragment: bytes  # the .pf_fragment file (gzip)
    full_hash: str  # "<language>_" + sha1 of the fragment's JSON
    word_count: int
    meta_fields: tuple[str, ...]  # keys of the fragment's meta
    # The file read() found the fragment in: write links it when the name is the same
    # (writing a bucket's 8,000 fragment files was most of a one-page re-index).
    source: Path | None = field(default=None, compare=False)


@dataclass
class Bundle:
    """A bundle taken apart: pages in page-number order, and for every word its postings
    (``plain``) and those of its variant forms (diacritics), each sorted by page number."""

    version: str
    language: str
    entry: dict  # pagefind-entry.json
    meta_fields: list[str]  # the page list's, which the meta locations' field ids index
    pages: list[Page]
    words: dict[str, tuple[list[Posting], dict[str, list[Posting]]]] = field(default_factory=dict)
    # A word's PackedWord as :func:`read` found it in a chunk :func:`write` wrote: what
    # write gives for the same postings (a word whose postings did not change is copied,
    # not encoded again; most of a bucket's words after one page's change).
    raw: dict[str, bytes] = field(default_factory=dict)

    def urls(self) -> list[str]:
        return [page.url for page in self.pages]

    def canonical(self) -> Bundle:
        """The same pages numbered in the order of their URLs (Pagefind numbers them in the
        order the file system lists them)."""
        # Pagefind's own chunks are not carried over as they are: every word is encoded
        # as write encodes it.
        return dataclasses.replace(self, raw={}).merged(
            set(), Bundle(self.version, self.language, self.entry, [], [])
        )

    def merged(self, drop: set[str], other: Bundle) -> Bundle:
        """This bundle without the pages whose URLs are in ``drop``, plus ``other``'s pages
        (which must not be here, unless dropped), numbered in the order of their URLs."""
        if (other.language, other.version) != (self.language, self.version):
            raise Unsupported("bundles of another language or Pagefind")
        kept = [page for page in self.pages if page.url not in drop]
        pages = sorted([*kept, *other.pages], key=lambda page: page.url)
        if len({page.url for page in pages}) != len(pages):
            raise Unsupported("a page in both bundles")
        fields = sorted({name for page in pages for name in page.meta_fields})
        # Meta locations name fields by number in the page list's field list: numbered
        # again where a bundle's list is not the merged one (a page of the site shard has
        # an image, the district page changed alone has a title only).
        ours, theirs_fields = (
            _field_map(self.meta_fields, fields),
            _field_map(other.meta_fields, fields),
        )
        number = {page.url: n for n, page in enumerate(pages)}
        renumber = [None if p.url in drop else number[p.url] for p in self.pages]
        gone = {n for n, new in enumerate(renumber) if new is None}
        # After one estate's commit the kept pages keep their numbers: postings are only
        # filtered. Otherwise renumbered, and sorted again (Pagefind's own bundle, read
        # back, is numbered in file system order, not by URL).
        same = all(new is None or new == n for n, new in enumerate(renumber))
        kept_numbers = [new for new in renumber if new is not None]
        monotonic = all(a < b for a, b in zip(kept_numbers, kept_numbers[1:], strict=False))

        def keep(postings: list[Posting]) -> list[Posting]:
            if same:
                out = [x for x in postings if x[0] not in gone] if gone else postings[:]
            else:
                out = [(renumber[p], r, n) for p, r, n in postings if renumber[p] is not None]
                if not monotonic:
                    out.sort()
            return _remap(out, ours) if ours else out

        words: dict[str, tuple[list[Posting], dict[str, list[Posting]]]] = {}
        # Words whose postings stay as they are keep their bytes: pages keep their numbers
        # and meta field numbers, and no posting of the word is dropped or added.
        raw = {} if not same or ours else self.raw
        raw_kept: dict[str, bytes] = {}
        for word, (plain, variants) in self.words.items():
            kept_variants = {}
            for form, postings in variants.items():
                if postings := keep(postings):
                    kept_variants[form] = postings
            old_count = len(plain)
            if (plain := keep(plain)) or kept_variants:
                words[word] = (plain, kept_variants)
                if (
                    word in raw
                    and word not in other.words
                    and len(plain) == old_count
                    and len(kept_variants) == len(variants)
                    and all(len(kept_variants[f]) == len(v) for f, v in variants.items())
                ):
                    raw_kept[word] = raw[word]
        theirs = [number[p.url] for p in other.pages]
        for word, (plain, variants) in other.words.items():
            into_plain, into_variants = words.setdefault(word, ([], {}))
            if plain:
                into_plain.extend(_remap([(theirs[p], r, n) for p, r, n in plain], theirs_fields))
                into_plain.sort()
            for form, postings in variants.items():
                into = into_variants.setdefault(form, [])
                into.extend(_remap([(theirs[p], r, n) for p, r, n in postings], theirs_fields))
                into.sort()
        return Bundle(self.version, self.language, self.entry, fields, pages, words, raw_kept)


def _field_map(mine: list[str], merged: list[str]) -> list[int | None] | None:
    """Field number in ``mine`` → in ``merged`` (None: a field no merged page has), or None
    when they are the same list's first entries (nothing to number again)."""
    ids = {name: n for n, name in enumerate(merged)}
    numbers = [ids.get(name) for name in mine]
    return None if numbers == list(range(len(mine))) else numbers


def _remap(postings: list[Posting], numbers: list[int | None] | None) -> list[Posting]:
    """``postings`` with their meta locations' field numbers mapped by ``numbers``, each
    field's run of positions moved to its new place (meta_positions_to_packed sorts them
    by field number; positions are relative within a run)."""
    if not numbers:
        return postings
    out = []
    for page, rest, size in postings:
        n_locs, i = _array(rest, 0)
        for _ in range(n_locs):
            i += _INT_SIZE[rest[i]]
        if rest[i] != 0x80:
            meta, _end = _decode(rest, i)
            runs: list[list[int]] = []
            for value in meta:
                if value < 0:
                    field = numbers[-value - 1] if -value - 1 < len(numbers) else None
                    if field is None:
                        raise Unsupported("meta locations of a field the pages do not have")
                    runs.append([-field - 1])
                elif runs:
                    runs[-1].append(value)
                else:
                    raise Unsupported("meta locations without a field")
            values = [v for run in sorted(runs, key=lambda r: -r[0]) for v in run]
            rest = rest[:i] + _head(4, len(values)) + b"".join(map(_int, values))
        out.append((page, rest, size))
    return out


def read(folder: Path) -> Bundle:
    """The parts of the Pagefind bundle in ``folder``."""
    folder = Path(folder)
    entry = json.loads((folder / "pagefind-entry.json").read_text("utf-8"))
    languages = entry.get("languages") or {}
    if len(languages) != 1 or list(folder.glob("filter/*")):
        raise Unsupported("not one language without filters")
    ((language, info),) = languages.items()
    payload = _unpack(folder / f"pagefind.{info['hash']}.pf_meta")
    _check(payload, info["hash"], language, "page list")
    meta, _ = _decode(payload, 0)
    version, page_list, chunks, filters, sorts, meta_fields = meta
    if not str(version).startswith("1.5."):
        raise Unsupported(f"Pagefind {version}: this reads 1.5's bundles")
    if filters or sorts:
        raise Unsupported("filters or sorts")
    pages = []
    for name, word_count in page_list:
        source = folder / "fragment" / f"{name}.pf_fragment"
        data = source.read_bytes()
        payload = gzip.decompress(data)[len(SIGNATURE) :]
        record = json.loads(payload)
        if record.get("filters"):
            raise Unsupported("filters")
        full_hash = f"{language}_{_full_hash(payload)}"
        if not full_hash.startswith(name):
            raise Unsupported(f"fragment {name} is not the page list's")
        meta_keys = tuple(sorted(record.get("meta", {})))
        pages.append(Page(record["url"], data, full_hash, word_count, meta_keys, source))
    if len({page.url for page in pages}) != len(pages):
        raise Unsupported("two pages with one URL")
    words: dict[str, tuple[list[Posting], dict[str, list[Posting]]]] = {}
    raw: dict[str, bytes] = {}
    for _from, _to, name in chunks:
        b = _unpack(folder / "index" / f"{name}.pf_index")
        _check(b, name, language, "word chunk")
        _, i = _array(b, 0)  # WordIndex: [words]
        n_words, i = _array(b, i)
        for _ in range(n_words):
            start = i
            _, i = _array(b, i)  # PackedWord: [word, pages, variants]
            word, i = _decode(b, i)
            plain, i = _postings(b, i)
            variants: dict[str, list[Posting]] = {}
            n_variants, i = _array(b, i)
            for _ in range(n_variants):
                _, i = _array(b, i)  # PackedVariant: [form, pages]
                form, i = _decode(b, i)
                variants[form], i = _postings(b, i)
            words[word] = (plain, variants)
            raw[word] = b[start:i]
    return Bundle(version, language, entry, meta_fields, pages, words, raw)


def _check(payload: bytes, name: str, language: str, what: str) -> None:
    # Every file's name starts with a hash of its contents: a file damaged or replaced
    # since Pagefind (or write) made it is not taken apart.
    if not f"{language}_{_full_hash(payload)}".startswith(name):
        raise Unsupported(f"{what} {name} does not hold what its name says")


def _postings(b: bytes, i: int) -> tuple[list[Posting], int]:
    """A word's PackedPage list at ``b[i]``: [page number delta, locations, meta locations]
    each; the two arrays are kept as raw bytes (only skipped over, item by item). The
    common small heads are read inline: this loop runs 1.5 million times for a bucket."""
    size = _INT_SIZE
    n, i = _array(b, i)
    out: list[Posting] = []
    append = out.append
    number = 0
    for _ in range(n):
        if b[i] != 0x83:
            raise Unsupported(f"expected a PackedPage at {i}")
        first = b[i + 1]
        if first < 24:
            number += first
            i += 2
        elif first == 24:
            number += b[i + 2]
            i += 3
        else:
            delta, i = _decode(b, i + 1)
            number += delta
        start = i
        first = b[i]
        if 0x80 <= first < 0x98:
            n_locs = first - 0x80
            i += 1
        else:
            n_locs, i = _array(b, i)
        for _ in range(n_locs):
            i += size[b[i]]
        first = b[i]
        if first == 0x80:
            n_meta = 0
            i += 1
        else:
            n_meta, i = _array(b, i)
            for _ in range(n_meta):
                i += size[b[i]]
        append((number, b[start:i], n_locs + n_meta + 1))
    return out, i


def empty_like(bundle: Bundle) -> Bundle:
    """A bundle of no pages, of ``bundle``'s language and Pagefind."""
    return Bundle(bundle.version, bundle.language, bundle.entry, [], [])


def write(
    bundle: Bundle,
    folder: Path,
    common: Path,
    reuse: Path | None = None,
    skip: re.Pattern | None = None,
) -> int:
    """Write ``bundle`` into ``folder`` (which must not exist), its pages numbered as
    listed; returns the number of distinct words. Pagefind's own files (its scripts and
    WebAssembly, but not those whose names ``skip`` matches) are copied from the bundle
    folder ``common``; a word chunk whose name is in the bundle folder ``reuse`` and whose
    contents are the same is linked from there instead of being compressed again."""
    folder = Path(folder)
    (folder / "fragment").mkdir(parents=True)
    (folder / "index").mkdir()
    for path in sorted(Path(common).iterdir()):
        own = path.name.startswith(("pagefind", "wasm.")) and path.suffix != ".pf_meta"
        if (
            own
            and path.is_file()
            and path.name != "pagefind-entry.json"
            and not (skip and skip.fullmatch(path.name))
        ):
            shutil.copyfile(path, folder / path.name)
    language = bundle.language
    pages = bundle.pages
    ids = {name: n for n, name in enumerate(bundle.meta_fields)}
    if set(ids) != {name for page in pages for name in page.meta_fields}:
        raise Unsupported("the meta fields are not the pages'")

    # Fragments, in page order; a short name that collides grows a digit (build_indexes).
    names: dict[str, str] = {}
    page_list = []
    for page in pages:
        short = page.full_hash[: len(language) + 1 + _HASH_HEX]
        while short in names and names[short] != page.full_hash:
            short = page.full_hash[: len(short) + 1]
        names[short] = page.full_hash
        target = folder / "fragment" / f"{short}.pf_fragment"
        if not _linked(page.source, target):
            target.write_bytes(page.fragment)
        page_list.append((short, page.word_count))

    # chunk_index: words in order, a chunk closes once its size reaches CHUNK_SIZE.
    words = bundle.words
    chunks: list[list[str]] = []
    chunk: list[str] = []
    size = 0
    for word in sorted(words):
        size += sum(p[2] for p in words[word][0])
        chunk.append(word)
        if size >= CHUNK_SIZE:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)

    chunk_meta = []
    chunk_names: set[str] = set()
    for in_chunk in chunks:
        parts = [_head(4, 1), _head(4, len(in_chunk))]
        for word in in_chunk:
            if (same := bundle.raw.get(word)) is not None:
                parts.append(same)
                continue
            plain, variants = words[word]
            parts += [b"\x83", _text(word), _pages(plain), _head(4, len(variants))]
            # In the order Pagefind meets them: by first page, then form.
            for form in sorted(variants, key=lambda f, v=variants: (v[f][0][0], f)):
                parts += [b"\x82", _text(form), _pages(variants[form])]
        payload = b"".join(parts)
        full = f"{language}_{_full_hash(payload)}"
        short = full[: len(language) + 1 + _HASH_HEX]
        while short in chunk_names and len(short) < len(full):
            short = full[: len(short) + 1]
        chunk_names.add(short)
        _put_chunk(folder / "index" / f"{short}.pf_index", payload, reuse)
        chunk_meta.append([in_chunk[0], in_chunk[-1], short])
    # chunk_meta: neighbouring chunks' bounds cut to the shortest prefixes that tell them apart.
    for a, b in zip(chunk_meta, chunk_meta[1:], strict=False):
        to, from_ = _prefixes(a[1], b[0])
        if to >= a[0]:
            a[1] = to
        b[0] = from_

    meta = b"".join(
        [
            _head(4, 6),
            _text(bundle.version),
            _head(4, len(page_list)),
            *(b"\x82" + _text(name) + _int(count) for name, count in page_list),
            _head(4, len(chunk_meta)),
            *(b"\x83" + _text(a) + _text(b) + _text(c) for a, b, c in chunk_meta),
            _head(4, 0),  # filters
            _head(4, 0),  # sorts
            _head(4, len(bundle.meta_fields)),
            *(_text(name) for name in bundle.meta_fields),
        ]
    )
    meta_hash = f"{language}_{_full_hash(meta)[: len(language) + 1 + _HASH_HEX]}"
    (folder / f"pagefind.{meta_hash}.pf_meta").write_bytes(_pack(meta))
    entry = dict(bundle.entry)
    entry["languages"] = {
        language: dict(entry["languages"][language], hash=meta_hash, page_count=len(pages))
    }
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    (folder / "pagefind-entry.json").write_text(text, "utf-8")
    return len(words)


def _linked(source: Path | None, target: Path) -> bool:
    """Whether ``target`` is now a link to ``source``, the file of the same name a
    fragment's bytes were read from (a link costs a tenth of writing the file)."""
    if source is None or source.name != target.name:
        return False
    try:
        os.link(source, target)
    except OSError:  # another file system, or gone: written instead
        return False
    return True


def _put_chunk(target: Path, payload: bytes, reuse: Path | None) -> None:
    """Write a word chunk, or link the same chunk from ``reuse``: compressing is most of
    the cost of writing a bundle, and a one-page change leaves most chunks as they were.
    The name is a short hash: the old file's contents are compared, not trusted."""
    old = reuse / "index" / target.name if reuse is not None else None
    try:
        if old is not None and _unpack(old) == payload:
            os.link(old, target)
            return
    except (OSError, ValueError, EOFError, zlib.error, Unsupported):
        pass
    target.write_bytes(_pack(payload))


def _pages(postings: list[Posting]) -> bytes:
    parts = [_head(4, len(postings))]
    last = 0
    for number, rest, _size in postings:
        parts += [b"\x83", _int(number - last), rest]
        last = number
    return b"".join(parts)


def _prefixes(a: str, b: str) -> tuple[str, str]:
    """get_prefixes: one character more than ``a`` and ``b`` have in common, of each."""
    common = 0
    for x, y in zip(b, a, strict=False):
        if x != y:
            break
        common += 1
    return a[: common + 1], b[: common + 1]
