"""Atom feeds: valid RFC 4287, deterministic, escaped, readable by a real feed parser.

Validity is checked three ways: the RELAX NG grammar of RFC 4287 (tests/atom.rnc, via
lxml), the RFC's Schematron rules written out in Python, and feedparser reporting no
problem (bozo = 0).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import feedparser
import pytest
import rnc2rng
from lxml import etree

from generator.history import Change, Entry, History, read_history
from generator.outputs.feeds import (
    CITY_FEED_PATH,
    city_feed,
    estate_feed,
    estate_feed_path,
    history_page_path,
)
from tests.test_history import (
    ESTATE,
    SCHEMAS,
    SENTENCES,
    ScriptedRepo,
    build_scripted_repo,
    read_strictly,
)

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://sunlight.example.org/"
REPO_URL = "https://github.com/sunlight-estates/sunlight"
AS_OF = dt.date(2026, 11, 20)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    rnc = (Path(__file__).parent / "atom.rnc").read_text("utf-8")
    # rnc2rng declares xmlns:local="" for the RFC's `namespace local = ""`, which XML does
    # not allow; the grammar uses ns="" directly, so the declaration can go.
    rng = re.sub(r'\s+xmlns:local=""', "", rnc2rng.dumps(rnc2rng.loads(rnc)))
    return etree.RelaxNG(etree.fromstring(rng.encode("utf-8")))


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> ScriptedRepo:
    return build_scripted_repo(tmp_path_factory.mktemp("feeds") / "repo")


@pytest.fixture(scope="module")
def history(scripted: ScriptedRepo) -> History:
    return read_strictly(scripted.root)


def assert_valid_atom(xml: str, schema: etree.RelaxNG) -> etree._Element:
    """RELAX NG, the RFC's Schematron rules, and feedparser; returns the root."""
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    root = etree.fromstring(xml.encode("utf-8"))
    assert schema.validate(root), schema.error_log
    assert root.tag == f"{ATOM}feed"
    feed_authors = root.findall(f"{ATOM}author")
    # atom:feed must have an atom:author unless every entry has one (RFC 4287 §4.1.1).
    for entry in root.findall(f"{ATOM}entry"):
        assert feed_authors or entry.findall(f"{ATOM}author")
        # An entry without content must have an alternate link (§4.1.2).
        alternates = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert entry.find(f"{ATOM}content") is not None or alternates
        assert len({(a.get("type"), a.get("hreflang")) for a in alternates}) == len(alternates)
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
    feed_alternates = [
        link for link in root.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"
    ]
    assert len({(a.get("type"), a.get("hreflang")) for a in feed_alternates}) == len(
        feed_alternates
    )
    # SHOULD: a self link; ids absolute and unique; dates RFC 3339 with an offset.
    assert [link.get("href") for link in root.findall(f"{ATOM}link[@rel='self']")]
    ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}feed", f"{ATOM}entry")]
    assert len(ids) == len(set(ids)) and all(re.match(r"^[a-z][a-z0-9+.-]*:", i) for i in ids)
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return root


def test_estate_feed_is_valid_atom_with_every_version(history: History, atom_schema):
    entries = history.for_estate(ESTATE)
    xml = estate_feed(ESTATE, "和平花园", entries, SITE, AS_OF, repo_url=REPO_URL)
    root = assert_valid_atom(xml, atom_schema)
    assert root.findtext(f"{ATOM}title") == "和平花园 公示数据更新"
    assert root.findtext(f"{ATOM}id") == SITE + estate_feed_path(ESTATE)
    assert (
        root.find(f"{ATOM}link[@rel='self']").get("href")
        == SITE + "estates/heping-huayuan/feed.xml"
    )
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == SITE + history_page_path(
        ESTATE
    )
    # Updated is the newest commit's date, not the time of the build.
    assert root.findtext(f"{ATOM}updated") == "2025-05-09T09:00:00+08:00"

    parsed = feedparser.parse(xml)
    # Titles are the history page's sentences, and the author is the committee: never the
    # commit's message or author (tests/test_history_privacy.py).
    assert [e.title for e in parsed.entries] == [f"和平花园：{h}" for h in SENTENCES]
    assert parsed.entries[2].title == "和平花园：业委会公示了 2025年第2季度公共收益"
    newest = parsed.entries[0]
    assert newest.link == f"{SITE}estates/{ESTATE}/history/#v-{entries[0].short}"
    assert newest.author == "业委会"
    assert [link.href for link in newest.links if link.rel == "related"] == [
        f"{REPO_URL}/commit/{entries[0].commit}"
    ]
    fee = parsed.entries[3]
    # Dates and periods in words, as on the page.
    assert fee.summary == "高层住宅 基础包 物业费 2.90 → 3.10 元/㎡·月（2025年7月1日 起）"
    content = fee.content[0]
    assert content.type == "text/html"
    assert (
        "<li>高层住宅 基础包 物业费 2.90 → 3.10 元/㎡·月（2025年7月1日 起）</li>" in content.value
    )
    assert f"业委会提交，数据版本 {entries[3].checksum[:12]}" in content.value
    committee = parsed.entries[4]
    assert committee.summary == "委员 张*明 离任（辞职）；李*华 职务 候补委员 → 委员"


def test_city_feed_has_the_newest_entries_of_every_estate(history: History, atom_schema):
    xml = city_feed(history.all_entries(), SITE, AS_OF, names={ESTATE: "和平花园"}, limit=4)
    root = assert_valid_atom(xml, atom_schema)
    assert root.findtext(f"{ATOM}id") == SITE + CITY_FEED_PATH
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == [
        f"和平花园：{SENTENCES[0]}",
        f"和平花园：{SENTENCES[1]}",
        # No name given: the estate's name in that version of its data.
        "另一小区：业委会更新了小区基本信息",
        f"和平花园：{SENTENCES[2]}",
    ]
    categories = [e.find(f"{ATOM}category").get("term") for e in root.findall(f"{ATOM}entry")]
    assert categories == [ESTATE, ESTATE, "other-estate", ESTATE]
    # The same version has the same id in the estate feed and the city feed.
    estate_xml = estate_feed(ESTATE, "和平花园", history.for_estate(ESTATE), SITE, AS_OF)
    estate_ids = {
        e.findtext(f"{ATOM}id")
        for e in etree.fromstring(estate_xml.encode()).findall(f"{ATOM}entry")
    }
    city_ids = {e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")}
    assert len(city_ids - estate_ids) == 1  # only the other estate's entry
    default = city_feed(history.all_entries(), SITE, AS_OF)
    assert default.count("<entry>") == len(history.all_entries())  # under the default 100


def test_feeds_are_deterministic(scripted: ScriptedRepo, history: History):
    again = read_history(scripted.root, scripted.root / "data" / "estates", SCHEMAS)
    assert estate_feed(ESTATE, "和平花园", history.for_estate(ESTATE), SITE, AS_OF) == estate_feed(
        ESTATE, "和平花园", again.for_estate(ESTATE), SITE, dt.date(2030, 1, 1)
    )
    assert city_feed(history.all_entries(), SITE, AS_OF) == city_feed(
        list(reversed(again.all_entries())), SITE, AS_OF
    )


def test_empty_feeds_are_valid(atom_schema):
    for xml in (
        estate_feed("new-estate", "新小区", [], SITE, AS_OF),
        city_feed([], SITE, AS_OF),
    ):
        root = assert_valid_atom(xml, atom_schema)
        assert root.findall(f"{ATOM}entry") == []
        # The caller's as-of date, midnight in Shanghai: never "now".
        assert root.findtext(f"{ATOM}updated") == "2026-11-20T00:00:00+08:00"


def _entry(**overrides) -> Entry:
    values = dict(
        estate_id="x-estate",
        estate_name="某小区",
        commit="a" * 40,
        short="a" * 7,
        date=dt.datetime(2025, 6, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        checksum="f" * 64,
        folder="data/estates/x-estate",
        paths=["data/estates/x-estate/estate.csv"],
        changed_files=["estate.csv"],
        # A file name is shown as the table title of its line: it may hold anything.
        changes=[
            Change(
                "estate",
                '<script>alert("x")</script> & 更正',
                "changed",
                "小区基本信息 名称 A&B → <i>C</i>",
            )
        ],
        committee="A & B <委员会>",
    )
    values.update(overrides)
    return Entry(**values)


def test_values_from_data_are_escaped_never_markup(atom_schema):
    xml = estate_feed("x-estate", "某<小区>", [_entry()], SITE, AS_OF, repo_url=REPO_URL)
    root = assert_valid_atom(xml, atom_schema)
    assert "<script>" not in xml and "<i>" not in xml
    entry = root.find(f"{ATOM}entry")
    assert (
        entry.findtext(f"{ATOM}title") == '某<小区>：业委会更新了<script>alert("x")</script> & 更正'
    )
    html = entry.findtext(f"{ATOM}content")
    # Inside the HTML payload every data value is escaped once more.
    assert "<li>小区基本信息 名称 A&amp;B → &lt;i&gt;C&lt;/i&gt;</li>" in html
    assert "<p>A &amp; B &lt;委员会&gt;提交，" in html and "<script>" not in html
    assert entry.find(f"{ATOM}author").findtext(f"{ATOM}name") == "A & B <委员会>"
    assert entry.findtext(f"{ATOM}summary") == "小区基本信息 名称 A&B → <i>C</i>"
    parsed = feedparser.parse(xml)
    assert "<script" not in parsed.entries[0].content[0].value


def test_entries_of_other_estates_and_limits(atom_schema):
    entries = [
        _entry(
            commit=f"{n:040x}", short=f"{n:07x}", seq=n, date=_entry().date + dt.timedelta(days=n)
        )
        for n in range(1, 6)
    ]
    xml = estate_feed("x-estate", "某小区", entries + [_entry(estate_id="y")], SITE, AS_OF, limit=2)
    root = assert_valid_atom(xml, atom_schema)
    links = [e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")]
    assert links == [
        f"{SITE}estates/x-estate/history/#v-0000005",
        f"{SITE}estates/x-estate/history/#v-0000004",
    ]
    assert root.findtext(f"{ATOM}updated") == "2025-06-06T08:30:00+08:00"
    assert city_feed(entries, SITE, AS_OF, limit=0).count("<entry>") == 0
    # A site URL without a trailing slash, or with a path, still gives absolute links.
    xml = city_feed(entries[:1], "https://example.org/sunlight", AS_OF)
    assert 'href="https://example.org/sunlight/estates/x-estate/history/#v-0000001"' in xml
    assert "<id>https://example.org/sunlight/feed.xml</id>" in xml


def test_relative_site_url_is_refused():
    with pytest.raises(ValueError, match="absolute"):
        city_feed([], "/", AS_OF)


def test_validator_rejects_broken_feeds(atom_schema):
    """The grammar is not vacuous: a feed missing its id or with a bad date fails."""
    good = city_feed([_entry()], SITE, AS_OF)
    assert atom_schema.validate(etree.fromstring(good.encode()))
    no_id = re.sub(r"<id>[^<]*</id>", "", good, count=1)
    assert not atom_schema.validate(etree.fromstring(no_id.encode()))
    bad_date = good.replace("<updated>2025", "<updated>June 2025", 1)
    assert not atom_schema.validate(etree.fromstring(bad_date.encode()))
    stray = good.replace("<generator>", '<generator colour="red">', 1)
    assert not atom_schema.validate(etree.fromstring(stray.encode()))


def test_characters_xml_forbids_are_dropped(atom_schema):
    entry = _entry(
        committee="\x00业委会",
        changes=[Change("estate", "更正\x0c错字\x01", "changed", "名称 A\x1b → B")],
    )
    xml = city_feed([entry], SITE, AS_OF)
    root = assert_valid_atom(xml, atom_schema)
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}title") == "某小区：业委会更新了更正错字"
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}summary") == "名称 A → B"
