"""What every area's commands share: loading settings with a clean error, `-o FILE` checks.

The `tracker` group itself, and the list of its commands, live in the composition root
(`app/cli.py`): the core names no upper package.
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.config import Settings
from tracker.errors import TrackerError


def load_settings(demo: bool = False, need_secret: bool = True) -> Settings:
    """Settings for a command; a configuration error exits with its message."""
    try:
        return Settings.from_env(demo=demo, need_secret=need_secret)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc


def output_file(_ctx: click.Context, param: click.Parameter, value: object) -> object:
    """Click callback for `-o FILE`: the folder must exist (a typo is not a new folder)."""
    if value is None or str(value) == "-":
        return value
    parent = Path(str(value)).expanduser().parent
    if not parent.is_dir():
        raise click.BadParameter(
            f"folder {str(parent)!r} does not exist; create it first or choose another path",
            param=param,
        )
    return value
