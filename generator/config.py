"""Settings that are not data: the as-of date and the rule parameters."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import yaml

from . import safeyaml

# Shanghai has kept UTC+8 without daylight saving since 1991: a fixed offset avoids
# depending on the machine's tz database.
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
BUNDLED_RULES = Path(__file__).resolve().parent.parent / "data" / "rules.yaml"
# The rules' date arithmetic (deadlines, terms) is meaningful only in this range.
MIN_AS_OF = dt.date(1900, 1, 1)
MAX_AS_OF = dt.date(2100, 12, 31)


# Settings that must be numbers (data/rules.yaml documents each).
NUMBERS = (
    "small_estate_gfa_m2",
    "committee_size_warn_above",
    "meeting_max_gap_days",
    "filing_days",
    "supervision_visit_days",
)


class ConfigError(Exception):
    """rules.yaml cannot be used; the message says which file and how to fix it."""


def default_as_of(environ: dict | None = None) -> dt.date:
    """SOURCE_DATE_EPOCH if set (reproducible builds), else today in Shanghai."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), SHANGHAI).date()
    return dt.datetime.now(SHANGHAI).date()


def load_rules_config(data_dir: Path) -> dict:
    """The rule parameters: DATA_DIR/rules.yaml, else the bundled data/rules.yaml."""
    path = data_dir / "rules.yaml"
    if not path.is_file():
        path = BUNDLED_RULES
    try:
        config = safeyaml.load(safeyaml.read(path))
    except safeyaml.YamlRefused as refused:
        raise ConfigError(f"{path}：{refused.message} / {path}: {refused.message_en}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"{path} 无法读取（{type(error).__name__}），请检查缩进和编码（UTF-8）。/ "
            f"{path} cannot be read ({type(error).__name__}): check its indentation and that "
            "it is UTF-8."
        ) from None
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(
            f"{path} 应当是“名称: 值”的列表，参照 data/rules.yaml。/ {path} must be a mapping "
            "of settings like data/rules.yaml."
        )
    for key in NUMBERS:
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(
                f"{path}：{key} 应当是数字，现在是“{value}”。/ {path}: {key} must be a number, "
                f"not {value!r}."
            )
    bands = config.get("fee_bands", [])
    if not isinstance(bands, list) or not all(isinstance(b, dict) for b in bands):
        raise ConfigError(
            f"{path}：fee_bands 应当是列表，每项写 property_type、unit_category、min、max。/ "
            f"{path}: fee_bands must be a list of mappings with property_type, unit_category, "
            "min and max."
        )
    return config
