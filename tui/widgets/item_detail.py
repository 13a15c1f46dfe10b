"""The audit screen's right panel: the chosen item's text, its value field (checked as it is
typed), the rule's proposal, the result and note, its evidence and its follow-ups."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.text import Text as RichText
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from vaudit.audits.present import visible
from vaudit.tui.messages import ValueEntered
from vaudit.tui.screens.base import Words
from vaudit.tui.widgets.format import result_glyph, result_name
from vaudit.tui.widgets.item_records import EvidenceList, FollowUpList

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item
    from vaudit.audits.models import Answer
    from vaudit.tui.app import VauditApp
    from vaudit.tui.sync import AuditSync


class ItemDetail(Words, VerticalScroll):
    app: VauditApp

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.item: Item | None = None

    def compose(self) -> ComposeResult:
        # One widget for the item's fixed text: fewer widgets to lay out per move.
        yield Static(id="d-about")
        yield Static(id="d-value-label", classes="label")
        yield Input(id="value")
        yield Static(id="value-hint")
        yield Static(id="d-proposal")
        yield Static(id="d-result")
        yield Static(id="d-note")
        yield Static(id="d-evidence-label", classes="label")
        yield EvidenceList(id="evidence")
        yield Static(id="d-follow-ups")
        yield FollowUpList(id="follow-ups")

    def show(self, sync: AuditSync, item: Item, today: dt.date) -> None:
        self.item = item
        lang = self.app.lang
        answer = sync.answers.get(item.id)
        meta = [f"{item.id}", f"{self.t('weight')} {item.weight}"]
        if item.gate:
            meta.append(f"[red]⛔ {self.t('gate')}[/red]")
        if not sync.applies(item):
            meta.append(f"[dim]{self.t('not applicable to this scenario')}[/dim]")
        self._static("#d-about").update(
            f"[b]{escape(item.title(lang))}[/b]\n"
            + "  ·  ".join(meta)
            + f"\n\n[b]{self.t('How to verify')}[/b]\n{escape(item.guidance(lang))}"
            + f"\n\n[b]{self.t('Evidence expected')}[/b]\n{escape(item.evidence(lang))}"
        )
        self._show_value_input(item, sync.shown_value(item.id))
        self._show_proposal(sync, item, answer)
        result = answer.result if answer else None
        line = (
            f"[b]{self.t('Result')}[/b]: {result_glyph(result).markup} {result_name(result, lang)}"
        )
        if answer and answer.overridden:
            line += f"  [yellow]({self.t('overridden')})[/yellow]"
        if answer and answer.result:
            line += f"  [dim]{escape(answer.answered_by)}[/dim]"
        self._static("#d-result").update(line)
        note = answer.note if answer and answer.note else ""
        self._static("#d-note").update(
            f"[b]{self.t('Note')}[/b] [dim](m)[/dim]: {escape(visible(note, lines=True))}"
        )
        self._static("#d-evidence-label").update(
            f"[b]{self.t('Evidence')}[/b] "
            f"[dim](v {self.t('Add file')} · l {self.t('Add URL')})[/dim]"
        )
        self.query_one(EvidenceList).show(sync.evidence.get(item.id, []), today)
        self._static("#d-follow-ups").update(
            f"[b]{self.t('Follow-ups')}[/b] [dim](F {self.t('New follow-up')} · Enter "
            f"{self.t('done')} / {self.t('reopen')})[/dim]"
        )
        self.query_one(FollowUpList).show(sync.follow_ups.get(item.id, []), today)

    def set_read_only(self, read_only: bool) -> None:
        self.query_one("#value", Input).disabled = read_only

    def focus_value(self) -> None:
        box = self.query_one("#value", Input)
        if box.display:
            box.focus()

    def value_saved(self) -> None:
        self._static("#value-hint").update("")

    def _static(self, selector: str) -> Static:
        return self.query_one(selector, Static)

    def _show_proposal(self, sync: AuditSync, item: Item, answer: Answer | None) -> None:
        lang = self.app.lang
        proposed, reason = sync.proposal(item.id, lang)
        if not proposed:
            self._static("#d-proposal").update("")
            return
        text = (
            f"[b]{self.t('Rule proposes')}[/b]: "
            f"{result_glyph(proposed).markup} "
            f"{result_name(proposed, lang)} — {escape(reason)}"
            + ("   [dim](y)[/dim]" if not (answer and answer.result) else "")
        )
        if answer and answer.proposed_result and answer.proposed_result != proposed:
            # The vendor's facts changed after this item was answered.
            text += (
                "\n[yellow]"
                + self.t(
                    "Facts changed since this answer (the rule then proposed {was}).",
                    was=result_name(answer.proposed_result, lang),
                )
                + "[/yellow]"
            )
        self._static("#d-proposal").update(text)

    def _show_value_input(self, item: Item, shown: str | None) -> None:
        from vaudit.audits.values import InputKind

        lang = self.app.lang
        box = self.query_one("#value", Input)
        label = self.t("Value")
        if item.unit:
            label += f" ({item.unit(lang)})"
        if item.fact is not None:
            label += " · " + self.t("the vendor's recorded fact")
        self._static("#d-value-label").update(f"[b]{label}[/b] [dim](e)[/dim]")
        box.display = item.input is not InputKind.NONE
        stored = shown or ""
        if box.value != stored and not box.has_focus:
            box.value = stored
        placeholder = {
            InputKind.DATE: "YYYY-MM-DD",
            InputKind.NUMBER: self.t("a number"),
            InputKind.YESNO: self.t("yes or no"),
        }.get(item.input, self.t("Enter a value and press Enter"))
        box.suggester = None
        hint = ""
        if item.input is InputKind.CHOICE:
            names = [f"{c.value}" for c in item.choices]
            placeholder = self.t("a choice below (→ completes)")
            hint = self.t(
                "one of: {choices}",
                choices=" · ".join(f"{c.value} ({c.label(lang)})" for c in item.choices),
            )
            box.suggester = SuggestFromList(names, case_sensitive=False)
        elif item.input is InputKind.YESNO:
            box.suggester = SuggestFromList(["yes", "no"], case_sensitive=False)
        box.placeholder = placeholder
        self._static("#value-hint").update(RichText(hint, style="dim"))

    @on(Input.Changed, "#value")
    def _value_changed(self, event: Input.Changed) -> None:
        from vaudit.audits.values import ValueError_, parse_value

        hint = self._static("#value-hint")
        if self.item is None or not event.input.has_focus:
            return
        text = event.value.strip()
        if not text:
            hint.update("")
            return
        try:
            parse_value(self.item, text)
        except ValueError_ as error:
            hint.update(RichText(str(error), style="red"))
            return
        hint.update(RichText(self.t("Press Enter to save; Escape to leave the field."), "dim"))

    @on(Input.Submitted, "#value")
    def _value_submitted(self, event: Input.Submitted) -> None:
        """A value that parses goes to the screen to save; one that does not says why here."""
        from vaudit.audits.values import ValueError_, parse_value

        if self.item is None:
            return
        text = event.value.strip()
        if text:
            try:
                parse_value(self.item, text)
            except ValueError_ as error:
                self._static("#value-hint").update(RichText(str(error), style="red"))
                return
        self.post_message(ValueEntered(self.item.id, text or None))
