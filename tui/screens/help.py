"""Help: the keys of the screen underneath, in the current language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

from vaudit.tui.labels import tr

if TYPE_CHECKING:
    from vaudit.tui.app import VauditApp


PALETTE_HINT = "ctrl+p: command palette (new audit, compare, switch language, switch theme)"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    app: VauditApp

    def __init__(self, underneath: Screen[object]) -> None:
        super().__init__(classes="dialog")
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical(classes="dialog-box wide", id="help-box"):
            yield Label(RichText(tr("Keys on this screen", lang), style="bold"))
            table: DataTable[str] = DataTable(id="keys", cursor_type="row", show_cursor=False)
            yield table
            yield Static(RichText(tr(PALETTE_HINT, lang), style="dim"))

    def on_mount(self) -> None:
        lang = self.app.lang
        table = self.query_one("#keys", DataTable)
        table.add_column(tr("Key", lang), width=14)
        table.add_column(tr("Action", lang))
        seen: set[str] = set()
        for node in (self.underneath, self.app):
            for _key, binding in node._bindings:
                if binding.description and binding.action not in seen:
                    seen.add(binding.action)
                    table.add_row(self.app.get_key_display(binding), binding.description)

    def action_close(self) -> None:
        self.dismiss(None)
