"""A run's metrics on the channel screen: the table per carrier (cells from the presenter the
CLI uses too) and the submit → DLR latency sparkline with its figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Sparkline, Static

from vaudit.audits.channel import CARRIERS
from vaudit.audits.channel.present import METRIC_HEADINGS, metric_rows
from vaudit.audits.present import seconds
from vaudit.tui.screens.base import Words
from vaudit.tui.widgets.channel_status import Caption

if TYPE_CHECKING:
    from vaudit.tui.app import VauditApp

HEADINGS = ("Carrier", *METRIC_HEADINGS)


class MetricsTable(Words, DataTable[RichText | str]):
    app: VauditApp

    def show(self, summary: dict[str, Any] | None) -> None:
        """The whole run, then a row per carrier (keyed "all" and by carrier key)."""
        self.clear(columns=True)
        for heading in HEADINGS:
            self.add_column(self.t(heading), key=heading)
        if summary is None:
            return
        lang = self.app.lang
        for row in metric_rows(summary, ["by_carrier"]):
            if row.split == "all":
                key, name = "all", self.t("all")
            else:
                key = row.group
                name = CARRIERS[key](lang) if key in CARRIERS else key
            self.add_row(RichText(name, style="bold" if key == "all" else ""), *row.cells, key=key)


class LatencyPanel(Words, Vertical):
    app: VauditApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bars = Sparkline([], id="ch-latency", summary_function=max)
        self.figures = Static(id="ch-latency-figures")

    def compose(self) -> ComposeResult:
        yield Caption("Submit → DLR latency", id="ch-latency-title", classes="ch-title")
        yield self.bars
        yield self.figures

    def show(self, dlr: dict[str, Any], latencies: list[float]) -> None:
        """One bar per message with a final report; the run's p50 and p95 (of metrics) and
        the longest."""
        self.bars.data = latencies
        self.figures.update(
            f"p50 {seconds(dlr['p50'])} · p95 {seconds(dlr['p95'])} · "
            f"{self.t('max')} {seconds(max(latencies) if latencies else None)}"
        )
