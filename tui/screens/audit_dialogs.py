"""The dialogs the audit screen opens for the item under the cursor; what is entered in one
goes back to the screen as a typed message (tui/messages.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from vaudit.tui.messages import (
    AnswerChosen,
    EvidenceFileGiven,
    EvidenceUrlGiven,
    ExpiryEntered,
    FollowUpEntered,
    NoteEntered,
    SignOffConfirmed,
)
from vaudit.tui.screens.dialogs import (
    EvidenceDialog,
    FollowUpDialog,
    SignOffDialog,
    TextDialog,
    parse_day,
)
from vaudit.tui.widgets.format import result_name

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item
    from vaudit.audits.models import Evidence
    from vaudit.tui.screens.audit import AuditScreen

UNANSWERED_SHOWN = 12  # unanswered items named in the sign-off dialog
FOLLOW_UP_DAYS = 14  # the due date a new follow-up's dialog suggests, from today


def ask_override_note(screen: AuditScreen, item: Item, result: str, proposed: str) -> None:
    """A result against the rule's proposal needs a note saying why; with it, the result is
    recorded and the cursor moves on as after any result."""
    lang = screen.app.lang
    reason = screen.sync.proposal(item.id, lang)[1]
    explain = screen.t(
        "The rule proposes {proposed}: {reason}. You chose {chosen}; a note must say why.",
        proposed=result_name(proposed, lang),
        reason=reason.rstrip("。."),
        chosen=result_name(result, lang),
    )

    def noted(note: str | None) -> None:
        if note:
            screen.ask_answer(AnswerChosen(item.id, result, note=note))
            screen.go_to_next_unanswered(item.id)

    screen.app.push_screen(
        TextDialog(screen.t("Why do you override the rule?"), explain, required=True), noted
    )


def ask_note(screen: AuditScreen, item: Item) -> None:
    answer = screen.answers.get(item.id)

    def noted(note: str | None) -> None:
        if note is not None:
            screen.ask_answer(NoteEntered(item.id, note))

    screen.app.push_screen(
        TextDialog(
            screen.t("A note for this item"),
            item.title(screen.app.lang),
            initial=answer.note if answer and answer.note else "",
        ),
        noted,
    )


def ask_evidence_file(screen: AuditScreen, item: Item) -> None:
    from vaudit.tui.widgets.path_suggester import PathSuggester

    def chosen(path: str | None) -> None:
        if path:
            screen.post_message(EvidenceFileGiven(item.id, Path(path)))

    screen.app.push_screen(
        TextDialog(
            screen.t("Evidence file path"),
            item.evidence(screen.app.lang),
            suggester=PathSuggester(),
            required=True,
        ),
        chosen,
    )


def ask_evidence_url(screen: AuditScreen, item: Item) -> None:
    def chosen(url: str | None) -> None:
        if url:
            screen.post_message(EvidenceUrlGiven(item.id, url))

    screen.app.push_screen(TextDialog(screen.t("Evidence URL"), "https://…", required=True), chosen)


def ask_follow_up(screen: AuditScreen, item: Item, contact: str) -> None:
    def chosen(given: tuple[str, str, dt.date] | None) -> None:
        if given:
            what, owed_by, due = given
            screen.post_message(FollowUpEntered(item.id, what, owed_by, due))

    screen.app.push_screen(
        FollowUpDialog(
            item.title(screen.app.lang),
            contact,
            screen.today + dt.timedelta(days=FOLLOW_UP_DAYS),
        ),
        chosen,
    )


def show_evidence(screen: AuditScreen, evidence: Evidence) -> None:
    """The evidence in full; on a draft, it offers to change the expiry date."""

    def closed(set_expiry: bool | None) -> None:
        if set_expiry:
            ask_expiry(screen, evidence)

    screen.app.push_screen(EvidenceDialog(evidence, can_edit=not screen.read_only), closed)


def ask_expiry(screen: AuditScreen, evidence: Evidence) -> None:
    from vaudit.audits.rows import row_id

    evidence_id = row_id(evidence)

    def problem(text: str) -> str | None:
        if text and parse_day(text) is None:
            return screen.t("Not a date: use YYYY-MM-DD.")
        return None

    def chosen(text: str | None) -> None:
        if text is not None:
            screen.post_message(ExpiryEntered(evidence_id, parse_day(text) if text else None))

    screen.app.push_screen(
        TextDialog(
            screen.t("Expiry date of this evidence (YYYY-MM-DD; empty clears it)"),
            evidence.name,
            initial=evidence.expires_on.isoformat() if evidence.expires_on else "",
            check=problem,
        ),
        chosen,
    )


def ask_sign_off(screen: AuditScreen, unanswered: list[str]) -> None:
    """Who signs; the dialog names the items still unanswered."""

    def signed(by: str | None) -> None:
        if by:
            screen.post_message(SignOffConfirmed(by))

    screen.app.push_screen(
        SignOffDialog(unanswered[:UNANSWERED_SHOWN], len(unanswered), screen.app.actor), signed
    )
