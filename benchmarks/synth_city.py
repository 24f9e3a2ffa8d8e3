#!/usr/bin/env python3
"""Write a synthetic city: N valid estate packages (default 10,000) for the benchmarks.

    .venv/bin/python benchmarks/synth_city.py --n 10000 --out /tmp/city/data

The estates are made by the sample-data generator (scripts/sample_data.py) from five of
its eight estate descriptions, each given a new identity: a unique Chinese name
(梅林东苑, 锦云花园 …), an id spelled in pinyin, one of Shanghai's 16 districts and a
real street in it, its own residents' committee, property company and audit firm.
sample_data seeds its random numbers with the estate id, so every estate gets its own
committee members, meetings, statements and ledgers, and every number still reconciles
to the cent: the city passes ``sunlight validate`` with no errors (warnings are expected,
as in any real city: late disclosures, low maintenance funds).

The two pinned estates of domain.md (梅林新村, 滨江华庭) and 苓园小区 (whose fee is
pinned above the band) are not used as templates: their figures are fixed to their ids.

Every estate publishes its fee collection (物业费收缴, the rate its property type usually
has) and most name a 攻坚第一题 with progress notes. Every district gets a package under
``districts/`` as the districts keep them: a supervision list (about one estate in a
hundred, two in three of them still listed and visited every three or four weeks, the
others delisted) and a company pool (most of the companies serving its estates, a few
removed), with the credit codes the estates' contracts carry.

Same --n and --seed, same bytes. Output goes to ``--out`` (the folder gets ``estates/``,
``districts/``, ``schemas/`` and ``rules.yaml``, like data/); it is deleted first.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import importlib.util
import random
import shutil
import sys
import time
from pathlib import Path

from generator.places import DISTRICT_SLUGS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def _load_sample_data():
    """scripts/sample_data.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / "sample_data.py"
    spec = importlib.util.spec_from_file_location("sunlight_sample_data", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


sd = _load_sample_data()

# Estate descriptions that do not depend on their own id (see the module docstring).
TEMPLATES = [
    sd.pujin_jiayuan,
    sd.xiangzhang_yayuan,
    sd.langui_huayuan,
    sd.jiangwan_yueting,
    sd.kangxin_yuan,
]

# ---------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------

# Roots people name estates after: places (梅林, 曹杨 …) and good wishes (锦绣, 康乐 …).
ROOTS = """
梅林 meilin 田林 tianlin 康健 kangjian 长风 changfeng 曹杨 caoyang 彭浦 pengpu 凉城 liangcheng
控江 kongjiang 鞍山 anshan 延吉 yanji 长白 changbai 三林 sanlin 上南 shangnan 潍坊 weifang
金杨 jinyang 塘桥 tangqiao 花木 huamu 洋泾 yangjing 北蔡 beicai 周浦 zhoupu 莘庄 xinzhuang
古美 gumei 梅陇 meilong 虹梅 hongmei 龙华 longhua 华泾 huajing 天平 tianping 枫林 fenglin
凌云 lingyun 长桥 changqiao 虹桥 hongqiao 仙霞 xianxia 天山 tianshan 新泾 xinjing 华阳 huayang
宜川 yichuan 甘泉 ganquan 石泉 shiquan 真如 zhenru 桃浦 taopu 万里 wanli 临汾 linfen
大宁 daning 芷江 zhijiang 共康 gongkang 大场 dachang 淞南 songnan 张庙 zhangmiao 通河 tonghe
泗塘 sitang 吴淞 wusong 月浦 yuepu 罗店 luodian 顾村 gucun 江湾 jiangwan 殷行 yinhang
四平 siping 平凉 pingliang 定海 dinghai 南翔 nanxiang 安亭 anting 马陆 malu 江桥 jiangqiao
菊园 juyuan 泗泾 sijing 九亭 jiuting 佘山 sheshan 车墩 chedun 赵巷 zhaoxiang 徐泾 xujing
南桥 nanqiao 朱泾 zhujing 城桥 chengqiao 七宝 qibao 颛桥 zhuanqiao 吴泾 wujing 浦江 pujiang
华漕 huacao 江川 jiangchuan 川沙 chuansha 高桥 gaoqiao 高行 gaohang 金桥 jinqiao
张江 zhangjiang 惠南 huinan 泥城 nicheng 书院 shuyuan 新场 xinchang 康桥 kangqiao
航头 hangtou 祝桥 zhuqiao 曹路 caolu 合庆 heqing 锦绣 jinxiu 康乐 kangle 阳光 yangguang
碧云 biyun 春申 chunshen 翠湖 cuihu 紫薇 ziwei 丽水 lishui 绿洲 lvzhou 银杏 yinxing
玉兰 yulan 海棠 haitang 香樟 xiangzhang 桂花 guihua 紫荆 zijing 明珠 mingzhu 东方 dongfang
世纪 shiji 盛世 shengshi 和平 heping 幸福 xingfu 建设 jianshe 工农 gongnong 红旗 hongqi
曙光 shuguang 新华 xinhua 光明 guangming 友谊 youyi 嘉和 jiahe 云锦 yunjin 水岸 shuian
滨河 binhe 兰馨 lanxin 福海 fuhai 春江 chunjiang 秋水 qiushui 怡景 yijing 欣荣 xinrong
瑞金 ruijin 宝华 baohua 荣华 ronghua 万源 wanyuan 华富 huafu 嘉宝 jiabao 金晖 jinhui
永和 yonghe 长寿 changshou 安居 anju 富康 fukang 恒盛 hengsheng 松鹤 songhe 梧桐 wutong
枫丹 fengdan 中远 zhongyuan 鸿福 hongfu 泰和 taihe 丰庄 fengzhuang 仁和 renhe 文化 wenhua
民星 minxing 三门 sanmen 政通 zhengtong 国和 guohe 市光 shiguang 开鲁 kailu 营口 yingkou
"""

# Single characters that make plausible two-character roots in any order (锦云, 嘉泰 …).
CHARS = """
锦 jin 云 yun 嘉 jia 泰 tai 华 hua 康 kang 乐 le 安 an 福 fu 瑞 rui 祥 xiang 和 he 兴 xing
荣 rong 盛 sheng 丰 feng 宝 bao 金 jin 银 yin 玉 yu 翠 cui 碧 bi 绿 lv 春 chun 秋 qiu
晨 chen 曦 xi 阳 yang 明 ming 光 guang 星 xing 月 yue 海 hai 江 jiang 河 he 湖 hu 泉 quan
溪 xi 林 lin 松 song 柏 bai 梅 mei 兰 lan 竹 zhu 菊 ju 桂 gui 樟 zhang 杉 shan 枫 feng
桃 tao 李 li 杏 xing 莲 lian 荷 he 芳 fang 馨 xin 香 xiang 雅 ya 静 jing 宁 ning 欣 xin
怡 yi 悦 yue 佳 jia 美 mei 丽 li 秀 xiu 德 de 仁 ren 信 xin 义 yi 正 zheng 中 zhong
东 dong 南 nan 西 xi 北 bei 新 xin 长 chang 永 yong 万 wan 千 qian 百 bai 富 fu 贵 gui
"""

# What follows the root: the kind of estate (新村 for 1950s–90s workers' housing …).
SUFFIXES = """
新村 xincun 小区 xiaoqu 花园 huayuan 华庭 huating 雅苑 yayuan 佳苑 jiayuan 公寓 gongyu
家园 jiayuan 名邸 mingdi 苑 yuan 园 yuan 一村 yicun 二村 ercun 三村 sancun 四村 sicun
五村 wucun 东区 dongqu 西区 xiqu 南区 nanqu 北区 beiqu 大厦 dasha 丽苑 liyuan 绿苑 lvyuan
景苑 jingyuan 新苑 xinyuan 馨苑 xinyuan 嘉园 jiayuan 华府 huafu 雅居 yaju 名苑 mingyuan
公馆 gongguan 坊 fang 里 li 湾 wan 新城 xincheng 山庄 shanzhuang 家苑 jiayuan 雅园 yayuan
花苑 huayuan 世家 shijia 水苑 shuiyuan 丽景 lijing 东苑 dongyuan 西苑 xiyuan 南苑 nanyuan
北苑 beiyuan 东村 dongcun 西村 xicun 南村 nancun 北村 beicun 新邨 xincun 别墅 bieshu
"""


def _pairs(text: str) -> list[tuple[str, str]]:
    words = text.split()
    return list(zip(words[::2], words[1::2], strict=True))


ROOT_WORDS = _pairs(ROOTS)
CHAR_WORDS = _pairs(CHARS)
SUFFIX_WORDS = _pairs(SUFFIXES)

# ---------------------------------------------------------------------------------------
# Places: the 16 districts, a share of the city's estates each, and real streets and towns
# ---------------------------------------------------------------------------------------

DISTRICTS = {
    # district: (weight, credit-code area, streets)
    "黄浦区": (4, "310101", "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 老西门街道 五里桥街道 打浦桥街道 淮海中路街道 瑞金二路街道"),
    "徐汇区": (7, "310104", "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 田林街道 虹梅路街道 康健新村街道 徐家汇街道 凌云路街道 龙华街道 漕河泾街道 华泾镇"),
    "长宁区": (5, "310105", "华阳路街道 江苏路街道 新华路街道 周家桥街道 天山路街道 仙霞新村街道 虹桥街道 程家桥街道 北新泾街道 新泾镇"),
    "静安区": (7, "310106", "江宁路街道 石门二路街道 南京西路街道 静安寺街道 曹家渡街道 天目西路街道 北站街道 宝山路街道 共和新路街道 大宁路街道 彭浦新村街道 临汾路街道 芷江西路街道 彭浦镇"),
    "普陀区": (6, "310107", "曹杨新村街道 长风新村街道 长寿路街道 甘泉路街道 石泉路街道 宜川路街道 万里街道 真如镇街道 长征镇 桃浦镇"),
    "虹口区": (5, "310109", "欧阳路街道 曲阳路街道 广中路街道 嘉兴路街道 凉城新村街道 四川北路街道 北外滩街道 江湾镇街道"),
    "杨浦区": (7, "310110", "定海路街道 平凉路街道 江浦路街道 四平路街道 控江路街道 长白新村街道 延吉新村街道 殷行街道 大桥街道 五角场街道 新江湾城街道 长海路街道"),
    "闵行区": (10, "310112", "江川路街道 古美街道 新虹街道 浦锦街道 莘庄镇 七宝镇 颛桥镇 华漕镇 虹桥镇 梅陇镇 吴泾镇 马桥镇 浦江镇"),
    "宝山区": (8, "310113", "友谊路街道 吴淞街道 张庙街道 罗店镇 大场镇 杨行镇 月浦镇 罗泾镇 顾村镇 高境镇 庙行镇 淞南镇"),
    "嘉定区": (5, "310114", "新成路街道 真新街道 嘉定镇街道 南翔镇 安亭镇 马陆镇 徐行镇 华亭镇 外冈镇 江桥镇"),
    "浦东新区": (18, "310115", "潍坊新村街道 陆家嘴街道 周家渡街道 塘桥街道 上钢新村街道 南码头路街道 沪东新村街道 金杨新村街道 洋泾街道 浦兴路街道 东明路街道 花木街道 川沙新镇 高桥镇 北蔡镇 合庆镇 唐镇 曹路镇 金桥镇 高行镇 高东镇 张江镇 三林镇 惠南镇 周浦镇 新场镇 康桥镇 航头镇 祝桥镇 泥城镇 书院镇"),
    "金山区": (2, "310116", "石化街道 朱泾镇 枫泾镇 张堰镇 亭林镇 吕巷镇 廊下镇 金山卫镇 漕泾镇 山阳镇"),
    "松江区": (5, "310117", "岳阳街道 永丰街道 方松街道 中山街道 广富林街道 九里亭街道 泗泾镇 佘山镇 车墩镇 新桥镇 洞泾镇 九亭镇 泖港镇"),
    "青浦区": (3, "310118", "夏阳街道 盈浦街道 香花桥街道 朱家角镇 练塘镇 金泽镇 赵巷镇 徐泾镇 华新镇 重固镇 白鹤镇"),
    "奉贤区": (3, "310120", "西渡街道 奉浦街道 金海街道 南桥镇 奉城镇 庄行镇 金汇镇 四团镇 青村镇 柘林镇 海湾镇"),
    "崇明区": (1, "310151", "城桥镇 堡镇 新河镇 庙镇 竖新镇 向化镇 陈家镇 长兴镇 横沙乡"),
}  # fmt: skip

# URL slugs of the districts, as the site uses them.
SLUGS = DISTRICT_SLUGS

COMPANY_KINDS = ("物业管理有限公司", "物业服务有限公司", "物业有限公司")
AUDIT_KINDS = ("会计师事务所有限公司", "会计师事务所（普通合伙）")


@dataclasses.dataclass(frozen=True)
class Identity:
    estate_id: str
    name: str
    root: str
    district: str
    street: str
    credit_admin: str


# Ids sample_data gives figures of their own (domain.md's pinned estates, the sample's
# fee rise and arrears): a synthetic estate that took one got them, and 梅林新村's ledger,
# pinned to its five roof buildings, broke the city of seed 20261204. Such an estate is
# spelled meilin-xincun-2.
PINNED_IDS = frozenset({"meilin-xincun", "binjiang-huating", "jiangwan-yueting", "lingyuan-xiaoqu"})


def identities(n: int, seed: int) -> list[Identity]:
    """``n`` estates with unique names and ids, spread over the districts by weight."""
    rng = random.Random(f"sunlight-city:{seed}")
    # Roots: the named ones (three times as likely) and made-up pairs of characters.
    made_up = sorted({(a + b, pa + pb) for a, pa in CHAR_WORDS for b, pb in CHAR_WORDS if a != b})
    rng.shuffle(made_up)
    roots = ROOT_WORDS * 3 + made_up[: max(3000, n // 3)]
    districts = list(DISTRICTS)
    weights = [DISTRICTS[d][0] for d in districts]
    names: set[str] = set()
    ids: set[str] = set(PINNED_IDS)
    out = []
    while len(out) < n:
        (root, root_py), (suffix, suffix_py) = rng.choice(roots), rng.choice(SUFFIX_WORDS)
        name = root + suffix
        if name in names:
            continue
        names.add(name)
        estate_id = base = f"{root_py}-{suffix_py}"
        k = 2
        while estate_id in ids:  # same pinyin, other characters: 佳苑 / 家园
            estate_id, k = f"{base}-{k}", k + 1
        ids.add(estate_id)
        district = rng.choices(districts, weights)[0]
        _, admin, streets = DISTRICTS[district]
        street = rng.choice(streets.split())
        out.append(Identity(estate_id, name, root, district, street, admin))
    return out


# ---------------------------------------------------------------------------------------
# Estates
# ---------------------------------------------------------------------------------------


def make_estate(who: Identity) -> tuple[object, dict[str, list[dict]]]:
    """The tables of one estate: a template described anew, then built by sample_data."""
    rng = random.Random(f"sunlight-city:{who.estate_id}")
    template = rng.choice(TEMPLATES)()
    company_root = rng.choice(CHAR_WORDS)[0] + rng.choice(CHAR_WORDS)[0]
    renamed = {}
    for contract in template.contracts:
        if contract.company not in renamed:
            renamed[contract.company] = (
                f"上海{company_root}{rng.choice(COMPANY_KINDS)}"
                if not renamed
                else f"上海{rng.choice(ROOT_WORDS)[0]}{rng.choice(COMPANY_KINDS)}"
            )
    old = {
        template.name: who.name,
        template.residents_committee: f"{who.root}居委会",
        template.street: who.street,
        template.district: who.district,
        **renamed,
    }
    spec = dataclasses.replace(
        template,
        estate_id=who.estate_id,
        name=who.name,
        district=who.district,
        street=who.street,
        residents_committee=f"{who.root}居委会",
        credit_admin=who.credit_admin,
        audit_firm=(
            f"上海{rng.choice(ROOT_WORDS)[0]}{rng.choice(AUDIT_KINDS)}"
            if template.audit_firm
            else None
        ),
        contracts=[dataclasses.replace(c, company=renamed[c.company]) for c in template.contracts],
    )
    tables = sd.build_estate(spec)
    if rng.random() < 0.7:
        tables["priority_task"], tables["priority_progress"] = make_priority(rng)
    # Texts written into the description (assembly votes, meeting topics) still name the
    # template's company, street or estate: give them the new ones, longest first.
    pairs = sorted(old.items(), key=lambda kv: -len(kv[0]))
    for rows in tables.values():
        for row in rows:
            for key, value in row.items():
                if isinstance(value, str) and key != "estate_id":
                    for before, after in pairs:
                        if before in value:
                            value = value.replace(before, after)
                    row[key] = value
    sd.check_estate(spec, tables)  # asserts every error rule, as for the sample
    sd.check_new_tables(spec, tables)
    return spec, tables


# 攻坚第一题: problems estates commonly tackle first, who leads, and what progress reads.
PROBLEMS = (
    ("非机动车集中充电车棚不足", "业委会、物业服务中心"),
    ("楼道堆物多，消防通道不畅", "居委会、业委会、物业服务中心"),
    ("雨污混接，雨天积水", "业委会、居委会"),
    ("停车位紧张，车辆乱停", "业委会、物业服务中心"),
    ("物业费收缴率偏低", "居委会、业委会、物业服务中心"),
    ("二次供水水箱老化", "物业服务中心、业委会"),
    ("电梯故障多，需要更新", "业委会、物业服务中心"),
)
NOTES = (
    "联席会议讨论实施方案",
    "方案在小区公告栏公示",
    "完成现场排查并形成清单",
    "征询业主意见，多数同意",
    "施工单位进场",
)


def make_priority(rng: random.Random) -> tuple[list[dict], list[dict]]:
    title, lead = rng.choice(PROBLEMS)
    start = sd.AS_OF - dt.timedelta(days=rng.randint(60, 500))
    target = start + dt.timedelta(days=rng.randint(120, 540))
    done = None
    if target < sd.AS_OF and rng.random() < 0.6:
        done = target - dt.timedelta(days=rng.randint(0, 30))
    status = "已完成" if done else "进行中"
    task = {
        "task_id": f"T{start.year}-1", "title": title, "lead": lead, "set_date": start,
        "target_date": target, "status": status, "done_date": done,
    }  # fmt: skip
    end = done or sd.AS_OF
    days = sorted(
        rng.sample(range(1, max(2, (end - start).days)), k=min(3, (end - start).days - 1))
    )
    notes = [
        {"task_id": task["task_id"], "note_date": start + dt.timedelta(days=d), "note": NOTES[i]}
        for i, d in enumerate(days)
    ]
    return [task], notes


# ---------------------------------------------------------------------------------------
# The districts' packages: supervision lists and company pools
# ---------------------------------------------------------------------------------------

REASONS = (
    "后进小区：公共收益连续两个季度未公示",
    "后进小区：维修资金低于首期归集的 30%，长期未续筹",
    "后进小区：物业费收缴率低于八成，保洁和维修不到位",
    "后进小区：业委会逾期未换届，会议长期不足法定人数",
    "后进小区：12345 投诉多，工单处理时间长",
)
CHECKED = (
    "查看公共收益台账和公示栏", "检查楼道和绿化保洁", "抽查报修工单", "参加三方联席会议",
    "查看物业费收缴台账", "复查整改台账",
)  # fmt: skip


def make_districts(served: dict[str, list[tuple[str, str, str]]], seed: int) -> dict:
    """District name → (slug, tables), from each district's estates: (estate id, current
    company, its credit code)."""
    out = {}
    for district in DISTRICTS:
        estates = sorted(served.get(district, []))
        if not estates:
            continue
        rng = random.Random(f"sunlight-city:{seed}:{district}")
        listings, visits = [], []
        chosen = rng.sample(estates, min(len(estates), max(2, len(estates) // 100)))
        for i, (estate_id, _, _) in enumerate(sorted(chosen)):
            lid = f"{SLUGS[district]}-{i + 1:03d}"
            if i % 3 == 2:  # delisted after half a year or so
                listed = sd.AS_OF - dt.timedelta(days=rng.randint(400, 700))
                delisted = listed + dt.timedelta(days=rng.randint(120, 300))
            else:
                listed = sd.AS_OF - dt.timedelta(days=rng.randint(30, 400))
                delisted = None
            end = delisted or sd.AS_OF
            day = listed + dt.timedelta(days=rng.randint(3, 14))
            while day <= end:
                visits.append(
                    {"listing_id": lid, "visit_date": day, "checked": rng.choice(CHECKED)}
                )
                day += dt.timedelta(days=rng.randint(21, 28))
            listings.append(
                {
                    "listing_id": lid,
                    "estate_id": estate_id,
                    "listed_date": listed,
                    "reason": rng.choice(REASONS),
                    "unit": f"{district}房屋管理局物业管理科",
                    "delisted_date": delisted,
                    "delisted_reason": "整改完成，经街道房管办验收" if delisted else None,
                }
            )
        pool = []
        # One row per credit code (its key): at 16,000 estates two companies' random codes
        # can coincide, and a company may be named two ways by its estates.
        names: dict[str, str] = {}
        for _, name, code in estates:
            names.setdefault(code, name)
        for code, company in sorted(names.items()):
            if rng.random() < 0.3:
                continue
            listed = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))
            removed = None
            if rng.random() < 0.1:
                removed = listed + dt.timedelta(days=rng.randint(90, (sd.AS_OF - listed).days))
            pool.append(
                {
                    "credit_code": code,
                    "company_name": company,
                    "listed_date": listed,
                    "removed_date": removed,
                    "removed_reason": "年度考评不合格" if removed else None,
                }
            )
        tables = {"supervision": listings, "supervision_visits": visits, "company_pool": pool}
        out[district] = (SLUGS[district], {k: v for k, v in tables.items() if v})
    return out


_FIELDS: dict[str, list[str]] = {}


def write_package(folder: Path, spec, tables: dict[str, list[dict]]) -> None:
    folder.mkdir(parents=True)
    lines = [f"name: {spec.estate_id}", f"title: {spec.name}", "resources:"]
    for name in sd.RESOURCES:
        if name not in tables:
            continue
        fields = _FIELDS.get(name) or _FIELDS.setdefault(name, sd.schema_fields(name))
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(fields)
            for row in tables[name]:
                writer.writerow(sd.cell(row[k]) for k in fields)
        lines += [
            f"  - name: {name}",
            f"    path: {name}.csv",
            f"    schema: ../../schemas/{name}.schema.yaml",
        ]
    (folder / "datapackage.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_city(out: Path, n: int = 10_000, seed: int = 1, progress=None) -> list[Identity]:
    """Write ``n`` estates into ``out`` (a data folder like data/); return who they are."""
    if out.exists():
        shutil.rmtree(out)
    (out / "estates").mkdir(parents=True)
    shutil.copytree(DATA / "schemas", out / "schemas")
    shutil.copyfile(DATA / "rules.yaml", out / "rules.yaml")
    sd.COMPANY_CODES.clear()  # a company keeps one code in every estate it serves
    people = identities(n, seed)
    served: dict[str, list[tuple[str, str, str]]] = {}
    for i, who in enumerate(people):
        spec, tables = make_estate(who)
        write_package(out / "estates" / who.estate_id, spec, tables)
        current = [
            c for c in tables["contract"]
            if c["start_date"] <= sd.AS_OF <= (c["end_date"] or sd.AS_OF)
        ]  # fmt: skip
        for c in current[:1]:
            served.setdefault(who.district, []).append(
                (who.estate_id, c["company_name"], c["credit_code"])
            )
        if progress and (i + 1) % 1000 == 0:
            progress(i + 1)
    districts = make_districts(served, seed)
    sd.check_districts({slug: (d, t) for d, (slug, t) in districts.items()}, people)
    for district, (slug, tables) in districts.items():
        sd.write_folder(
            out / "districts" / slug, slug, district, sd.DISTRICT_RESOURCES, tables,
            sd.DISTRICT_SCHEMAS, "districts/",
        )  # fmt: skip
    return people


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="how many estates (10000)")
    parser.add_argument("--seed", type=int, default=1, help="another seed, another city")
    parser.add_argument("--out", type=Path, required=True, help="data folder to (re)write")
    args = parser.parse_args(argv)
    started = time.monotonic()
    people = write_city(
        args.out, args.n, args.seed, progress=lambda k: print(f"  {k} estates …", flush=True)
    )
    districts = {p.district for p in people}
    print(
        f"{len(people)} estates in {len(districts)} districts written to {args.out} "
        f"in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
