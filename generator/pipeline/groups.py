"""The reduce's pages cached by group: a district's pages, a company's page.

After one estate's commit, every district, street and company page of a city would be
rendered again from all its summaries (at 16,000 estates, thousands of pages), though
only one district and one or two companies show that estate. So the reduce renders the
pages of a group — a district's lists, its district and street pages and digests, its
质价 page and medians, a company's page — through :meth:`GroupCache.files`, which keeps
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
        entry = self.cache.get(key)
        if entry is not None and entry.get("group") == [kind, ident]:
            shas = entry["files"]
            if self.published is not None and all(
                self.published(path, sha) for path, sha in shas.items()
            ):
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
        self.cache.put(
            key,
            {"group": [kind, ident], "files": shas},
            {sha: files[path] for path, sha in shas.items()},
        )
        return files


class NoGroupCache:
    """Every group rendered (a page rendered outside a pipeline build, e.g. in tests)."""

    def files(self, kind, ident, estate_ids, produce):
        return produce()


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
