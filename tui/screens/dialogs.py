"""Modal dialogs: each returns its answer with dismiss(), or None when cancelled (Escape)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rich.markup import escape
from rich.text import Text as RichText
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option

from vaudit.audits.rows import row_id
from vaudit.tui.screens.base import Words

if TYPE_CHECKING:
    from vaudit.audits.models import Evidence
    from vaudit.audits.service import StaleWrite
    from vaudit.tui.app import VauditApp


T = TypeVar("T")


class Dialog(Words, ModalScreen[T | None], Generic[T]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    app: VauditApp

    def action_cancel(self) -> None:
        self.dismiss(None)

    def unsaved_input(self) -> bool:
        """Whether something typed here would be lost if the app quit now."""
        return False


class TextDialog(Dialog[str]):
    """One line of text: a note, a path, a URL, a reason."""

    def __init__(
        self,
        title: str,
        explain: str = "",
        *,
        initial: str = "",
        required: bool = False,
        suggester: Suggester | None = None,
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.explain = explain
        self.initial = initial
        self.required = required
        self.suggester = suggester
        self.check = check  # returns what is wrong with the text, shown under it; None: fine

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(RichText(self.title_text, style="bold"))
            if self.explain:
                yield Static(self.explain, classes="explain", markup=False)
            yield Input(self.initial, id="text", suggester=self.suggester)
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.t("OK"), variant="primary", id="ok")
                yield Button(self.t("Cancel"), id="cancel")

    def unsaved_input(self) -> bool:
        return self.query_one("#text", Input).value.strip() != self.initial.strip()

    @on(Input.Submitted, "#text")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if self.required and not text:
            self.query_one("#problem", Static).update(self.t("A note is required: say why."))
            return
        problem = self.check(text) if self.check else None
        if problem:
            self.query_one("#problem", Static).update(problem)
            return
        self.dismiss(text)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog[bool]):
    def __init__(self, title: str, explain: str, yes: str, no: str) -> None:
        super().__init__(classes="dialog")
        self.title_text, self.explain, self.yes, self.no = title, explain, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(RichText(self.title_text, style="bold"))
            yield Static(self.explain, classes="explain", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="error", id="yes")
                yield Button(self.no, variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class QuitDialog(ConfirmDialog):
    """Asked by ctrl+q when something typed is not saved; ctrl+q again quits."""


class SignOffDialog(Dialog[str]):
    """Names what is still unanswered, and who signs."""

    def __init__(self, unanswered: list[str], count: int, signer: str) -> None:
        super().__init__(classes="dialog")
        self.unanswered, self.count, self.signer = unanswered, count, signer

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(RichText(self.t("Sign off this audit?"), style="bold"))
            yield Static(self.t("After sign-off the audit is read only."), classes="explain")
            if self.count:
                lines = [self.t("Still unanswered ({n}):", n=self.count)]
                lines += [f"  · {title}" for title in self.unanswered]
                if self.count > len(self.unanswered):
                    lines.append(f"  … +{self.count - len(self.unanswered)}")
                yield Static("\n".join(lines), id="unanswered", classes="warning", markup=False)
            else:
                yield Static(self.t("Every applicable item is answered."), id="unanswered")
            yield Label(self.t("Signed by"))
            yield Input(self.signer, id="signer")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Sign off"), variant="warning", id="ok")
                yield Button(self.t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        # With items still open, Enter must not sign by accident: start on Cancel.
        if self.count:
            self.query_one("#cancel", Button).focus()
        else:
            self.query_one("#signer", Input).focus()

    @on(Input.Submitted, "#signer")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        name = self.query_one("#signer", Input).value.strip()
        if name:
            self.dismiss(name)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class StaleDialog(Dialog[bool]):
    """Someone else's change won: show what is stored and what was not saved."""

    BINDINGS = [Binding("escape,enter", "cancel", "Close")]

    def __init__(self, error: StaleWrite) -> None:
        super().__init__(classes="dialog")
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(RichText(self.t("Someone else changed this item"), style="bold red"))
            yield Static(str(self.error), classes="explain", markup=False)
            yield Static(
                f"[b]{self.t('Stored now')}[/b]\n{_state(self.error.current)}", id="stored"
            )
            yield Static(
                f"[b]{self.t('Your change (not saved)')}[/b]\n{_state(self.error.attempted)}",
                id="attempted",
            )
            with Horizontal(classes="buttons"):
                yield Button(self.t("Reload"), variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed)
    def _ok(self) -> None:
        self.dismiss(True)


def _state(values: dict[str, Any]) -> str:
    shown = []
    for key in ("result", "value", "note", "what", "due_on", "done"):
        value = values.get(key)
        if value is None or type(value).__name__ == "_Unset":
            continue
        shown.append(f"  {key}: {escape(str(value))}")
    return "\n".join(shown) or "  —"


def parse_day(text: str) -> dt.date | None:
    """A YYYY-MM-DD (or YYYY/MM/DD) date, or None when the text is not one."""
    try:
        return dt.date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        return None


class EvidenceDialog(Dialog[bool]):
    """One evidence row; returns True when the auditor asks to set its expiry date."""

    BINDINGS = [
        Binding("escape,enter", "cancel", "Close"),
        Binding("o", "open", "Open"),
        Binding("x", "expiry", "Expiry date"),
    ]

    def __init__(self, evidence: Evidence, can_edit: bool = True) -> None:
        super().__init__(classes="dialog")
        self.evidence = evidence
        self.can_edit = can_edit

    def action_expiry(self) -> None:
        if self.can_edit:
            self.dismiss(True)

    def compose(self) -> ComposeResult:
        ev = self.evidence
        lines = [f"[b]{escape(ev.name)}[/b]", f"kind: {ev.kind}"]
        if ev.sha256:
            lines += [f"size: {ev.size:,} bytes", f"SHA-256: {ev.sha256}"]
        if ev.url:
            lines.append(f"URL: {escape(ev.url)}")
        if ev.note:
            lines.append(escape(ev.note))
        if ev.expires_on:
            lines.append(self.t("Expires on {on}", on=ev.expires_on.isoformat()))
        lines.append(f"[dim]{escape(ev.added_by)} · {ev.added_at:%Y-%m-%d %H:%M} UTC[/dim]")
        keys = "o: " + self.t("open")
        if self.can_edit:
            keys += " · x: " + self.t("expiry date")
        with Vertical(classes="dialog-box"):
            yield Static("\n".join(lines), id="evidence-detail")
            yield Static(f"[dim]{keys} · Esc: {self.t('close')}[/dim]")

    def action_open(self) -> None:
        ev = self.evidence
        if ev.url:
            self.app.open_url(ev.url)
            return
        if ev.sha256 is None or self.app.service is None:
            return
        import tempfile
        from pathlib import Path

        _, content = self.app.service.evidence_content(row_id(ev))
        folder = Path(tempfile.mkdtemp(prefix="vaudit-evidence-"))
        target = folder / Path(ev.name).name
        target.write_bytes(content)
        self.app.open_url(target.as_uri())
        self.notify(str(target))


class FollowUpDialog(Dialog[tuple[str, str, dt.date]]):
    """What is owed on an item, by whom and by when; each field is checked before it closes."""

    def __init__(self, item_title: str, owed_by: str, due: dt.date) -> None:
        super().__init__(classes="dialog")
        self.item_title, self.owed_by, self.due = item_title, owed_by, due

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(RichText(self.t("New follow-up"), style="bold"))
            yield Static(self.item_title, classes="explain", markup=False)
            yield Label(self.t("What is owed"))
            yield Input(id="what")
            yield Label(self.t("Owed by"))
            yield Input(self.owed_by, id="owed-by")
            yield Label(self.t("Due date (YYYY-MM-DD)"))
            yield Input(self.due.isoformat(), id="due")
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.t("OK"), variant="primary", id="ok")
                yield Button(self.t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#what", Input).focus()

    def unsaved_input(self) -> bool:
        return bool(self.query_one("#what", Input).value.strip())

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        what = self.query_one("#what", Input).value.strip()
        owed_by = self.query_one("#owed-by", Input).value.strip()
        due = parse_day(self.query_one("#due", Input).value)
        problem = self.query_one("#problem", Static)
        if not what:
            problem.update(self.t("Say what is owed."))
        elif not owed_by:
            problem.update(self.t("Say who owes it."))
        elif due is None:
            problem.update(self.t("The due date is not a date: use YYYY-MM-DD."))
        else:
            self.dismiss((what, owed_by, due))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class NewAuditDialog(Dialog[tuple[int, int]]):
    """Pick the vendor and the selection; Enter on the selection list starts the audit."""

    def __init__(
        self,
        vendors: list[tuple[int, str]],
        selections: list[tuple[int, str]],
        *,
        vendor_id: int | None,
        selection_id: int | None,
    ) -> None:
        super().__init__(classes="dialog")
        self.vendor_choices, self.selection_choices = vendors, selections
        self.vendor_id, self.selection_id = vendor_id, selection_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(RichText(self.t("Start an audit"), style="bold"))
            with Horizontal(id="pickers"):
                with Vertical():
                    yield Label(self.t("Vendor"))
                    yield OptionList(
                        *[Option(name, id=str(vid)) for vid, name in self.vendor_choices],
                        id="vendor",
                    )
                with Vertical():
                    yield Label(self.t("Selection"))
                    yield OptionList(
                        *[Option(name, id=str(sid)) for sid, name in self.selection_choices],
                        id="selection",
                    )
            with Horizontal(classes="buttons"):
                yield Button(self.t("Start an audit"), variant="primary", id="ok")
                yield Button(self.t("Cancel"), id="cancel")

    def on_mount(self) -> None:
        vendor = self.query_one("#vendor", OptionList)
        selection = self.query_one("#selection", OptionList)
        ids = [v for v, _ in self.vendor_choices]
        vendor.highlighted = ids.index(self.vendor_id) if self.vendor_id in ids else 0
        sel_ids = [s for s, _ in self.selection_choices]
        selection.highlighted = (
            sel_ids.index(self.selection_id) if self.selection_id in sel_ids else 0
        )
        vendor.focus()

    @on(OptionList.OptionSelected, "#vendor")
    def _vendor_chosen(self) -> None:
        self.query_one("#selection", OptionList).focus()

    @on(OptionList.OptionSelected, "#selection")
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        vendor = self.query_one("#vendor", OptionList)
        selection = self.query_one("#selection", OptionList)
        if vendor.highlighted is None or selection.highlighted is None:
            return
        self.dismiss(
            (
                self.vendor_choices[vendor.highlighted][0],
                self.selection_choices[selection.highlighted][0],
            )
        )

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class NewSelectionDialog(Dialog[dict[str, Any]]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def compose(self) -> ComposeResult:
        from vaudit.audits.scenario import COVERAGES, INDUSTRIES, MESSAGE_KINDS

        lang = self.app.lang
        with Vertical(classes="dialog-box wide"):
            yield Label(RichText(self.t("New selection"), style="bold"))
            yield Label(self.t("Name"))
            yield Input(id="name")
            yield Label(self.t("Industry"))
            yield Select(
                [(label(lang), key) for key, label in INDUSTRIES.items()],
                value="general",
                allow_blank=False,
                id="industry",
            )
            yield Label(self.t("Coverage"))
            yield Select(
                [(label(lang), key) for key, label in COVERAGES.items()],
                value="national",
                allow_blank=False,
                id="coverage",
            )
            yield Label(self.t("Message kinds"))
            yield SelectionList(
                *[
                    (label(lang), key, key == "verification")
                    for key, label in MESSAGE_KINDS.items()
                ],
                id="kinds",
            )
            yield Label(self.t("Monthly volume"))
            yield Input(id="volume", type="integer")
            yield Static(id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(self.t("Save") + " (ctrl+s)", variant="primary", id="ok")
                yield Button(self.t("Cancel"), id="cancel")

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted)
    def action_save(self) -> None:
        from vaudit.audits.scenario import Scenario

        name = self.query_one("#name", Input).value.strip()
        volume_text = self.query_one("#volume", Input).value.strip()
        try:
            if not name:
                raise ValueError(self.t("Name") + ": ∅")
            scenario = Scenario(
                industry=str(self.query_one("#industry", Select).value),
                coverage=str(self.query_one("#coverage", Select).value),
                message_kinds=frozenset(self.query_one("#kinds", SelectionList).selected),
                monthly_volume=int(volume_text) if volume_text else None,
            )
        except ValueError as error:
            self.query_one("#problem", Static).update(RichText(str(error), style="red"))
            return
        self.dismiss({"name": name, "scenario": scenario})

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
