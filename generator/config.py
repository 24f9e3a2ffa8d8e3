"""Settings that are not data: the as-of date and the rule parameters."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml

# Shanghai has kept UTC+8 without daylight saving since 1991: a fixed offset avoids
# depending on the machine's tz database.
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
BUNDLED_RULES = Path(__file__).resolve().parent.parent / "data" / "rules.yaml"


def default_as_of(environ: dict | None = None) -> dt.date:
    """SOURCE_DATE_EPOCH if set (reproducible builds), else today in Shanghai."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), SHANGHAI).date()
    return dt.datetime.now(SHANGHAI).date()


def load_rules_config(data_dir: Path) -> dict:
    path = data_dir / "rules.yaml"
    if not path.is_file():
        path = BUNDLED_RULES
    return yaml.safe_load(path.read_text("utf-8")) or {}
