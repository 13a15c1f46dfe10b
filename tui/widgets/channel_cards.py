"""The test cards on the channel screen: which are in the next plan (Space toggles), the
carrier each number's range was allocated to, and what the chosen cards leave untested."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from vaudit.audits.channel import CARRIERS
from vaudit.audits.channel.cards import coverage_warnings
from vaudit.audits.rows import row_id
from vaudit.tui.screens.base import Words
from vaudit.tui.widgets.channel_status import Caption

if TYPE_CHECKING:
    from vaudit.audits.channel.cards import CardInfo
    from vaudit.audits.channel.models import TestCard
    from vaudit.tui.app import VauditApp

HEADINGS = ("", "Number", "Carrier", "By prefix (may be ported)", "MVNO", "Ported")


class CardPanel(Words, Vertical):
    app: VauditApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cards: list[CardInfo] = []
        self.excluded: set[int] = set()  # card ids left out of the next plan
        self.table: DataTable[RichText | str] = DataTable(id="ch-cards", cursor_type="row")
        self.warnings = Static(id="ch-card-warnings")

    def compose(self) -> ComposeResult:
        yield Caption("Test cards (Space: in the plan)", id="ch-cards-title", classes="ch-title")
        yield self.table
        yield self.warnings

    def chosen(self) -> list[TestCard]:
        """The cards the next plan sends to."""
        return [i.card for i in self.cards if row_id(i.card) not in self.excluded]

    def numbers(self) -> dict[int, str]:
        return {row_id(i.card): i.card.number for i in self.cards}

    def show(self, cards: list[CardInfo]) -> None:
        self.cards = cards
        self.redraw()

    def redraw(self) -> None:
        lang = self.app.lang
        table = self.table
        table.clear(columns=True)
        for heading in HEADINGS:
            table.add_column(self.t(heading) if heading else "")
        for info in self.cards:
            card = info.card
            allocated = CARRIERS[info.allocated_key](lang) if info.allocated_key else "?"
            table.add_row(
                RichText("☐" if card.id in self.excluded else "☑"),
                card.number,
                CARRIERS[card.carrier](lang) if card.carrier in CARRIERS else card.carrier,
                allocated,
                self.t("yes") if card.mvno else "",
                self.t("yes") if card.ported else "",
                key=str(card.id),
            )
        lines: list[RichText] = []
        for info in self.cards:
            for warning in info.warnings:
                lines.append(RichText(f"⚠ {info.card.number}: {warning(lang)}", style="yellow"))
        for warning in coverage_warnings(self.chosen()):
            lines.append(RichText(f"⚠ {self.t('coverage')}: {warning(lang)}", style="yellow"))
        if not self.cards:
            lines.append(
                RichText(
                    self.t("No test cards yet: add them with `vaudit cards add` or `import`."),
                    style="yellow",
                )
            )
        self.warnings.update(RichText("\n").join(lines))

    def toggle(self) -> None:
        """Take the card under the cursor out of the plan, or put it back."""
        table = self.table
        if not self.cards or table.cursor_row >= len(self.cards):
            return
        self.excluded ^= {row_id(self.cards[table.cursor_row].card)}
        row = table.cursor_row
        self.redraw()
        table.move_cursor(row=row)
