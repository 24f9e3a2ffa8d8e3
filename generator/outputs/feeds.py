"""Atom 1.0 feeds (RFC 4287) of data changes: one per estate, one for the whole city.

Residents and journalists follow an estate's disclosures in any feed reader instead of
checking its page. Each feed entry is one version from :mod:`generator.history`: its
title says which estate and which tables changed, its content lists the changes in
plain Chinese, and its link points at that version on the estate's history page.

Nothing from git's metadata is published: an entry's author is the estate's committee
(「业委会」), never the commit's author, and the commit message is not shown — the changes,
read from the data and masked by the privacy guard, say what happened. The link to the
commit in the public repository is given only when its diff passes the guard today.

Output is deterministic — two builds of the same history give the same bytes: the
feed's ``<updated>`` is its newest entry's commit date (never "now"), and an empty feed
uses the date the caller passes (the build's as-of date). Entry ids are ``urn:uuid``
values derived from estate id and commit, so they survive a change of domain and are
the same in the estate feed and the city feed.

The XML is built with ElementTree, which escapes every value; the HTML inside
``<content type="html">`` is built with :func:`html.escape` first, so data can never
inject markup into a reader.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urljoin, urlsplit

from ..history import COMMITTEE, SHANGHAI, WITHHELD, Entry, commit_url, entry_sentence
from ..privacy import Guard
from .plain import plain_text

__all__ = [
    "CITY_FEED_PATH",
    "city_feed",
    "digest_feed",
    "estate_feed",
    "estate_feed_path",
    "history_page_path",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
CITY_FEED_PATH = "feed.xml"
GENERATOR = "阳光公示 Sunlight"
PUBLISHER = "阳光公示"
# A fixed namespace makes entry ids a pure function of (estate, commit).
_ID_NAMESPACE = uuid.uuid5(
    uuid.NAMESPACE_URL, "https://github.com/sunlight-estates/sunlight#history"
)


def history_page_path(estate_id: str) -> str:
    """Site-relative path of an estate's change-log page (where entries link to)."""
    return f"estates/{estate_id}/history/"


def estate_feed_path(estate_id: str) -> str:
    """Site-relative path of an estate's feed."""
    return f"estates/{estate_id}/feed.xml"


def entry_id(entry: Entry) -> str:
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, f'{entry.estate_id}/{entry.commit}')}"


def _absolute(site_url: str, path: str) -> str:
    parts = urlsplit(site_url)
    if not (parts.scheme and parts.netloc):
        # Atom ids and self links must be absolute IRIs (RFC 4287 §4.2.6, §4.2.7).
        raise ValueError(f"site_url must be an absolute URL, got {site_url!r}")
    return urljoin(site_url.rstrip("/") + "/", path)


def _timestamp(value: dt.datetime | dt.date) -> str:
    """RFC 3339 date-time; a plain date is midnight in Shanghai."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=SHANGHAI)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.replace(microsecond=0).isoformat()


def _sorted(entries: Iterable[Entry]) -> list[Entry]:
    # Newest first; on equal dates the later commit on the branch first.
    return sorted(entries, key=lambda e: (e.date, e.seq, e.estate_id), reverse=True)


# Characters XML 1.0 does not allow at all (ElementTree would write them, and every
# reader would reject the feed): C0 controls other than tab and newlines, surrogates,
# U+FFFE/U+FFFF. A commit message pasted from a word processor can carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _content_html(entry: Entry, commit_link: str | None, committee: str) -> str:
    """The entry body: the changes as a list, then who, the version and the commit."""
    items = "".join(
        f"<li>{html.escape(plain_text(line), quote=False)}</li>" for line in entry.lines
    )
    parts = [f"<ul>{items}</ul>"]
    version = f"数据版本 {html.escape(entry.checksum[:12])}" if entry.checksum else "数据版本未知"
    commit = html.escape(entry.short)
    if commit_link:
        commit = f'<a href="{html.escape(commit_link)}">{commit}</a>'
    parts.append(f"<p>{html.escape(committee, quote=False)}提交，{version}，提交 {commit}</p>")
    if not entry.files_public:
        parts.append(f"<p>{WITHHELD}。</p>")
    return "".join(parts)


def _feed(
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    self_url: str,
    page_url: str,
    entries: Sequence[Entry],
    names: Mapping[str, str],
    site_url: str,
    as_of: dt.datetime | dt.date,
    repo_url: str | None,
    guard: Guard,
) -> str:
    # Plain tag names plus an xmlns attribute: the serialised XML uses Atom as its default
    # namespace without ElementTree's global register_namespace().
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "zh-CN"})
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    _sub(feed, "subtitle", subtitle)
    newest = max((e.date for e in entries), default=None)
    _sub(feed, "updated", _timestamp(newest if newest is not None else as_of))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _sub(feed, "author")
    _sub(author, "name", PUBLISHER)
    _sub(author, "uri", _absolute(site_url, ""))
    _sub(feed, "generator", GENERATOR)
    for entry in entries:
        name = names.get(entry.estate_id) or entry.estate_name or entry.estate_id
        # A caller's name is today's, from the data: guarded like the estate table's cell.
        name = guard.cell(entry.estate_id, "estate", {"estate_id": entry.estate_id}, "name", name)
        item = _sub(feed, "entry")
        _sub(item, "id", entry_id(entry))
        # The history page's sentence, 「滨江华庭：业委会公示了 2026年第3季度公共收益」.
        _sub(item, "title", f"{name}：{entry_sentence(entry, who=COMMITTEE)}")
        stamp = _timestamp(entry.date)
        _sub(item, "updated", stamp)
        _sub(item, "published", stamp)
        committee = guard.text(entry.committee) or PUBLISHER
        person = _sub(item, "author")
        _sub(person, "name", committee)
        anchor = f"{history_page_path(entry.estate_id)}#{entry.anchor}"
        _sub(item, "link", rel="alternate", type="text/html", href=_absolute(site_url, anchor))
        link = commit_url(repo_url, entry.commit) if entry.diff_public else None
        if link:
            _sub(item, "link", rel="related", type="text/html", href=link)
        _sub(item, "category", term=entry.estate_id, label=name)
        _sub(item, "summary", "；".join(plain_text(line) for line in entry.lines), type="text")
        _sub(item, "content", _content_html(entry, link, committee), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"


def estate_feed(
    estate_id: str,
    estate_name: str,
    entries: Iterable[Entry],
    site_url: str,
    as_of: dt.datetime | dt.date,
    *,
    repo_url: str | None = None,
    limit: int | None = None,
    guard: Guard | None = None,
) -> str:
    """Atom feed of one estate's versions.

    ``entries`` are that estate's :class:`Entry` values (``History.for_estate``);
    ``site_url`` is the absolute site URL; ``as_of`` is used as ``<updated>`` only when
    there are no entries (the build's as-of date keeps the output deterministic);
    ``repo_url`` adds a link to each commit whose diff passes the guard; ``limit`` keeps
    the newest N entries; ``guard`` masks the estate's name (the entries are already
    guarded by :func:`generator.history.read_history`). Write the result to
    :func:`estate_feed_path` as UTF-8.
    """
    guard = guard or Guard()
    chosen = _sorted(e for e in entries if e.estate_id == estate_id)
    if limit is not None:
        chosen = chosen[:limit]
    estate_name = guard.cell(estate_id, "estate", {"estate_id": estate_id}, "name", estate_name)
    return _feed(
        feed_id=_absolute(site_url, estate_feed_path(estate_id)),
        title=f"{estate_name} 公示数据更新",
        subtitle=f"{estate_name}业委会与物业公示数据的每一次修改",
        self_url=_absolute(site_url, estate_feed_path(estate_id)),
        page_url=_absolute(site_url, history_page_path(estate_id)),
        entries=chosen,
        names={estate_id: estate_name},
        site_url=site_url,
        as_of=as_of,
        repo_url=repo_url,
        guard=guard,
    )


def city_feed(
    entries: Iterable[Entry],
    site_url: str,
    as_of: dt.datetime | dt.date,
    *,
    names: Mapping[str, str] | None = None,
    repo_url: str | None = None,
    limit: int = 100,
    page_path: str = "",
    guard: Guard | None = None,
) -> str:
    """Atom feed of every estate's versions, newest ``limit`` only (``History.all_entries``).

    ``names`` maps estate id → current name (else each entry's own ``estate_name``);
    ``page_path`` is the site-relative page the feed stands for (the home page by
    default); ``guard`` masks the names. Write the result to :data:`CITY_FEED_PATH` as
    UTF-8.
    """
    chosen = _sorted(entries)[: max(limit, 0)]
    return _feed(
        feed_id=_absolute(site_url, CITY_FEED_PATH),
        title="阳光公示：全市小区数据更新",
        subtitle="各小区业委会与物业公示数据的每一次修改",
        self_url=_absolute(site_url, CITY_FEED_PATH),
        page_url=_absolute(site_url, page_path),
        entries=chosen,
        names=names or {},
        site_url=site_url,
        as_of=as_of,
        repo_url=repo_url,
        guard=guard or Guard(),
    )


def digest_feed(
    *,
    feed_path: str,
    page_path: str,
    title: str,
    entry_id: str,
    entry_title: str,
    content_html: str,
    summary: str,
    site_url: str,
    as_of: dt.date,
) -> str:
    """Atom feed of a street office's weekly digest (generator/outputs/dashboard.py): one
    entry per week, its id made from the street and the week's last day, dated that day
    (the build's as-of date), so a reader keeps last week's entry and adds this week's.
    ``content_html`` is the digest's HTML (already escaped by its template)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "zh-CN"})
    _sub(feed, "id", _absolute(site_url, feed_path))
    _sub(feed, "title", title)
    _sub(feed, "subtitle", "本周数据更新、新逾期事项、即将届满的任期、久未走访的督办小区")
    stamp = _timestamp(as_of)
    _sub(feed, "updated", stamp)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_absolute(site_url, feed_path))
    _sub(feed, "link", rel="alternate", type="text/html", href=_absolute(site_url, page_path))
    author = _sub(feed, "author")
    _sub(author, "name", PUBLISHER)
    _sub(author, "uri", _absolute(site_url, ""))
    _sub(feed, "generator", GENERATOR)
    item = _sub(feed, "entry")
    _sub(item, "id", entry_id)
    _sub(item, "title", entry_title)
    _sub(item, "updated", stamp)
    _sub(item, "published", stamp)
    _sub(item, "link", rel="alternate", type="text/html", href=_absolute(site_url, page_path))
    _sub(item, "summary", summary, type="text")
    _sub(item, "content", content_html, type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"
