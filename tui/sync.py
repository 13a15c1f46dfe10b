"""The audit as the audit screen knows it, kept in step with the database (no Textual here).

The screen shows a view read in one transaction, then changes its copy as its own writes land.
A view read later (after the audit's stamp moved) replaces it only when it brings something
new: a change made elsewhere, or new channel measurements; never when it was read before one
of our own writes landed, which would undo that write on screen.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item
    from vaudit.audits.models import Answer, Evidence, FollowUp
    from vaudit.audits.scoring import AuditScore
    from vaudit.audits.service import AuditView
    from vaudit.audits.text import Lang, Text


class Outcome(enum.Enum):
    """What the screen does with a view it has read."""

    KEEP = "keep"  # nothing new: what is on screen stays
    LOOK_AGAIN = "look again"  # read before one of our writes landed: read it again
    SHOW = "show"  # draw it
    SHOW_CHANGED = "show changed"  # draw it and say it changed elsewhere


@dataclass(frozen=True)
class Section:
    """One checklist of the audit: a line in the section list, its items in the table."""

    id: str
    title: Text
    items: list[Item]


class AuditSync:
    """One audit's view, with our own writes applied as they land; its change stamp; and the
    answer versions our queued writes build on."""

    def __init__(self) -> None:
        self.view: AuditView | None = None
        self.answers: dict[str, Answer] = {}
        self.evidence: dict[str, list[Evidence]] = {}
        self.follow_ups: dict[str, list[FollowUp]] = {}
        self.score: AuditScore | None = None
        self.sections: list[Section] = []
        self.stamp = 0
        # The answer versions known here; read and advanced by the writer thread, so a second
        # quick change to an item builds on the first instead of looking stale.
        self.versions: dict[str, int] = {}
        self.pending: dict[str, int] = {}  # queued answer writes per item, not landed yet

    def reset(self) -> None:
        """Forget the audit (another one is about to be read). New dicts, not cleared ones:
        writes still queued for the previous audit keep the versions they read."""
        self.view = None
        self.answers, self.evidence, self.follow_ups = {}, {}, {}
        self.versions, self.pending = {}, {}
        self.score = None
        self.sections = []
        self.stamp = 0

    # ------------------------------------------------------------------ reading

    @property
    def read_only(self) -> bool:
        return self.view is not None and self.view.audit.status == "signed_off"

    def stale(self, stamp: int) -> bool:
        """True when the database's stamp says the audit changed since it was read."""
        return stamp != self.stamp

    def receive(
        self, view: AuditView, stamp: int, *, external: bool, writes_pending: bool
    ) -> Outcome:
        """Take a view just read: our own reload (`external` False) is always shown; one read
        because the stamp moved is shown when it brings something new."""
        if not external and self.view is not None:
            self.stamp = stamp
            self._apply(view)
            return Outcome.SHOW
        if external and self.view is not None:
            if writes_pending:
                return Outcome.KEEP  # our own writes are still landing; look again later
            if _older(view, self.answers):
                return Outcome.LOOK_AGAIN
        changed = external and self.view is not None and self._differs(view)
        # A channel run changes no answer but what the channel rules propose: shown, without
        # "changed elsewhere".
        measured = self.view is not None and view.measured != self.view.measured
        self.stamp = stamp
        if external and not changed and not measured and self.view is not None:
            return Outcome.KEEP
        self._apply(view)
        return Outcome.SHOW_CHANGED if changed else Outcome.SHOW

    def _differs(self, view: AuditView) -> bool:
        assert self.view is not None
        return (
            _versions(view.answers) != _versions(self.answers)
            or view.audit.status != self.view.audit.status
            or _evidence_ids(view.evidence) != _evidence_ids(self.evidence)
            or _follow_up_versions(view.follow_ups) != _follow_up_versions(self.follow_ups)
        )

    def _apply(self, view: AuditView) -> None:
        first = self.view is None
        self.view = view
        self.answers = dict(view.answers)
        self.evidence = {k: list(v) for k, v in view.evidence.items()}
        self.follow_ups = {k: list(v) for k, v in view.follow_ups.items()}
        # In place, and never backwards: queued writes read this very dict.
        if first:
            self.versions.clear()
        for key, answer in view.answers.items():
            self.versions[key] = max(self.versions.get(key, 0), answer.version)
        self.score = view.score
        self.sections = [Section(c.id, c.title, list(c.items)) for c in view.checklists.checklists]

    # ------------------------------------------------------------------ items

    def item(self, item_id: str) -> Item | None:
        return self.view.checklists.item(item_id) if self.view is not None else None

    def applies(self, item: Item) -> bool:
        return self.view is not None and item.applies_to(self.view.scenario)

    def first_item_id(self) -> str:
        """Where the cursor starts: the first unanswered item, else the very first."""
        assert self.view is not None
        first_open = next(iter(self.view.unanswered()), None)
        return first_open.id if first_open else self.sections[0].items[0].id

    def section_of(self, item_id: str) -> int:
        for index, section in enumerate(self.sections):
            if any(i.id == item_id for i in section.items):
                return index
        return 0

    def is_open(self, item: Item) -> bool:
        """Applicable and without a result."""
        answer = self.answers.get(item.id)
        return self.applies(item) and not (answer and answer.result)

    def next_unanswered(self, after: str | None) -> str | None:
        """The next open item after `after` (wrapping round), skipping those with a write on
        its way."""
        order = [i for s in self.sections for i in s.items]
        start = next((n for n, i in enumerate(order) if i.id == after), -1)
        for offset in range(1, len(order) + 1):
            item = order[(start + offset) % len(order)]
            if item.id != after and self.is_open(item) and not self.pending.get(item.id):
                return item.id
        return None

    def shown_value(self, item_id: str) -> str | None:
        """The value the item shows: the vendor's recorded fact for an item that asks for one,
        else the answer's value."""
        answer = self.answers.get(item_id)
        stored = answer.value if answer else None
        if self.view is None:
            return stored
        if self.view.audit.status == "signed_off":
            return stored
        return self.view.fact_values.get(item_id, stored)

    def proposal(self, item_id: str, lang: Lang) -> tuple[str | None, str]:
        """The rule's proposal for an item and its reason. A rule over the vendor's facts
        proposes from the facts as they are now (what `y` will record); a rule over the value
        proposes what was stored with the answer."""
        live = self.view.proposals.get(item_id) if self.view else None
        if live is not None:
            return live.result.value, live.reason(lang)
        answer = self.answers.get(item_id)
        if answer and answer.proposed_result:
            reason = answer.proposal_reason_zh if lang == "zh" else answer.proposal_reason_en
            return answer.proposed_result, reason or ""
        return None, ""

    # ------------------------------------------------------------------ our own writes

    def answer_asked(self, item_id: str) -> None:
        """An answer change is on its way (asked for, queued, or being written)."""
        self.pending[item_id] = self.pending.get(item_id, 0) + 1

    def answer_job(self, item_id: str, write: Callable[[int], Answer]) -> Callable[[], Answer]:
        """A job for the writer thread: `write` gets the answer version to build on (the
        newest known when the job runs) and returns the stored answer."""
        versions = self.versions

        def run() -> Answer:
            answer = write(versions.get(item_id, 0))
            versions[item_id] = answer.version
            return answer

        return run

    def answer_saved(self, answer: Answer) -> None:
        self._landed(answer.item_id)
        self.answers[answer.item_id] = answer
        self._rescore()

    def answer_refused(self, item_id: str) -> None:
        self._landed(item_id)

    def _landed(self, item_id: str) -> None:
        self.pending[item_id] = max(0, self.pending.get(item_id, 0) - 1)

    def evidence_saved(self, evidence: Evidence) -> None:
        """Evidence added, or changed (its expiry): replaced where it is, else appended."""
        self.evidence[evidence.item_id] = _upsert(self.evidence.get(evidence.item_id), evidence)

    def follow_up_saved(self, follow_up: FollowUp) -> None:
        """A follow-up added, or changed (done, open again)."""
        rows = self.follow_ups.get(follow_up.item_id)
        self.follow_ups[follow_up.item_id] = _upsert(rows, follow_up)

    def _rescore(self) -> None:
        from vaudit.audits.scoring import results_of, score

        assert self.view is not None
        self.score = score(self.view.checklists, self.view.scenario, results_of(self.answers))


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


Row = TypeVar("Row", bound=_Stored)


def _upsert(rows: list[Row] | None, row: Row) -> list[Row]:
    rows = rows or []
    if any(r.id == row.id for r in rows):
        return [row if r.id == row.id else r for r in rows]
    return [*rows, row]


def _older(view: AuditView, answers: Mapping[str, Answer]) -> bool:
    """True when the view misses an answer version this screen already has."""
    return any(
        key not in view.answers or view.answers[key].version < answer.version
        for key, answer in answers.items()
    )


def _versions(answers: Mapping[str, Answer]) -> dict[str, int]:
    return {k: a.version for k, a in answers.items()}


def _evidence_ids(evidence: Mapping[str, list[Evidence]]) -> set[int | None]:
    return {e.id for rows in evidence.values() for e in rows}


def _follow_up_versions(follow_ups: Mapping[str, list[FollowUp]]) -> dict[int | None, int]:
    return {f.id: f.version for rows in follow_ups.values() for f in rows}
