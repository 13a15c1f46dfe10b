"""The TUI's remembered settings (language, theme) in the user's config folder."""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from vaudit.audits.text import LANGS, Lang

SETTINGS_FILE = "tui.toml"


@dataclass
class Settings:
    lang: Lang | None = None  # None: from --lang, VAUDIT_LANG or the locale
    theme: str | None = None

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            # A missing or broken settings file must never stop the app from starting.
            return cls()
        lang = data.get("lang")
        theme = data.get("theme")
        return cls(
            lang=lang if lang in LANGS else None,
            theme=theme if isinstance(theme, str) else None,
        )

    def save(self, path: Path) -> None:
        import tomli_w

        data = {k: v for k, v in asdict(self).items() if v is not None}
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename: a crash leaves the old file or the new, whole.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tui-", suffix=".toml")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(tomli_w.dumps(data).encode("utf-8"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def settings_path() -> Path:
    from vaudit.audits.paths import config_dir

    return config_dir() / SETTINGS_FILE
