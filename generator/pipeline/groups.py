"""The reduce's pages cached by group: a district's pages, a company's page.

After one estate's commit, every district, street and company page of a city would be
rendered again from all its summaries (at 16,000 estates, thousands of pages), though
only one district and one or two companies show that estate. So the reduce renders the
pages of a group — a district's lists, its district page and its streets' 质价 pages
(which read the district's medians), a street's page and digest, the district's 质价 page
and medians, a company's page — through :meth:`GroupCache.files`, which keeps
their bytes in the build cache under a key of everything they read:

* the build's shared key (code and templates, frame, as-of date, settings, rules,
  takedown list, history's state: :func:`generator.pipeline._shared_key`);
* the city's outline — its districts, streets and which estates each holds — which a
  page's navigation and slugs may show, and the districts' own data (supervision lists,
  company pools);
* the cache key of each estate of the group: the checksum of everything its summary
  came from (its files, history and supervision record among them).

Same key, same bytes. A missing or damaged entry is rendered again; the pages over the
whole city (home, directory, overview, the companies' index, feeds) are always rendered,
but the city's workbook is a group keyed by the digest of its values (no estates: a
commit that changes no figure of the city's table does not write it again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .cache import Cache, sha256
from .keys import digest


@dataclass(frozen=True)
class Published:
    """In place of a file's bytes: a cached group's file that the published site holds as
    it is (``published(path, sha)`` said so), which the build moves and never reads."""

    sha: str


class GroupCache:
    def __init__(
        self,
        cache: Cache,
        base_key: str,
        estate_keys: dict[str, str],
        published: Callable[[str, str], bool] | None = None,
    ):
        self.cache = cache
        self.base_key = base_key
        self.estate_keys = estate_keys
        self.published = published
        self.used: set[str] = set()  # entries this build read or wrote (the rest is pruned)
        self.rendered = 0
        self.reused = 0
        # Every group's files (key → path → sha256) in one entry, so a group published as
        # it is costs no entry of its own to open (11,000 at 16,000 estates, 2 s a build).
        self._index_key = digest(base_key, "index")
        self._index: dict[str, dict[str, str]] | None = None
        self._seen: dict[str, dict[str, str]] = {}

    def files(
        self,
        kind: str,
        ident: str,
        estate_ids: Iterable[str],
        produce: Callable[[], dict[str, bytes]],
    ) -> dict[str, bytes]:
        """The files of group ``kind``/``ident`` over ``estate_ids``: from the cache, or
        ``produce()`` (and cached). A cached group whose every file is published as it is
        gives :class:`Published` values: its blobs are not even read."""
        members = sorted(set(estate_ids))
        key = digest(
            self.base_key,
            kind,
            ident,
            *(f"{i}\0{self.estate_keys.get(i, '')}" for i in members),
        )
        self.used.add(key)
        if self._index is None:
            self._index = self._load(self._index_key, "index") or {}
        shas = self._index.get(key)
        if isinstance(shas, dict) and self._all_published(shas):
            self.reused += 1
            self._seen[key] = shas
            return {path: Published(sha) for path, sha in shas.items()}
        entry = self.cache.get(key)
        if entry is not None and entry.get("group") == [kind, ident]:
            shas = entry["files"]
            self._seen[key] = shas
            if self._all_published(shas):
                self.reused += 1
                return {path: Published(sha) for path, sha in shas.items()}
            files = {}
            for path, sha in entry["files"].items():
                data = entry.blob(sha)
                if data is None:
                    break
                files[path] = data
            else:
                self.reused += 1
                return files
        files = produce()
        self.rendered += 1
        shas = {path: sha256(data) for path, data in files.items()}
        self._seen[key] = shas
        self.cache.put(
            key,
            {"group": [kind, ident], "files": shas},
            {sha: files[path] for path, sha in shas.items()},
        )
        return files

    def _all_published(self, shas: dict[str, str]) -> bool:
        return self.published is not None and all(
            self.published(path, sha) for path, sha in shas.items()
        )

    def save(self) -> None:
        """Write the index of this build's groups (call once they are all rendered), so
        the next build finds them without opening their entries."""
        self.used.add(self._index_key)
        if self._seen != self._index:
            self._store(self._index_key, "index", self._seen)
            self._index = dict(self._seen)

    def memo(self, kind: str, compute: Callable[[str], str], keys: Iterable[str]) -> dict[str, str]:
        """``compute(k)`` for each of ``keys``, kept in the cache between builds under the
        base key (same code, settings and city outline: same values), so a build computes
        only the keys it has not seen: the directory's pinyin of 16,000 estate names cost
        2.6 s a build. A missing or damaged memo is computed again."""
        key = digest(self.base_key, "memo", kind)
        self.used.add(key)
        known = self._load(key, "memo " + kind) or {}
        wanted = set(keys)
        missing = sorted(k for k in wanted if not isinstance(known.get(k), str))
        if missing or len(known) != len(wanted):
            for k in missing:
                known[k] = compute(k)
            # Only the keys this build asked for: a renamed estate's old name goes.
            known = {k: known[k] for k in sorted(wanted)}
            self._store(key, "memo " + kind, known)
        return known

    def _load(self, key: str, what: str) -> dict | None:
        """The JSON object :meth:`_store` kept under ``key``, or None."""
        # In the entry's header, which Cache.get reads anyway: no blob to open.
        entry = self.cache.get(key)
        if entry is None or entry.get("json") != what:
            return None
        value = entry.get("value")
        return value if isinstance(value, dict) else None

    def _store(self, key: str, what: str, value: dict) -> None:
        self.cache.put(key, {"json": what, "files": {}, "value": value})


class NoGroupCache:
    """Every group rendered (a page rendered outside a pipeline build, e.g. in tests)."""

    def files(self, kind, ident, estate_ids, produce):
        return produce()

    def memo(self, kind, compute, keys):
        return {k: compute(k) for k in set(keys)}

    def save(self):
        pass


NO_GROUPS = NoGroupCache()


def outline(districts: list[dict]) -> str:
    """The city's districts and streets, with the estates each holds, as one digest."""
    parts = []
    for d in districts:
        parts.append(f"D\0{d['slug']}\0{d['name']}")
        for st in d["streets"]:
            parts.append(f"S\0{st['slug']}\0{st['name']}\0" + ",".join(s.id for s in st["estates"]))
    return digest(*parts)


__all__ = ["GroupCache", "NO_GROUPS", "NoGroupCache", "Published", "outline"]
