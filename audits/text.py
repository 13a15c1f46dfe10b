"""Bilingual text and the languages vaudit speaks."""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of text in both languages; call it with a language to pick one."""

    zh: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


def default_lang() -> Lang:
    """The language from VAUDIT_LANG, else the user's locale (zh_* gives Chinese)."""
    explicit = os.environ.get("VAUDIT_LANG", "").strip().lower()
    if explicit in LANGS:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    code = locale.getlocale()[0] or ""
    return "zh" if code.lower().startswith("zh") else "en"


def lang_or_default(value: str | None) -> Lang:
    """The language a user named (`--lang`, a setting) if vaudit speaks it, else the default."""
    for lang in LANGS:
        if value == lang:
            return lang
    return default_lang()
