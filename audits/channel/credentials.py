"""Vendor credentials: named in a profile, read from the environment or the OS keyring at run
time, and never stored, logged, exported or shown. `redact` scrubs them from any text (error
messages from httpx carry the URL, and a GET API may put the key in its query string)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

from vaudit.audits.channel import ChannelError

KEYRING_SERVICE = "vaudit"
MASK = "***"


def _from_keyring(name: str) -> str | None:
    try:
        import keyring  # optional: only when installed
    except ImportError:
        return None
    try:
        password: str | None = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # a locked or absent keyring backend is "not found", not a crash
        return None
    return password


class Credentials:
    """Values for the names a profile lists; `secret(key)` gives one, `redact` hides them all."""

    def __init__(self, names: Mapping[str, str]):
        self._values: dict[str, str] = {}
        for key, name in names.items():
            value = os.environ.get(name) or _from_keyring(name)
            if not value:
                raise ChannelError(
                    f"credential {key!r}: set the environment variable {name} "
                    f"(or store it in the OS keyring under service {KEYRING_SERVICE!r}, "
                    f"name {name!r})"
                )
            self._values[key] = value

    def __repr__(self) -> str:  # never the values, even in a traceback's locals
        return f"Credentials({sorted(self._values)})"

    def get(self, key: str) -> str:
        return self._values[key]

    def names(self) -> list[str]:
        return sorted(self._values)

    def redact(self, text: str) -> str:
        for value in sorted(self._values.values(), key=len, reverse=True):
            for form in {value, quote(value, safe=""), quote_plus(value), quote(value)}:
                text = text.replace(form, MASK)
        return text


NO_CREDENTIALS = Credentials({})
