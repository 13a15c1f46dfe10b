"""How long an SMS is and how many billed parts it makes.

A single SMS carries 140 octets: 160 GSM-7 characters or 70 UCS-2 (UTF-16) units. A long
message carries a 6-octet concatenation header in every part, leaving 153 / 67. GSM-7 extension
characters take an escape plus the character (two septets) and are never split across parts;
neither is a UTF-16 surrogate pair. The 【signature】 the carrier adds is part of the text
counted (Alibaba Cloud's and Huawei Cloud's SMS billing rules say so), so callers pass the text
as the handset will show it.
"""

from __future__ import annotations

from dataclasses import dataclass

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}

# GSM 03.38 basic character set (the printable ones plus LF and CR).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table, reached through the escape character: two septets each.
GSM7_EXTENSION = frozenset("^{}\\[]~|€\f")


@dataclass(frozen=True)
class Segments:
    characters: int  # code points, as a person counts them
    encoding: str  # gsm7 | ucs2
    units: int  # septets (gsm7) or UTF-16 code units (ucs2)
    segments: int  # parts the carrier bills


def _units(text: str, encoding: str) -> list[int]:
    """The width of each character in the encoding's units."""
    if encoding == "gsm7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count(text: str) -> Segments:
    encoding = "gsm7" if is_gsm7(text) else "ucs2"
    widths = _units(text, encoding)
    total = sum(widths)
    if total <= SINGLE[encoding]:
        return Segments(len(text), encoding, total, 1 if text else 0)
    # Fill parts greedily; a two-unit character that does not fit starts the next part.
    parts, used, room = 1, 0, PART[encoding]
    for width in widths:
        if used + width > room:
            parts, used = parts + 1, 0
        used += width
    return Segments(len(text), encoding, total, parts)
