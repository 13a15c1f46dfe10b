"""Every platform-dependent path vaudit uses, in one place."""

from __future__ import annotations

import os
from pathlib import Path

APP = "vaudit"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False)


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def default_database() -> Path:
    return data_dir() / "vaudit.sqlite"


class ConfigError(Exception):
    """The config file cannot be read or holds a bad value; the message is for the user."""


def config_file() -> Path:
    """Settings for every command (`auditor = "…"`); the TUI keeps its own in tui.toml."""
    return config_dir() / "config.toml"


def user_checklists_dir() -> Path:
    return config_dir() / "checklists"


def database_target(explicit: str | None = None) -> str:
    """What --db, else VAUDIT_DB, else the default file names: a path or a database URL."""
    return explicit or os.environ.get("VAUDIT_DB") or str(default_database())
