"""How figures read wherever they are shown: the CLI's tables and lines and the TUI's panels
format percentages, scores and durations here, so a number looks the same in both."""

from __future__ import annotations

DASH = "—"  # a figure that cannot be given: nothing was sent, scored or measured yet


def percent(fraction: float | None, *, decimals: int = 0, blank: str = DASH) -> str:
    """0.874 → "87%" (or "87.4%" with one decimal)."""
    return blank if fraction is None else f"{fraction * 100:.{decimals}f}%"


def points(value: float | None, *, blank: str = DASH) -> str:
    """A score out of 100, to a tenth of a point."""
    return blank if value is None else f"{value:.1f}"


def seconds(value: float | None, *, blank: str = DASH) -> str:
    """A duration in seconds, to the hundredth: "0.35s"."""
    return blank if value is None else f"{value:.2f}s"
