"""How figures read wherever they are shown: the CLI's tables and lines, the TUI's panels and
the readable reports format percentages, scores and durations here, so a number looks the same
in all of them."""

from __future__ import annotations

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
