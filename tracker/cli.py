"""What every area's commands share: loading settings with a clean error.

The `tracker` group itself, and the list of its commands, live in the composition root
(`app/cli.py`): the core names no upper package.
"""

from __future__ import annotations

import click

from tracker.config import Settings
from tracker.errors import TrackerError


def load_settings(demo: bool = False, need_secret: bool = True) -> Settings:
    """Settings for a command; a configuration error exits with its message."""
    try:
        return Settings.from_env(demo=demo, need_secret=need_secret)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
