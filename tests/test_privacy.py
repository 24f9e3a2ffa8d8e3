"""The privacy guard (generator/privacy.py): the forms personal data takes, what it leaves
alone, the contacts exemption, the takedown list, and a scan of every file a real build
publishes — decoded the way a reader would get at it (HTML text and attributes, gzipped
search fragments, the workbook's XML, a printed notice's PDF text and its QR code)."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from html import escape as html_escape
from html import unescape as html_unescape
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator import privacy
from generator.cli import main
from generator.load import load
from generator.validate import validate
from tests.packages import COMMITTEES, ESTATE, MEMBERS, write_package

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"


def kinds(text: str, allow=()) -> list[str]:
    return [hit.kind for hit in privacy.find(text, allow=allow)]


# ------------------------------------------------------------------ what is personal data

PERSONAL = [
    # mobiles, in every spelling volunteers use
    ("13812345678", "mobile"),
    ("138-1234-5678", "mobile"),
    ("138.1234.5678", "mobile"),
    ("138 1234 5678", "mobile"),
    ("1381-234-5678", "mobile"),
    ("138 - 1234 - 5678", "mobile"),
    ("+86 138 1234 5678", "mobile"),
    ("+86-13812345678", "mobile"),
    ("0086 13812345678", "mobile"),
    ("(+86)13812345678", "mobile"),
    ("１３８１２３４５６７８", "mobile"),
    ("１３８－１２３４－５６７８", "mobile"),
    ("138\u200b1234\u200b5678", "mobile"),
    ("138\u200d1234\ufeff5678", "mobile"),
    ("一三八一二三四五六七八", "mobile"),
    ("联系人张先生13812345678", "mobile"),
    ("2025-01-12 由 138 1234 5678 报修", "mobile"),
    # landlines of a person (anywhere but the contacts table)
    ("02164581234", "landline"),
    ("021-64581234", "landline"),
    ("021 6458 1234", "landline"),
    ("(021)64581234", "landline"),
    ("（０２１）６４５８１２３４", "landline"),
    ("0571-8765 4321", "landline"),
    ("电话 64581234", "landline"),
    ("tel: 6458-1234", "landline"),
    # ID cards: birth date and checksum
    ("310104198001011239", "id_card"),
    ("31010419800101101X", "id_card"),
    ("31010419800101101x", "id_card"),
    ("310104 19800101 1239", "id_card"),
    ("310104-19800101-1239", "id_card"),
    ("３１０１０４１９８００１０１１２３９", "id_card"),
    ("310104800101123", "id_card"),
    # bank cards (Luhn)
    ("6222021234567890128", "bank_card"),
    ("6222 0212 3456 7890 128", "bank_card"),
    ("4111 1111 1111 1111", "bank_card"),
    # rooms, as people write them
    ("3号楼502室", "room"),
    ("3号楼 502 室", "room"),
    ("3号502", "room"),
    ("12#302", "room"),
    ("12＃302", "room"),
    ("12#楼302室", "room"),
    ("3-2-502", "room"),
    ("12-302", "room"),
    ("502室", "room"),
    ("502号房", "room"),
    ("1203房", "room"),
    ("3栋2单元502", "room"),
    ("2单元301", "room"),
    ("三号楼五零二室", "room"),
    ("五〇二室", "room"),
    ("Room 302", "room"),
    # the rest
    ("zhang.san@example.com", "email"),
    ("张三 zs_1980＠qq.com", "email"),
    ("微信：zhangsan_88", "wechat"),
    ("微信号 ZhangSan2024", "wechat"),
    ("vx: abc12345", "wechat"),
    ("wxid_abcdef123", "wechat"),
    ("沪A12345", "plate"),
    ("沪A·D12345", "plate"),
    ("车牌 沪B 8H888", "plate"),
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_personal_data_is_found_in_every_form(text, kind):
    assert kinds(text) == [kind]


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_masking_leaves_too_little_to_use(text, kind):
    masked = privacy.mask(text)
    assert masked != text and privacy.is_clean(masked), masked
    for hit in privacy.find(text):
        digits = re.sub(r"\D", "", privacy._view(text[hit.start : hit.end])[0])
        kept = re.sub(r"\D", "", privacy._view(hit.masked)[0])
        # At least four digits go (a mobile's middle four), or a room's whole number.
        assert len(digits) - len(kept) >= min(3 if kind == "room" else 4, len(digits)), hit


def test_masks_read_as_people_expect():
    assert privacy.mask("张*明 13812345678") == "张*明 138****5678"
    assert privacy.mask("+86 13812345678") == "+86 138****5678"
    assert privacy.mask("住3号楼502室") == "住3号楼***室"
    assert privacy.mask("12#302") == "12#***"
    assert privacy.mask("3-2-502") == "3-2-***"
    assert privacy.mask("zhang.san@example.com") == "z***@example.com"
    assert privacy.mask_name("张三丰") == "张**"
    assert privacy.mask_name("胡*萍") == "胡**"


NOT_PERSONAL = [
    "2025-01-12",
    "2025年1月12日",
    "2025-01-12 至 2025-03-31",
    "20250112",
    "81000.00",
    "81,000.00",
    "2,360,000.00",
    "0.60 元/㎡·月",
    "2.90 + 0.30 元/㎡·月",
    "150 元/位·月",
    "91310104MA1WHXCN5U",  # a unified social credit code
    "913101157178312345",  # digits only, region 9: not an ID
    "123456789012345678",  # no valid birth date or checksum
    "310104198001011234",  # a birth date, but the checksum is wrong
    "12",
    "12号楼",
    "3号楼2025年屋面防水维修",
    "涉及3号楼96户",
    "6号楼1200㎡",
    "1-100户",
    "100-1500 元",
    "2室1厅",
    "2025Q1",
    "2025H1",
    "2024-2025年度",
    "9:00-17:00",
    "周一至周五 9:00–17:00",
    "第3次会议",
    "1460户",
    "地面停车位150个",
    "热线12345",
    "服务热线 962121",
    "400-820-1234",
    "95511",
    "R2024-02",
    "M07",
    "meilin-xincun",
    "梅林路1200弄",
    "张*明",
    "上海梅苑物业管理有限公司",
    "审议2024年第四季度公共收益收支情况",
    "沪府发〔2020〕3号",
    "第一期、第二期",
]


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_money_dates_fees_codes_and_buildings_are_left_alone(text):
    assert kinds(text) == []
    assert privacy.mask(text) == text


def test_contacts_phone_allows_an_organisations_landline_never_a_mobile():
    allow = privacy.allowed_kinds("contacts", "phone")
    assert kinds("021-64581234", allow) == []
    assert kinds("400-820-1234", allow) == []
    assert kinds("12345", allow) == []
    assert kinds("13812345678", allow) == ["mobile"]
    # The exemption is that one column's.
    assert privacy.allowed_kinds("contacts", "address") == ()
    assert privacy.allowed_kinds("meetings", "phone") == ()


# ------------------------------------------------------------------ validation, end to end


def flat(data: Path) -> list[tuple]:
    report = validate(load(data), __import__("datetime").date(2026, 11, 20))
    return [
        (f.resource, f.row, f.field, f.rule)
        for f in report.findings
        if f.rule == "no-personal-data"
    ]


def test_every_published_text_is_checked_title_file_names_and_id_columns(tmp_path):
    members = MEMBERS.replace("M5,1,钱*", "13812345678,1,钱*")
    data = write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members)
    folder = data / "estates" / "test-estate"
    descriptor = yaml.safe_load((folder / "datapackage.yaml").read_text("utf-8"))
    descriptor["title"] = "测试小区（主任 139 1234 5678）"
    (folder / "committees.csv").rename(folder / "13712345678.csv")
    descriptor["resources"][1]["path"] = "13712345678.csv"
    (folder / "datapackage.yaml").write_text(yaml.safe_dump(descriptor, allow_unicode=True))
    assert sorted(flat(data), key=str) == [
        ("committees", None, "path", "no-personal-data"),
        ("members", 6, "member_id", "no-personal-data"),
        (None, None, "title", "no-personal-data"),
    ]


def test_a_mobile_in_contacts_is_refused_a_landline_is_not(tmp_path):
    schema = yaml.safe_load((REPO / "data/schemas/contacts.schema.yaml").read_text("utf-8"))
    header = [f["name"] for f in schema["fields"]]
    example = {f["name"]: str(f.get("example", "")) for f in schema["fields"]}

    def row(**values):
        cells = {**example, **values}
        return ",".join(cells[name] for name in header)

    roles = next(f for f in schema["fields"] if f["name"] == "role")["constraints"]["enum"]
    rows = [row(role=roles[0], phone="021-64581234"), row(role=roles[1], phone="13812345678")]
    contacts = "\n".join([",".join(header), *rows]) + "\n"
    data = write_package(
        tmp_path, estate=ESTATE, committees=COMMITTEES, members=MEMBERS, contacts=contacts
    )
    assert flat(data) == [("contacts", 3, "phone", "no-personal-data")]
    result = CliRunner().invoke(main, ["validate", str(data), "--format", "json"])
    assert result.exit_code == 1
    assert "13812345678" not in result.output and "138****5678" in result.output
    assert "021-64581234" in (data / "estates/test-estate/contacts.csv").read_text("utf-8")


def test_messages_never_echo_a_number_they_quote(tmp_path):
    # A phone typed into a whole-number column: frictionless' type-error quotes the cell.
    members = MEMBERS.replace("M5,1,钱*,委员,是,否,是,5,", "M5,1,钱*,委员,是,否,是,138 1234 5678,")
    data = write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members)
    for fmt in ("table", "json", "github"):
        result = CliRunner().invoke(main, ["validate", str(data), "--format", fmt])
        assert result.exit_code == 1, result.output
        assert "1234" not in re.sub(r"\d{4}-\d{2}-\d{2}", "", result.output), result.output
        assert "138 **** 5678" in result.output, result.output


# ------------------------------------------------------------------ the takedown list


def test_takedown_list_is_checked_before_anything_is_built(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    for bad, says in [
        ("- value: 张三\n", "reason"),
        ("- value: 张三\n  reason: x\n  date: soon\n", "date"),
        ("- estate: x\n  table: members\n  reason: x\n  date: 2026-11-30\n", "key"),
        ("value: 张三\n", "列表"),
        ("- value: 张三\n  estate: x\n  reason: x\n  date: 2026-11-30\n", "value"),
        ("- colour: red\n  reason: x\n  date: 2026-11-30\n", "colour"),
    ]:
        (data / "redactions.yaml").write_text(bad, "utf-8")
        result = CliRunner().invoke(main, [
            "build", str(data), "--site-dir", str(tmp_path / "site"),
            "--build-dir", str(tmp_path / "build"), "--as-of", AS_OF,
            "--site-url", "https://sunlight.example.org/",
        ])  # fmt: skip
        assert result.exit_code == 2, (bad, result.output)
        assert says in result.output and "redactions.yaml" in result.output, result.output
        assert not (tmp_path / "site").exists()


def test_guard_masks_rows_and_values_and_keeps_other_bytes():
    guard = privacy.Guard(
        privacy.load_redactions(
            [
                {"value": "胡*萍", "reason": "本人要求", "date": "2026-11-30"},
                {
                    "estate": "e",
                    "table": "members",
                    "key": {"member_id": "M2"},
                    "fields": ["display_name"],
                    "reason": "录入错误",
                    "date": "2026-11-30",
                },
            ]
        )
    )
    data = "member_id,display_name,role\r\nM1,胡*萍,主任\r\nM2,李四光,委员\r\nM3,王*,委员\r\n"
    out = guard.csv("e", "members", data.encode()).decode()
    assert out == "member_id,display_name,role\r\nM1,胡**,主任\r\nM2,李**,委员\r\nM3,王*,委员\r\n"
    clean = "member_id,display_name,role\nM3,王*,委员\n".encode()
    assert guard.csv("e", "members", clean) == clean
    assert guard.text("胡*萍当选主任") == "胡**当选主任"
    assert guard.fingerprint != privacy.Guard().fingerprint


# ------------------------------------------------------------------ every published file

# Texts the guard must let through, published on a real page (a meeting's topic).
ACCEPTED_IN_PAGES = [
    "物业服务费 0.60 元/㎡·月（包干制）", "3号楼2025年屋面防水维修", "涉及3号楼96户",
    "预算 2360000.00 元", "服务热线 962121", "400-820-1234", "热线12345", "2室1厅",
    "上海梅苑物业管理有限公司（91310104MA1WHXCN5U）", "张*明", "1-100户", "6号楼1200㎡",
    "2025-01-12 至 2025-03-31",
]  # fmt: skip

# A member of the sample data whose name a resident asked to take down, and a row whose
# name was entered wrongly: neither may appear in any output.
TAKEDOWN_VALUE = "毛*燕"


# District data (data/districts/): the takedown value planted in a supervision reason, a
# visit's note and a pool's removal reason, all of which the pages publish; and one visit
# taken down by its key, whose note must then be nowhere.
DISTRICT_ROW_KEY = {"listing_id": "YP-2026-03", "visit_date": "2026-06-18"}
DISTRICT_ROW_TEXT = "听取欠费户意见"


def _plant_in_district_data(data: Path) -> None:
    def edit(name: str, old: str, new: str) -> None:
        path = data / "districts/yangpu" / name
        text = path.read_text("utf-8")
        assert old in text, f"the sample data changed: {name} has no {old}"
        path.write_text(text.replace(old, new), "utf-8")

    edit("supervision.csv", "后进小区：", f"后进小区（{TAKEDOWN_VALUE}反映）：")
    edit(
        "supervision_visits.csv", "督促物业服务中心公布服务清单", f"与{TAKEDOWN_VALUE}核对服务清单"
    )
    edit("supervision_visits.csv", DISTRICT_ROW_TEXT, DISTRICT_ROW_TEXT)  # (present)
    edit("company_pool.csv", "年度考评不合格", f"年度考评不合格（{TAKEDOWN_VALUE}复核）")


@pytest.fixture(scope="module")
def guarded_site(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("guarded")
    data = out / "data"
    shutil.copytree(REPO / "data", data)
    members = (data / "estates/meilin-xincun/members.csv").read_text("utf-8")
    assert TAKEDOWN_VALUE in members, "the sample data changed: pick another name"
    row_key = next(
        line.split(",")[0] for line in members.splitlines()[1:] if TAKEDOWN_VALUE not in line
    )
    row_name = next(
        line.split(",")[2] for line in members.splitlines()[1:] if line.startswith(row_key + ",")
    )
    (data / "redactions.yaml").write_text(
        yaml.safe_dump(
            [
                {"value": TAKEDOWN_VALUE, "reason": "本人要求撤下", "date": "2026-11-30"},
                {
                    "estate": "meilin-xincun",
                    "table": "members",
                    "key": {"member_id": row_key},
                    "fields": ["display_name"],
                    "reason": "姓名录入错误",
                    "date": "2026-11-30",
                },
                # A district's row: its label is districts/<slug>, its key the table's.
                {
                    "estate": "districts/yangpu",
                    "table": "supervision_visits",
                    "key": dict(DISTRICT_ROW_KEY),
                    "fields": ["checked"],
                    "reason": "走访记录写了住户的情况",
                    "date": "2026-11-30",
                },
            ],
            allow_unicode=True,
        ),
        "utf-8",
    )
    # The corpus' accepted cases, published as they are: nothing in them is personal.
    meetings = data / "estates/meilin-xincun/meetings.csv"
    lines = meetings.read_text("utf-8").splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[5] = "；".join(ACCEPTED_IN_PAGES)
    lines[1] = ",".join(cells)
    meetings.write_text("".join(lines), "utf-8")
    _plant_in_district_data(data)
    site = out / "site"
    sunlight = Path(sys.executable).parent / "sunlight"
    result = subprocess.run(
        [str(sunlight), "build", str(data), "--site-dir", str(site), "--build-dir",
         str(out / "build"), "--as-of", AS_OF, "--site-url", "https://sunlight.example.org/"],
        cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (out / "row_name").write_text(row_name, "utf-8")
    return site, out


SVG_GEOMETRY = {"d", "viewbox", "viewBox", "points", "transform", "x", "y", "x1", "x2", "y1",
                "y2", "cx", "cy", "r", "width", "height"}  # fmt: skip


def _published_texts(site: Path):
    """(file, text) for every published file, decoded as a reader would get at it."""
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # Pagefind's fragments and index chunks
            raw = gzip.decompress(raw)
            if raw.startswith(b"pagefind_dcd"):
                raw = raw[len(b"pagefind_dcd") :]
        if path.suffix == ".html":
            soup = BeautifulSoup(raw.decode("utf-8"), "html.parser")
            # Scripts of the theme and search are code, not data; inline JSON of ours is.
            for script in soup.find_all("script"):
                if script.get("src"):
                    script.decompose()
            # Every attribute a reader or a crawler sees; not SVG geometry (path data).
            attributes = "\n".join(
                str(value)
                for tag in soup.find_all(True)
                for name, value in tag.attrs.items()
                if name not in SVG_GEOMETRY
            )
            # One text node or attribute a line: cells of a table are not one number.
            yield path, soup.get_text("\n") + "\n" + attributes
        elif path.suffix == ".xlsx":
            # A streamed workbook writes every CJK character as a character reference
            # (&#26757;): read the XML as Excel does, or a name would slip past.
            with zipfile.ZipFile(io.BytesIO(raw)) as book:
                yield (
                    path,
                    " ".join(_xml_text(book.read(n)) for n in book.namelist()),
                )
        elif path.suffix in (".png", ".jpg", ".ico", ".woff", ".woff2", ".wasm"):
            continue
        elif path.suffix in (".js", ".css", ".map") and {"assets", "pagefind"} & set(path.parts):
            continue  # the theme's own bundles (and their authors' credits): no data in them
        elif path.suffix == ".xml" or path.name.endswith(".xml.gz"):
            yield path, _xml_text(raw)  # feeds and sitemaps, as a feed reader shows them
        else:
            yield path, raw.decode("utf-8", "replace")


def _xml_text(raw: bytes) -> str:
    """XML as its reader sees it: references resolved, and once more for the HTML an Atom
    entry carries escaped inside it (&amp;#26757; is 梅 on the reader's screen)."""
    return html_unescape(html_unescape(raw.decode("utf-8", "replace")))


def _allowed_numbers(data: Path) -> set[str]:
    """Organisations' public numbers from the contacts tables: the one exemption."""
    allowed = set()
    for path in data.glob("estates/*/contacts.csv"):
        for line in path.read_text("utf-8").splitlines()[1:]:
            allowed.update(re.sub(r"\D", "", cell) for cell in line.split(",") if cell)
    return allowed


def test_no_published_file_holds_personal_data(guarded_site):
    site, out = guarded_site
    allowed = _allowed_numbers(out / "data")
    leaks = []
    for path, text in _published_texts(site):
        for hit in privacy.find(text):
            digits = re.sub(r"\D", "", privacy._view(text[hit.start : hit.end])[0])
            if hit.kind == "landline" and digits in allowed:
                continue
            leaks.append((str(path.relative_to(site)), hit.kind, hit.masked))
    assert not leaks, leaks[:20]
    meetings = (site / "estates/meilin-xincun/governance/index.html").read_text("utf-8")
    for accepted in ACCEPTED_IN_PAGES:
        assert html_escape(accepted, quote=False) in meetings, accepted


def test_takedowns_reach_every_output(guarded_site):
    site, out = guarded_site
    row_name = (out / "row_name").read_text("utf-8")
    hits = [
        str(path.relative_to(site))
        for path, text in _published_texts(site)
        if TAKEDOWN_VALUE in text or row_name in text
    ]
    assert not hits, hits[:20]
    members = (site / "estates/meilin-xincun/data/members.csv").read_text("utf-8")
    assert privacy.mask_name(TAKEDOWN_VALUE) in members
    # Files the list does not touch are published byte for byte.
    for name in ("fees.csv", "common_income.csv"):
        assert (site / "estates/meilin-xincun/data" / name).read_bytes() == (
            out / "data/estates/meilin-xincun" / name
        ).read_bytes()
    package = json.loads((site / "estates/meilin-xincun/data/datapackage.json").read_text("utf-8"))
    assert package["resources"]


# Every kind of file the city, district, street and company pages publish, and what its
# decoded text must hold: proof the scan read it as a reader would (the workbook unzipped,
# the CSV's BOM and the gzipped sitemap decoded), not just that a file of that name exists.
SCANNED_PLACES = [
    ("overview/index.html", "梅林新村"),
    ("overview/estates.json", "梅林新村"),
    ("overview/estates.csv", "梅林新村"),
    ("overview/estates.xlsx", "梅林新村"),
    ("overview/names.json", "梅林新村"),  # the directory's name box
    ("overview/*/index.html", "小区"),
    ("overview/*/estates.csv", "小区"),
    ("overview/*/estates.xlsx", "小区"),
    ("districts/*/index.html", "小区"),
    ("districts/*/value/index.html", "质价"),
    ("districts/*/medians.json", "as_of"),
    ("districts/*/*/index.html", "小区"),  # streets, and each district's value page
    ("districts/*/*/digest/index.html", "小区"),
    ("districts/*/*/value/index.html", "质价"),  # each street's 质价 page
    ("districts/*/*/digest.xml", "<feed"),
    ("companies/index.html", "物业"),
    ("companies/*/index.html", "物业"),
    ("sitemap.xml", "https://sunlight.example.org/"),
    ("sitemap.xml.gz", "https://sunlight.example.org/"),
    ("sitemaps/*.xml", "https://sunlight.example.org/"),
    ("sitemaps/districts/*.xml", "https://sunlight.example.org/estates/"),
    ("feed.xml", "<feed"),
    ("estates/*/feed.xml", "<feed"),
    ("guide/*.xlsx", "小区"),  # the committees' blank workbook
]


def test_the_scan_reads_every_new_kind_of_output(guarded_site):
    site, _ = guarded_site
    texts = {str(path.relative_to(site)): text for path, text in _published_texts(site)}
    for pattern, marker in SCANNED_PLACES:
        files = [f for f in texts if Path(f).match(pattern) and f.count("/") == pattern.count("/")]
        assert files, f"nothing published at {pattern}: is the scan list out of date?"
        for name in files:
            assert marker in texts[name], (name, marker, texts[name][:200])
    # The city's CSV is for Excel on Chinese Windows: a BOM, then Chinese headers.
    assert (site / "overview/estates.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # Everything but fonts, pictures and the theme's own code is read.
    skipped = {
        str(p.relative_to(site))
        for p in site.rglob("*")
        if p.is_file() and str(p.relative_to(site)) not in texts
    }
    assert all(
        Path(s).suffix
        in (".png", ".jpg", ".ico", ".woff", ".woff2", ".wasm", ".js", ".css", ".map")
        for s in skipped
    ), sorted(skipped)[:20]


def test_district_data_passes_the_takedown_list_on_every_page(guarded_site):
    site, _ = guarded_site
    masked = privacy.mask_name(TAKEDOWN_VALUE)
    texts = dict(_published_texts(site))
    # The planted texts are published (masked): the scan above is not vacuous for them.
    for page, planted in [
        ("estates/lingyuan-xiaoqu/index.html", f"后进小区（{masked}反映）"),
        ("districts/yangpu/index.html", f"后进小区（{masked}反映）"),
        ("estates/lingyuan-xiaoqu/index.html", f"与{masked}核对服务清单"),
        ("companies/91310110MA1FRMT477/index.html", f"年度考评不合格（{masked}复核）"),
    ]:
        assert planted in texts[site / page], (page, planted)
    # The visit taken down by its key: its note is nowhere, its date still is.
    hits = [str(p.relative_to(site)) for p, text in texts.items() if DISTRICT_ROW_TEXT in text]
    assert not hits, hits
    assert "2026-06-18" in texts[site / "estates/lingyuan-xiaoqu/index.html"]


def _district_site_run(data: Path, tmp_path: Path, *args: str):
    return CliRunner().invoke(main, [*args, str(data), "--as-of", AS_OF, *(
        ["--site-dir", str(tmp_path / "site"), "--build-dir", str(tmp_path / "build"),
         "--site-url", "https://sunlight.example.org/"] if args[0] == "build" else []
    )])  # fmt: skip


def test_personal_data_in_a_districts_csv_is_refused_and_never_echoed(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    yangpu = data / "districts/yangpu"

    def edit(name: str, old: str, new: str) -> None:
        text = (yangpu / name).read_text("utf-8")
        assert old in text
        (yangpu / name).write_text(text.replace(old, new), "utf-8")

    # A visit's note with a resident's mobile, a reason with a room number, a pool row
    # whose company name carries a mobile: each refused where it is.
    edit("supervision_visits.csv", "听取欠费户意见", "听取欠费户 139 1234 5678 意见")
    edit("supervision.csv", "后进小区：", "后进小区：12号楼302室反映，")
    edit("company_pool.csv", "上海悦江物业服务有限公司", "上海悦江物业服务有限公司13812345678")
    result = _district_site_run(data, tmp_path, "validate", "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = sorted(
        (f["estate"], f["path"], f["row"], f["field"])
        for f in report["findings"]
        if f["rule"] == "no-personal-data"
    )
    assert found == [
        ("districts/yangpu", "data/districts/yangpu/company_pool.csv", 2, "company_name"),
        ("districts/yangpu", "data/districts/yangpu/supervision.csv", 2, "reason"),
        ("districts/yangpu", "data/districts/yangpu/supervision_visits.csv", 3, "checked"),
    ], found
    for f in report["findings"]:
        if f["rule"] == "no-personal-data":
            assert re.search(r"[\u4e00-\u9fff]", f["message"]) and f["message_en"], f
    for secret in ("1234 5678", "12345678", "302室"):
        assert secret not in result.output, secret
    # The build refuses too, in words, and publishes nothing.
    built = _district_site_run(data, tmp_path, "build")
    assert built.exit_code == 1, built.output
    assert "Traceback" not in built.output and "no-personal-data" in built.output
    assert "12345678" not in built.output and "302室" not in built.output
    assert not (tmp_path / "site").exists()


@pytest.mark.browser
def test_a_printed_notice_and_its_qr_code_hold_no_personal_data(guarded_site, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    site, out = guarded_site
    sunlight = Path(sys.executable).parent / "sunlight"
    result = subprocess.run(
        [str(sunlight), "notices", "--site-dir", str(site), "--out", str(tmp_path / "n"),
         "--estate", "meilin-xincun"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "n/estates/meilin-xincun.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    allowed = _allowed_numbers(out / "data")
    for hit in privacy.find(text):
        digits = re.sub(r"\D", "", privacy._view(text[hit.start : hit.end])[0])
        assert hit.kind == "landline" and digits in allowed, hit
    assert TAKEDOWN_VALUE not in text
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    (code,) = zxingcpp.read_barcodes(Image.open(png))
    assert code.text.startswith("https://sunlight.example.org/estates/meilin-xincun/")
    assert privacy.is_clean(code.text)


def test_ci_output_masks_takedown_values_in_messages(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    members = data / "estates/meilin-xincun/members.csv"
    text = members.read_text("utf-8")
    row = next(line for line in text.splitlines() if TAKEDOWN_VALUE in line)
    # A start date before the term: member-in-term names the member in its message.
    members.write_text(text.replace(row, row.replace("2023-06-18", "2020-01-01")), "utf-8")
    before = CliRunner().invoke(main, ["validate", str(data), "--format", "json"])
    assert before.exit_code == 1 and TAKEDOWN_VALUE in before.output
    (data / "redactions.yaml").write_text(
        f"- value: {TAKEDOWN_VALUE}\n  reason: 本人要求撤下\n  date: 2026-11-30\n", "utf-8"
    )
    for fmt in ("table", "json", "github"):
        after = CliRunner().invoke(main, ["validate", str(data), "--format", fmt])
        assert after.exit_code == 1
        assert TAKEDOWN_VALUE not in after.output, fmt
        assert privacy.mask_name(TAKEDOWN_VALUE) in after.output, fmt
