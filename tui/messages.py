"""Messages the app sends to every screen, and the typed messages of the audit screen's
writes (what was asked for, and what the write did)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from vaudit.audits.checklist import ChecklistError
    from vaudit.audits.models import Answer, Audit, Evidence, FollowUp
    from vaudit.audits.service import Service


class ServiceReady(Message, bubble=False):
    """The database is open and the service can be used (sent to each screen by the app;
    it must not bubble back up to it)."""

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service


class ServiceFailed(Message, bubble=False):
    """The database could not be opened; the message says why."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ChecklistsBroken(Message):
    """A file in the user's checklist folder cannot be used; the audits still open."""

    def __init__(self, error: ChecklistError) -> None:
        super().__init__()
        self.error = error


# ---------------------------------------------------------------- the audit screen's writes
# Asked for by a key, a dialog or a panel of the audit screen, each carries what the write
# needs; the screen handles it and queues the write on the writer thread.


class AnswerChange(Message):
    """A change to one item's answer; `fields` are the ones it sets (Service.record_answer)."""

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id

    def fields(self) -> dict[str, str | None]:
        raise NotImplementedError


class AnswerChosen(AnswerChange):
    """A result for an item (pass/partial/fail/na, "auto" for the rule's proposal, None to
    clear it), with the note that explains an override of the rule."""

    def __init__(self, item_id: str, result: str | None, note: str | None = None) -> None:
        super().__init__(item_id)
        self.result = result
        self.note = note

    def fields(self) -> dict[str, str | None]:
        return {"result": self.result} | ({"note": self.note} if self.note is not None else {})


class ValueEntered(AnswerChange):
    """A value typed for an item, already checked against its input kind (None clears it)."""

    def __init__(self, item_id: str, value: str | None) -> None:
        super().__init__(item_id)
        self.value = value

    def fields(self) -> dict[str, str | None]:
        return {"value": self.value}


class NoteEntered(AnswerChange):
    def __init__(self, item_id: str, note: str) -> None:
        super().__init__(item_id)
        self.note = note

    def fields(self) -> dict[str, str | None]:
        return {"note": self.note}


class EvidenceFileGiven(Message):
    def __init__(self, item_id: str, path: Path) -> None:
        super().__init__()
        self.item_id = item_id
        self.path = path


class EvidenceUrlGiven(Message):
    def __init__(self, item_id: str, url: str) -> None:
        super().__init__()
        self.item_id = item_id
        self.url = url


class ExpiryEntered(Message):
    """A new expiry date for a piece of evidence (None clears it)."""

    def __init__(self, evidence_id: int, expires_on: dt.date | None) -> None:
        super().__init__()
        self.evidence_id = evidence_id
        self.expires_on = expires_on


class FollowUpEntered(Message):
    def __init__(self, item_id: str, what: str, owed_by: str, due_on: dt.date) -> None:
        super().__init__()
        self.item_id = item_id
        self.what = what
        self.owed_by = owed_by
        self.due_on = due_on


class FollowUpToggled(Message):
    """Enter on a follow-up: done if it was open, open again if it was done."""

    def __init__(self, follow_up: FollowUp) -> None:
        super().__init__()
        self.follow_up = follow_up


class EvidenceOpened(Message):
    """Enter on a piece of evidence: show it (and offer to change its expiry)."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__()
        self.evidence = evidence


class SignOffConfirmed(Message):
    def __init__(self, by: str) -> None:
        super().__init__()
        self.by = by


class RevisionAsked(Message):
    """Start a revision of the signed-off audit on screen."""


# ---------------------------------------------------------------- what the writes did


class AnswerSaved(Message):
    """An answer the writer stored; `started` is when it was queued, `ran` how long the write
    itself took."""

    def __init__(self, answer: Answer, started: float, ran: float) -> None:
        super().__init__()
        self.answer = answer
        self.started = started
        self.ran = ran


class AnswerRefused(Message):
    def __init__(self, item_id: str, error: Exception) -> None:
        super().__init__()
        self.item_id = item_id
        self.error = error


class EvidenceSaved(Message):
    """Evidence added, or its expiry changed."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__()
        self.evidence = evidence


class FollowUpSaved(Message):
    """A follow-up added (`toggled` False) or marked done / open again (`toggled` True)."""

    def __init__(self, follow_up: FollowUp, toggled: bool) -> None:
        super().__init__()
        self.follow_up = follow_up
        self.toggled = toggled


class AuditSignedOff(Message):
    def __init__(self, audit: Audit) -> None:
        super().__init__()
        self.audit = audit


class AuditRevised(Message):
    """The revision the writer created: a new draft audit."""

    def __init__(self, audit: Audit) -> None:
        super().__init__()
        self.audit = audit


class WriteRefused(Message):
    """A write other than an answer was refused (an answer's refusal is AnswerRefused)."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


# ---------------------------------------------------------------- other screens' writes


class SelectionAdded(Message):
    """Home: a new selection was stored."""


class AuditStarted(Message):
    """Home: an audit was started; the app opens it."""

    def __init__(self, audit_id: int) -> None:
        super().__init__()
        self.audit_id = audit_id


class StageMoved(Message):
    """Compare: a candidate moved to another stage of its selection."""

    def __init__(self, vendor_name: str, stage: str) -> None:
        super().__init__()
        self.vendor_name = vendor_name
        self.stage = stage


class VendorSaved(Message):
    """The vendor form: a vendor was added or its facts changed."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class ReceiptTicked(Message):
    """The channel screen: a handset receipt the auditor ticked was stored."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token


class ReceiptRefused(Message):
    """The channel screen: a ticked receipt could not be stored; `error` says why."""

    def __init__(self, token: str, error: Exception) -> None:
        super().__init__()
        self.token = token
        self.error = error
