"""What the auditor collected on an item, in the detail panel: its evidence (Enter shows one)
and its follow-ups (Enter marks one done, or open again)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from vaudit.audits.present import visible
from vaudit.tui.messages import EvidenceOpened, FollowUpToggled
from vaudit.tui.screens.base import Words

if TYPE_CHECKING:
    from vaudit.audits.models import Evidence, FollowUp
    from vaudit.tui.app import VauditApp


class EvidenceList(Words, OptionList):
    app: VauditApp

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.rows: list[Evidence] = []

    def show(self, rows: list[Evidence], today: dt.date) -> None:
        self.rows = list(rows)
        self.clear_options()
        for evidence in rows:
            self.add_option(Option(evidence_label(evidence, today), id=str(evidence.id)))
        if not rows:
            self.add_option(Option(RichText(self.t("no evidence yet"), style="dim"), disabled=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((e for e in self.rows if str(e.id) == event.option.id), None)
        if chosen is not None:
            self.post_message(EvidenceOpened(chosen))


class FollowUpList(Words, OptionList):
    app: VauditApp

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.rows: list[FollowUp] = []

    def show(self, rows: list[FollowUp], today: dt.date) -> None:
        """Open ones first (overdue in red), then those done."""
        self.rows = sorted(rows, key=lambda f: (f.done, f.due_on, f.id or 0))
        self.clear_options()
        for follow_up in self.rows:
            if follow_up.done:
                style, mark, when = "dim", "✔", self.t("done")
            elif follow_up.due_on < today:
                style, mark, when = "red", "!", self.t("overdue")
            else:
                style, mark, when = "", "○", ""
            label = RichText.assemble(
                (f"{mark} {follow_up.due_on.isoformat()} ", style),
                (visible(follow_up.what), style),
                (f" · {visible(follow_up.owed_by)}", "dim"),
                (f"  {when}" if when else "", style),
            )
            self.add_option(Option(label, id=str(follow_up.id)))
        if not self.rows:
            self.add_option(Option(RichText(self.t("no follow-ups"), style="dim"), disabled=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((f for f in self.rows if str(f.id) == event.option.id), None)
        if chosen is not None:
            self.post_message(FollowUpToggled(chosen))


def evidence_label(evidence: Evidence, today: dt.date) -> RichText:
    if evidence.kind == "file":
        size = evidence.size or 0
        shown = f"{evidence.size} B" if size < 1024 else f"{size / 1024:.0f} KB"
        label = RichText.assemble(
            "📄 ", visible(evidence.name), (f"  {shown}  {(evidence.sha256 or '')[:12]}…", "dim")
        )
    elif evidence.kind == "url":
        label = RichText.assemble("🔗 ", (visible(evidence.url or evidence.name), "underline"))
    else:
        label = RichText.assemble("✎ ", visible(evidence.note or evidence.name))
    if evidence.expires_on is not None:
        expired = evidence.expires_on < today
        label.append(f"  ⏳ {evidence.expires_on.isoformat()}", "red" if expired else "")
    return label
