"""A channel run's metrics as table cells, the same for `vaudit channel show|run` and the TUI's
channel screen: which figures, in which order, under which headings, formatted how."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vaudit.audits.present import percent, seconds

if TYPE_CHECKING:
    from vaudit.audits.channel.metrics import Outcome

# The handset latency's upper percentile: the one the verification-code latency rule judges.
HANDSET_UPPER = "p95"
METRIC_HEADINGS: tuple[str, ...] = (
    "sent",
    "accepted",
    "DLR ok",
    "arrived",
    "pseudo",
    "no final",
    "DLR p50",
    "hand p50",
    f"hand {HANDSET_UPPER}",
)
SPLITS = ("by_carrier", "by_kind", "by_time_slot")


def rate(fraction: float | None) -> str:
    """A channel rate, to a tenth of a percent (a few messages move it)."""
    return percent(fraction, decimals=1)


def metric_cells(stats: dict[str, Any]) -> list[str]:
    """One group's figures (of metrics.stats), in the order of METRIC_HEADINGS."""
    return [
        str(stats["sent"]),
        rate(stats["acceptance_rate"]),
        rate(stats["dlr_delivered_rate"]),
        rate(stats["arrival_rate"]),
        rate(stats["pseudo_success_rate"]),
        rate(stats["dlr_without_final_rate"]),
        seconds(stats["latency_dlr_s"]["p50"]),
        seconds(stats["latency_handset_s"]["p50"]),
        seconds(stats["latency_handset_s"][HANDSET_UPPER]),
    ]


@dataclass(frozen=True)
class MetricsRow:
    split: str  # "all", or the split's name: "carrier", "kind", "time_slot"
    group: str  # the carrier, kind or slot key ("" for all)
    stats: dict[str, Any]

    @property
    def cells(self) -> list[str]:
        return metric_cells(self.stats)


def metric_rows(summary: dict[str, Any], splits: Sequence[str] = SPLITS) -> list[MetricsRow]:
    """The whole run first, then each group of the splits asked for (keys of the summary)."""
    rows = [MetricsRow("all", "", summary["overall"])]
    for split in splits:
        rows += [MetricsRow(split[3:], name, stats) for name, stats in summary[split].items()]
    return rows


def dlr_latencies(outcomes: Iterable[Outcome]) -> list[float]:
    """Submit → final report, in seconds, of every message that has one (sending order)."""
    return [
        (o.dlr_final_at - o.submitted_at).total_seconds()
        for o in outcomes
        if o.dlr_final_at is not None and o.submitted_at is not None
    ]
