"""Vendor credentials: named in a profile, read from the environment or the OS keyring at run
time, and never stored, logged, exported or shown. `redact` scrubs them from any text (error
messages from httpx carry the URL, and a GET API may put the key in its query string)."""

from __future__ import annotations

import base64
import itertools
import os
import re
from collections.abc import Mapping

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
        self._pattern: re.Pattern[str] | None = None

    def __repr__(self) -> str:  # never the values, even in a traceback's locals
        return f"Credentials({sorted(self._values)})"

    def get(self, key: str) -> str:
        return self._values[key]

    def names(self) -> list[str]:
        return sorted(self._values)

    def redact(self, text: str) -> str:
        """`text` with every form in which a credential can come back masked: as it is,
        percent-encoded (any character, either case of hex, once or twice), `+` for a space,
        JSON-escaped, and base64 of each value and of each `user:password` pair."""
        if not self._values:
            return text
        if self._pattern is None:
            self._pattern = _pattern(list(self._values.values()))
        return self._pattern.sub(MASK, text)


def _hex(number: int, digits: int) -> str:
    """`number` in hex as a regex that takes either case: 2b or 2B."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in f"{number:0{digits}x}")


def _char_forms(char: str) -> str:
    """A regex matching one character of a secret in any encoding it may come back in."""
    encoded = char.encode("utf-8")
    forms = [
        re.escape(char),
        "".join(f"%{_hex(byte, 2)}" for byte in encoded),  # percent-encoded
        "".join(f"%25{_hex(byte, 2)}" for byte in encoded),  # encoded twice
    ]
    if ord(char) <= 0xFFFF:
        forms.append(r"\\u" + _hex(ord(char), 4))  # JSON's \u0026
    if char == " ":
        forms.append(r"\+")
    if char == "/":
        forms.append(r"\\/")  # JSON may escape a slash
    return "(?:" + "|".join(forms) + ")"


def _pattern(values: list[str]) -> re.Pattern[str]:
    """One regex for every credential in every form; the longest tried first."""
    alternatives = ["".join(_char_forms(char) for char in value) for value in values]
    encoded = set()
    for raw in [*values, *(f"{a}:{b}" for a, b in itertools.permutations(values, 2))]:
        data = raw.encode("utf-8")
        for b64 in (base64.b64encode(data), base64.urlsafe_b64encode(data)):
            text = b64.decode("ascii")
            encoded.update({text, text.rstrip("=")})
    alternatives.extend(re.escape(text) for text in encoded if len(text) >= 4)
    alternatives.sort(key=len, reverse=True)
    return re.compile("|".join(alternatives))


NO_CREDENTIALS = Credentials({})
