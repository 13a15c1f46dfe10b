"""How figures and stored text read wherever they are shown: the CLI's tables and lines and the
TUI's panels format percentages, scores and durations here, so a number looks the same in both,
and pass stored text through visible(), so what a vendor name or an imported report holds is
shown to the user and never acted on by the terminal."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

DASH = "—"  # a figure that cannot be given: nothing was sent, scored or measured yet
STORED_DECIMALS = 4  # what a report stores of a score (report.format.SHARE_DECIMALS)


def percent(fraction: float | None, *, decimals: int = 0, blank: str = DASH) -> str:
    """0.874 → "87%" (or "87.4%" with one decimal)."""
    return blank if fraction is None else f"{fraction * 100:.{decimals}f}%"


def score_shown(value: float) -> Decimal:
    """The one rounding rule for a score out of 100: to a tenth, halves up, applied to the
    score as a report stores it (four decimals). A score read back from a report and the same
    score computed in the app therefore always show alike (81.25 is "81.3" in both)."""
    stored = Decimal(repr(round(value, STORED_DECIMALS)))
    return stored.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) + 0  # + 0: no "-0.0"


def points(value: float | None, *, blank: str = DASH) -> str:
    """A score out of 100, to a tenth of a point (score_shown)."""
    return blank if value is None else f"{score_shown(value):.1f}"


def seconds(value: float | None, *, blank: str = DASH) -> str:
    """A duration in seconds, to the hundredth: "0.35s"."""
    return blank if value is None else f"{value:.2f}s"


# What a terminal would act on instead of showing: C0 and C1 controls (ESC starts colour,
# cursor, title and hyperlink sequences; CSI U+009B does on its own), DEL, the bidirectional
# embeddings, overrides and isolates that reorder what follows (CVE-2021-42574, "Trojan
# Source"), the line and paragraph separators, and lone surrogates (bytes that were not UTF-8,
# kept by surrogateescape), which no terminal encoding can even write.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_KEPT_IN_LINES = frozenset("\n\t")


def _shown(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ … ␛ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xDC80 <= code <= 0xDCFF:
        return f"<0x{code - 0xDC00:02X}>"  # the byte surrogateescape stood in for
    return f"<U+{code:04X}>"


def visible(text: str, *, lines: bool = False) -> str:
    """`text` with every character a terminal would interpret made visible: ESC as ␛, other
    C0 controls as their control pictures, C1 controls, bidi overrides and lone surrogates as
    <U+XXXX> (a byte that was not UTF-8 as <0xFF>). With `lines`, newlines and tabs stay (a
    multi-line note); without, they are shown too (a table cell stays on its line)."""
    if _HIDDEN.search(text) is None:
        return text
    return _HIDDEN.sub(
        lambda m: m.group() if lines and m.group() in _KEPT_IN_LINES else _shown(m.group()), text
    )
