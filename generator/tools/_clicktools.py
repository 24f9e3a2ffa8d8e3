"""Options and error handling shared by the commands defined outside ``cli`` (which they
must not import): the data folder, the as-of date, and library errors → exit 2."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import click

from .. import config as config_mod
from .packagefiles import PackageFileError


class _Date(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"日期应写成 2025-06-30 / a date is written 2025-06-30, not {value!r}")


data_dir_option = click.option(
    "--data-dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The data folder (holding estates/ and schemas/).",
)
as_of_option = click.option(
    "--as-of",
    type=_Date(),
    default=None,
    help="Date disclosures are judged against (default: SOURCE_DATE_EPOCH, else today in Shanghai).",
)


def as_of_or_default(value: dt.date | None) -> dt.date:
    if value:
        return value
    try:
        return config_mod.default_as_of()
    except (ValueError, OverflowError, OSError):
        raise click.UsageError(
            "SOURCE_DATE_EPOCH 应当是整数秒 / SOURCE_DATE_EPOCH must be whole seconds"
        ) from None


def usage_errors(func):
    """A :class:`PackageFileError` from the library is a misuse: exit 2 with its message."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PackageFileError as error:
            raise click.UsageError(str(error)) from None

    return wrapper
