"""The audit walkthrough: sections, items, and the chosen item's detail; one key per result.

Every change goes to the writer thread the moment it is made, with the answer version this
screen last saw, so a change someone else made in between is refused, never overwritten.
Each change is a typed message (tui/messages.py): asked for by a key, a dialog or a panel,
handled here by queueing the write, whose outcome comes back as another typed message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from vaudit.tui.messages import (
    AnswerChange,
    AnswerChosen,
    AnswerRefused,
    AnswerSaved,
    AuditRevised,
    AuditSignedOff,
    EvidenceFileGiven,
    EvidenceOpened,
    EvidenceSaved,
    EvidenceUrlGiven,
    ExpiryEntered,
    FollowUpEntered,
    FollowUpSaved,
    FollowUpToggled,
    NoteEntered,
    RevisionAsked,
    SignOffConfirmed,
    ValueEntered,
    WriteRefused,
)
from vaudit.tui.screens.audit_browser import AuditBrowser, AuditLoaded
from vaudit.tui.widgets.audit_header import read_only_note
from vaudit.tui.widgets.format import status_name

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from vaudit.audits.checklist import Item
    from vaudit.audits.models import Answer
    from vaudit.tui.writer import WriteDone, WriteFailed

__all__ = ["AuditLoaded", "AuditScreen"]  # AuditLoaded: tests post one


class AuditScreen(AuditBrowser):
    BINDINGS = [
        Binding("p", "result('pass')", "Pass"),
        Binding("a", "result('partial')", "Partial"),
        Binding("f", "result('fail')", "Fail"),
        Binding("n", "result('na')", "N/A"),
        Binding("u", "result(None)", "Clear"),
        Binding("y", "result('auto')", "Accept"),
        Binding("e", "edit_value", "Value"),
        Binding("m", "note", "Note"),
        Binding("v", "add_file", "Add file", show=False),  # named in the detail panel
        Binding("l", "add_url", "Add URL", show=False),
        Binding("F", "follow_up", "Follow-up", show=False),
        Binding("g", "next_unanswered", "Next unanswered", show=False),
        Binding("right_square_bracket", "section(1)", show=False),
        Binding("left_square_bracket", "section(-1)", show=False),
        Binding("S", "sign_off", "Sign off"),
        Binding("r", "revise", "Revise"),
        Binding("E", "export", "Export"),
        Binding("T", "channel_test", "Channel test"),
        Binding("f5", "reload", "Refresh", show=False),
        Binding("escape", "back", "Back"),
    ]

    EDITING = frozenset({"result", "edit_value", "note", "add_file", "add_url", "sign_off"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A signed-off audit offers only what it allows: the footer then shows no edit keys.
        if action in self.EDITING and self.read_only:
            return False
        if action == "revise":
            return self.read_only
        return True

    @on(DataTable.RowSelected, "#items")
    def _item_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit_value()

    # ------------------------------------------------------------------ asking

    def _refuse_if_locked(self) -> bool:
        if self.read_only:
            assert self.view is not None
            self.notify(read_only_note(self, self.view.audit), severity="warning")
            return True
        return False

    def _editable_item(self) -> Item | None:
        """The item under the cursor, unless the audit is read only (which is then said)."""
        item = self._current_item()
        if item is None or self._refuse_if_locked():
            return None
        return item

    def action_result(self, result: str | None) -> None:
        from vaudit.tui.screens import audit_dialogs

        item = self._editable_item()
        if item is None:
            return
        if not self.sync.applies(item):
            self.notify(self.t("not applicable to this scenario"), severity="warning")
            return
        answer = self.answers.get(item.id)
        proposed = self.sync.proposal(item.id, self.app.lang)[0]
        if result == "auto" and not proposed:
            self.notify(self.t("Enter a value and press Enter"), severity="warning")
            return
        # A result against the rule's proposal needs a note saying why (unless there is one).
        noted = bool(answer and answer.note)
        if result not in (None, "auto", proposed) and result and proposed and not noted:
            audit_dialogs.ask_override_note(self, item, result, proposed)
            return
        self.ask_answer(AnswerChosen(item.id, result))
        if result is not None:
            self.go_to_next_unanswered(item.id)

    def action_edit_value(self) -> None:
        if self._editable_item() is not None:
            self.detail.focus_value()

    def action_note(self) -> None:
        from vaudit.tui.screens.audit_dialogs import ask_note

        item = self._editable_item()
        if item is not None:
            ask_note(self, item)

    def action_add_file(self) -> None:
        from vaudit.tui.screens.audit_dialogs import ask_evidence_file

        item = self._editable_item()
        if item is not None:
            ask_evidence_file(self, item)

    def action_add_url(self) -> None:
        from vaudit.tui.screens.audit_dialogs import ask_evidence_url

        item = self._editable_item()
        if item is not None:
            ask_evidence_url(self, item)

    def action_follow_up(self) -> None:
        """A follow-up on the item under the cursor; allowed after sign-off too (it records
        the vendor's promise, not a change to what was signed)."""
        from vaudit.tui.screens.audit_dialogs import ask_follow_up

        item = self._current_item()
        if item is not None and self.view is not None:
            ask_follow_up(self, item, self.view.vendor.contact_name or "")

    def on_evidence_opened(self, message: EvidenceOpened) -> None:
        from vaudit.tui.screens.audit_dialogs import show_evidence

        show_evidence(self, message.evidence)

    def action_sign_off(self) -> None:
        from vaudit.tui.screens.audit_dialogs import ask_sign_off

        if self.view is None or self._refuse_if_locked():
            return
        lang = self.app.lang
        ask_sign_off(
            self, [i.title(lang) for i in self.view.checklists.items() if self.sync.is_open(i)]
        )

    def action_export(self) -> None:
        if self.view is None:
            return
        from vaudit.tui.screens.export import ExportDialog

        self.app.push_screen(ExportDialog([self.audit_id]))

    def action_channel_test(self) -> None:
        """Plan and run a channel test; its proposals show here on return (the events it
        writes change the audit's stamp, so the screen reloads)."""
        if self.view is None:
            return
        from vaudit.tui.screens.channel import ChannelScreen

        view = self.view
        self.app.push_screen(
            ChannelScreen(
                self.audit_id,
                f"{view.vendor.name} · {view.selection.name}",
                read_only=self.read_only,
            )
        )

    def action_revise(self) -> None:
        if self.view is None:
            return
        if not self.read_only:
            self.notify(
                self.t("Revise") + ": " + status_name("signed_off", self.app.lang),
                severity="warning",
            )
            return
        self.post_message(RevisionAsked())

    # ------------------------------------------------------------------ writing

    def ask_answer(self, change: AnswerChosen | NoteEntered) -> None:
        """Post an answer change with its item marked as changing at once: its row shows "…"
        and the next unanswered item is looked for past it before the message is handled."""
        self.sync.answer_asked(change.item_id)
        self._refresh_item_row(change.item_id)
        self.post_message(change)

    def on_answer_chosen(self, message: AnswerChosen) -> None:
        self._queue_answer(message)

    def on_note_entered(self, message: NoteEntered) -> None:
        self._queue_answer(message)

    def on_value_entered(self, message: ValueEntered) -> None:
        if self._refuse_if_locked():
            return
        self.sync.answer_asked(message.item_id)
        self._queue_answer(message)
        self._refresh_item_row(message.item_id)
        self.detail.value_saved()
        self.items.focus()

    def _queue_answer(self, change: AnswerChange) -> None:
        """Queue one answer change, built on the answer version known when it is written."""
        service, audit_id, item_id, fields = (
            self.service,
            self.audit_id,
            change.item_id,
            change.fields(),
        )

        def write(version: int) -> Answer:
            return service.record_answer(audit_id, item_id, expected_version=version, **fields)

        def refused(failure: WriteFailed) -> Message:
            return AnswerRefused(item_id, failure.error)

        self.app.writer.submit(
            self.sync.answer_job(item_id, write),
            self,
            done=lambda d: AnswerSaved(d.result, d.started, d.ran),
            failed=refused,
        )

    def _write(self, run: Callable[[], Any], done: Callable[[WriteDone], Message]) -> None:
        """Queue a write other than an answer; its refusal comes back as WriteRefused."""
        self.app.writer.submit(run, self, done=done, failed=lambda f: WriteRefused(f.error))

    def on_evidence_file_given(self, message: EvidenceFileGiven) -> None:
        service, audit_id = self.service, self.audit_id
        self._write(
            lambda: service.add_evidence_file(audit_id, message.item_id, message.path),
            lambda d: EvidenceSaved(d.result),
        )

    def on_evidence_url_given(self, message: EvidenceUrlGiven) -> None:
        service, audit_id = self.service, self.audit_id
        self._write(
            lambda: service.add_evidence_url(audit_id, message.item_id, message.url),
            lambda d: EvidenceSaved(d.result),
        )

    def on_expiry_entered(self, message: ExpiryEntered) -> None:
        service = self.service
        self._write(
            lambda: service.set_evidence_expiry(message.evidence_id, message.expires_on),
            lambda d: EvidenceSaved(d.result),
        )

    def on_follow_up_entered(self, message: FollowUpEntered) -> None:
        service, audit_id, m = self.service, self.audit_id, message
        self._write(
            lambda: service.add_follow_up(audit_id, m.item_id, m.what, m.owed_by, m.due_on),
            lambda d: FollowUpSaved(d.result, toggled=False),
        )

    def on_follow_up_toggled(self, message: FollowUpToggled) -> None:
        from vaudit.audits.rows import row_id

        service, chosen = self.service, message.follow_up
        follow_up_id, done, version = row_id(chosen), not chosen.done, chosen.version
        self._write(
            lambda: service.set_follow_up_done(follow_up_id, done, expected_version=version),
            lambda d: FollowUpSaved(d.result, toggled=True),
        )

    def on_sign_off_confirmed(self, message: SignOffConfirmed) -> None:
        service, audit_id = self.service, self.audit_id
        self._write(
            lambda: service.sign_off(audit_id, message.by), lambda d: AuditSignedOff(d.result)
        )

    def on_revision_asked(self, _message: RevisionAsked) -> None:
        service, audit_id = self.service, self.audit_id
        self._write(lambda: service.revise(audit_id), lambda d: AuditRevised(d.result))

    # ------------------------------------------------------------------ what the writes did

    def on_answer_saved(self, message: AnswerSaved) -> None:
        if message.answer.audit_id != self.audit_id:
            return  # landed after the screen moved to another audit
        item_id = message.answer.item_id
        self.sync.answer_saved(message.answer)
        item = self.sync.view.checklists.item(item_id) if self.sync.view else None
        if item is not None and item.fact is not None and self.app.service is not None:
            # The value went to the vendor's record: read the facts and proposals afresh.
            self._load(self.app.service, external=False)
        self._render_header()
        self._render_sections()
        self._refresh_item_row(item_id)
        if item_id == self.item_id:
            self._render_detail()
        self.app.report_timing("record_write", message.ran)
        self.app.time_until_drawn("record", message.started, self)

    def on_answer_refused(self, message: AnswerRefused) -> None:
        self.sync.answer_refused(message.item_id)
        self._refresh_item_row(message.item_id)
        self._refused(message.error)

    def on_evidence_saved(self, message: EvidenceSaved) -> None:
        evidence = message.evidence
        self.sync.evidence_saved(evidence)
        if evidence.item_id == self.item_id:
            self._render_detail()
        self.notify(f"{self.t('Saved')}: {evidence.name}")

    def on_follow_up_saved(self, message: FollowUpSaved) -> None:
        follow_up = message.follow_up
        self.sync.follow_up_saved(follow_up)
        if follow_up.item_id == self.item_id:
            self._render_detail()
        saved = f"{self.t('Saved')}: {follow_up.what}"
        if message.toggled:
            saved += f" ({self.t('done') if follow_up.done else self.t('reopen')})"
        self.notify(saved)

    def on_audit_signed_off(self, _message: AuditSignedOff) -> None:
        if self.app.service is not None:
            self._load(self.app.service, external=False)

    def on_audit_revised(self, message: AuditRevised) -> None:
        from vaudit.audits.rows import row_id

        self.switch_to(row_id(message.audit))

    def on_write_refused(self, message: WriteRefused) -> None:
        self._refused(message.error)

    def _refused(self, error: Exception) -> None:
        from vaudit.audits.service import StaleWrite

        if isinstance(error, StaleWrite):
            from vaudit.tui.screens.dialogs import StaleDialog

            self.app.push_screen(StaleDialog(error))
            self.action_reload()
            return
        self.notify(str(error), title=self.t("Not saved"), severity="error", timeout=10)
