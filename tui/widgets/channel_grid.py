"""The receipt grid of the channel screen: a row per test card, a column per message kind and
repetition, each cell a message's token and what came back for it; the auditor ticks there
what a test phone showed. The legend under it explains the marks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual.widgets import DataTable, Static

from vaudit.audits.channel.plan import KINDS
from vaudit.tui.screens.base import Words

if TYPE_CHECKING:
    from vaudit.audits.channel.metrics import Outcome
    from vaudit.tui.app import VauditApp

LEGEND = (
    "✓ on the phone · ✓✋ ticked by hand · D delivered by DLR, waiting · "
    "D! DLR delivered, nothing on the phone (pseudo-success) · D✗ DLR failed · "
    "✗ refused or error · … waiting · · not sent"
)


@dataclass(frozen=True)
class Cell:
    card_id: int
    column: str  # "<kind>.<repetition>"


def mark(o: Outcome | None) -> RichText:
    """One message's state in the grid (the legend explains the marks)."""
    if o is None or o.submitted_at is None:
        return RichText("·", style="dim")
    if o.receipt_at is not None:
        return RichText("✓✋" if o.receipt_source == "manual" else "✓", style="bold green")
    if not o.accepted:
        return RichText("✗", style="bold red")
    if o.dlr_final_at is not None and not o.dlr_delivered:
        return RichText("D✗", style="red")
    if o.dlr_delivered:
        # DELIVRD but nothing on the phone: pseudo-success once the handset wait ran out.
        return RichText("D!" if o.waited_out else "D", style="yellow")
    return RichText("…", style="dim")


class ReceiptGrid(Words, DataTable[RichText | str]):
    app: VauditApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="cell")
        self.tokens: dict[Cell, str] = {}
        self.cells: dict[str, Cell] = {}
        self._drawn: dict[str, str] = {}  # token → the text last drawn for it

    def lay_out(
        self,
        messages: list[tuple[str, int, str]],
        outcomes: Mapping[str, Outcome],
        numbers: Mapping[int, str],
    ) -> None:
        """Place each message (token, card id, kind) in the grid: a row per card, a column
        per kind and repetition, in sending order."""
        self.tokens, self.cells = {}, {}
        repeats: dict[tuple[int, str], int] = {}
        for token, card_id, kind in messages:
            n = repeats.get((card_id, kind), 0) + 1
            repeats[(card_id, kind)] = n
            cell = Cell(card_id, f"{kind}.{n}")
            self.tokens[cell] = token
            self.cells[token] = cell
        self.draw(outcomes, numbers, rebuild=True)

    def draw(
        self, outcomes: Mapping[str, Outcome], numbers: Mapping[int, str], rebuild: bool = False
    ) -> None:
        """Rebuild the grid, or redraw only the cells whose message changed."""
        if rebuild:
            self._rebuild(outcomes, numbers)
            return
        for token, cell in self.cells.items():
            text = self._cell_text(cell, outcomes)
            if self._drawn.get(token) == text.plain:
                continue  # only changed cells are redrawn: a run may have thousands
            try:
                self.update_cell(str(cell.card_id), cell.column, text)
            except Exception:  # the grid is being rebuilt for another run
                return
            self._drawn[token] = text.plain

    def _rebuild(self, outcomes: Mapping[str, Outcome], numbers: Mapping[int, str]) -> None:
        lang = self.app.lang
        self.clear(columns=True)
        self._drawn = {}
        if not self.cells:
            return
        card_ids = list(dict.fromkeys(c.card_id for c in self.cells.values()))
        columns = list(dict.fromkeys(c.column for c in self.cells.values()))
        repeated = any(not column.endswith(".1") for column in columns)
        self.add_column(self.t("Card"), key="card")
        for column in columns:
            kind, n = column.rsplit(".", 1)
            label = KINDS[kind][0](lang) if kind in KINDS else kind
            self.add_column(f"{label} {n}" if repeated else label, key=column)
        for card_id in card_ids:
            cells: list[Any] = [numbers.get(card_id, f"#{card_id}")]
            for column in columns:
                text = self._cell_text(Cell(card_id, column), outcomes)
                cells.append(text)
                if token := self.tokens.get(Cell(card_id, column)):
                    self._drawn[token] = text.plain
            self.add_row(*cells, key=str(card_id))

    def _cell_text(self, cell: Cell, outcomes: Mapping[str, Outcome]) -> RichText:
        token = self.tokens.get(cell)
        if token is None:
            return RichText("")
        text = RichText(f"{token} ")
        text.append_text(mark(outcomes.get(token)))
        return text

    def cursor_token(self) -> str | None:
        """The token of the message under the cursor (none on the card column)."""
        if not self.cells or self.row_count == 0:
            return None
        row_key, column_key = self.coordinate_to_cell_key(self.cursor_coordinate)
        if column_key.value == "card" or row_key.value is None or column_key.value is None:
            return None
        return self.tokens.get(Cell(int(row_key.value), column_key.value))


class ReceiptLegend(Words, Static):
    app: VauditApp

    def apply_language(self) -> None:
        self.update(RichText(self.t(LEGEND), style="dim"))
