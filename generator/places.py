"""Where an estate is: the stable URL slug of its district.

Shared by the load/validate stage (district packages live in ``data/districts/<slug>/``)
and by the model and pages (``/districts/<slug>/``), so it sits below both.
"""

from __future__ import annotations

import hashlib

# Stable URL slugs for Shanghai's 16 districts; an unknown district gets a hashed slug.
DISTRICT_SLUGS = {
    "黄浦区": "huangpu",
    "徐汇区": "xuhui",
    "长宁区": "changning",
    "静安区": "jingan",
    "普陀区": "putuo",
    "虹口区": "hongkou",
    "杨浦区": "yangpu",
    "闵行区": "minhang",
    "宝山区": "baoshan",
    "嘉定区": "jiading",
    "浦东新区": "pudong",
    "金山区": "jinshan",
    "松江区": "songjiang",
    "青浦区": "qingpu",
    "奉贤区": "fengxian",
    "崇明区": "chongming",
}


def district_slug(name: str) -> str:
    return DISTRICT_SLUGS.get(name) or "d-" + hashlib.sha256(name.encode()).hexdigest()[:8]
