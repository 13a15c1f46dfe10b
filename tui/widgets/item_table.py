"""The audit screen's middle panel: the items of one checklist, one row each, with the result's
glyph ("…" while its write is on its way), the title, the weight and the gate mark."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.text import Text as RichText
from textual.widgets import DataTable

from vaudit.tui.screens.base import Words
from vaudit.tui.widgets.format import result_glyph

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item
    from vaudit.audits.text import Lang
    from vaudit.tui.app import VauditApp
    from vaudit.tui.sync import AuditSync, Section

NARROW_BELOW = 110  # terminal columns under which the side panels shrink (see app.tcss)
SIDE_PANELS = {False: 24 + 40 + 1, True: 22 + 28 + 1}  # sections + detail + its border
ITEM_COLUMNS_EXTRA = 17  # glyph, weight, gate, cell padding and the scrollbar
COLUMNS = ("glyph", "title", "weight", "gate")


class ItemTable(Words, DataTable[RenderableType]):
    app: VauditApp

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row")
        self._columns_lang: Lang | None = None

    def forget_columns(self) -> None:
        """Measure the columns again on the next show (the terminal was resized)."""
        self._columns_lang = None

    def show(self, sync: AuditSync, section: Section, item_id: str | None) -> None:
        lang = self.app.lang
        if self._columns_lang == lang:
            self.clear()  # keeping the columns saves measuring them again
        else:
            self.clear(columns=True)
            self.add_column("", width=1, key="glyph")
            self.add_column(self.t("Items"), width=self._title_width(), key="title")
            self.add_column(self.t("weight"), width=6, key="weight")
            self.add_column("", width=2, key="gate")
            self._columns_lang = lang
        for item in section.items:
            self.add_row(*self._cells(sync, item), key=item.id)
        if item_id is not None and any(i.id == item_id for i in section.items):
            self.point_at(item_id)

    def point_at(self, item_id: str) -> None:
        self.move_cursor(row=self.get_row_index(item_id), animate=False)

    def show_row(self, sync: AuditSync, item: Item) -> None:
        """Redraw one item's row (it is in the checklist shown)."""
        for key, cell in zip(COLUMNS, self._cells(sync, item), strict=True):
            self.update_cell(item.id, key, cell)

    def _title_width(self) -> int:
        # Fixed, not auto: an auto width would be re-measured on every section change.
        width = self.screen.size.width or 120
        return max(14, width - SIDE_PANELS[width < NARROW_BELOW] - ITEM_COLUMNS_EXTRA)

    def _cells(self, sync: AuditSync, item: Item) -> list[RenderableType]:
        lang = self.app.lang
        answer = sync.answers.get(item.id)
        glyph = result_glyph(answer.result if answer else None)
        if sync.pending.get(item.id):
            glyph = RichText("…", style="dim")
        title = RichText(item.title(lang))
        if not sync.applies(item):
            title.stylize("dim strike")
            glyph = RichText("○", style="dim")
        elif sync.proposal(item.id, lang)[0] and not (answer and answer.result):
            title.append(" ?", style="bold cyan")
        gate = RichText("⛔" if item.gate else "", style="red")
        return [glyph, title, str(item.weight), gate]
