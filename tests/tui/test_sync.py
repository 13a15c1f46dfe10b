"""AuditSync, the audit screen's copy of an audit, without Textual: which views read from the
database replace it, and how our own writes change it as they land."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import TODAY
from vaudit.audits.checklist import ChecklistSet
from vaudit.audits.db import open_store
from vaudit.audits.models import Answer
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service, StaleWrite
from vaudit.tui.sync import AuditSync, Outcome

GENERAL = Scenario(
    industry="general", coverage="national", message_kinds=frozenset({"verification"})
)
LICENCE, RATE, PERMIT, REVIEW = (
    "alpha.core.licence",
    "alpha.core.rate",
    "alpha.core.finance_permit",  # finance only: not applicable here
    "beta.misc.review",
)


@pytest.fixture
def service(tmp_path: Path, mini_set: ChecklistSet) -> Iterator[Service]:
    """On SQLite only (the shared `service` runs on PostgreSQL too); `audit_id` builds on it."""
    store = open_store(str(tmp_path / "sync.sqlite"))
    opened = Service(store, "alice", checklists=mini_set, today=TODAY)
    yield opened
    opened.store.dispose()


def shown(service: Service, audit_id: int) -> AuditSync:
    sync = AuditSync()
    view, stamp = service.view_with_stamp(audit_id)
    assert sync.receive(view, stamp, external=False, writes_pending=False) is Outcome.SHOW
    return sync


def test_the_first_view_is_shown_with_its_sections_and_versions(
    service: Service, audit_id: int
) -> None:
    service.record_answer(audit_id, RATE, value="99")
    sync = shown(service, audit_id)
    assert [s.id for s in sync.sections] == ["alpha", "beta"]
    assert sync.versions == {RATE: 1}
    assert sync.first_item_id() == LICENCE  # the first one without a result
    assert sync.section_of(REVIEW) == 1
    assert not sync.stale(service.audit_stamp(audit_id))
    assert not sync.read_only


def test_a_view_read_after_a_change_elsewhere_is_shown_and_said(
    service: Service, audit_id: int
) -> None:
    sync = shown(service, audit_id)
    service.record_answer(audit_id, LICENCE, result="pass")  # another auditor
    stamp = service.audit_stamp(audit_id)
    assert sync.stale(stamp)
    view, stamp = service.view_with_stamp(audit_id)
    outcome = sync.receive(view, stamp, external=True, writes_pending=False)
    assert outcome is Outcome.SHOW_CHANGED
    assert sync.answers[LICENCE].result == "pass" and sync.versions[LICENCE] == 1
    assert not sync.stale(stamp)


def test_a_view_with_nothing_new_is_kept_out_but_its_stamp_taken(
    service: Service, audit_id: int
) -> None:
    sync = shown(service, audit_id)
    view, stamp = service.view_with_stamp(audit_id)
    before = sync.view
    assert sync.receive(view, stamp + 1, external=True, writes_pending=False) is Outcome.KEEP
    assert sync.view is before and sync.stamp == stamp + 1
    # New channel measurements change only what the rules propose: shown, not "changed".
    measured = dataclasses.replace(view, measured={"arrival_rate": 99.0})
    assert sync.receive(measured, stamp + 2, external=True, writes_pending=False) is Outcome.SHOW


def test_our_own_reload_is_shown_even_when_nothing_changed(service: Service, audit_id: int) -> None:
    sync = shown(service, audit_id)
    view, stamp = service.view_with_stamp(audit_id)
    assert sync.receive(view, stamp, external=False, writes_pending=False) is Outcome.SHOW
    assert sync.view is view


def test_no_view_replaces_ours_while_our_writes_land_or_before_they_landed(
    service: Service, audit_id: int
) -> None:
    sync = shown(service, audit_id)
    early, stamp = service.view_with_stamp(audit_id)
    sync.answer_asked(LICENCE)
    job = sync.answer_job(
        LICENCE,
        lambda v: service.record_answer(audit_id, LICENCE, result="pass", expected_version=v),
    )
    assert sync.receive(early, stamp + 1, external=True, writes_pending=True) is Outcome.KEEP
    sync.answer_saved(job())
    # Read before our write landed: showing it would undo the write on screen.
    assert sync.receive(early, stamp + 1, external=True, writes_pending=False) is (
        Outcome.LOOK_AGAIN
    )
    assert sync.answers[LICENCE].result == "pass"


def test_queued_answer_writes_build_on_each_other(service: Service, audit_id: int) -> None:
    sync = shown(service, audit_id)

    def record(result: str) -> Callable[[], Answer]:
        return sync.answer_job(
            RATE,
            lambda v: service.record_answer(audit_id, RATE, result=result, expected_version=v),
        )

    # Both queued before either ran, as when two keys are pressed quickly.
    first, second = record("pass"), record("fail")
    assert first().version == 1
    assert second().version == 2
    assert sync.versions[RATE] == 2
    # A job built on a version the database has moved past is refused, not applied.
    sync.versions[RATE] = 1
    with pytest.raises(StaleWrite):
        record("partial")()


def test_an_answer_on_its_way_is_skipped_then_scored_when_it_lands(
    service: Service, audit_id: int
) -> None:
    sync = shown(service, audit_id)
    assert sync.next_unanswered(None) == LICENCE
    assert sync.next_unanswered(LICENCE) == RATE  # past the one not applicable, wrapping
    sync.answer_asked(RATE)
    assert sync.next_unanswered(LICENCE) == REVIEW
    job = sync.answer_job(
        RATE, lambda v: service.record_answer(audit_id, RATE, result="pass", expected_version=v)
    )
    assert sync.score is not None and sync.score.answered == 0
    sync.answer_saved(job())
    assert sync.pending[RATE] == 0 and sync.answers[RATE].result == "pass"
    assert sync.score.answered == 1
    assert [i.id for i in sync.sections[0].items if sync.is_open(i)] == [LICENCE]  # not PERMIT
    sync.answer_asked(LICENCE)
    sync.answer_refused(LICENCE)
    assert sync.pending[LICENCE] == 0 and LICENCE not in sync.answers


def test_evidence_and_follow_ups_are_added_or_replaced_in_place(
    service: Service, audit_id: int
) -> None:
    sync = shown(service, audit_id)
    evidence = service.add_evidence_url(audit_id, RATE, "https://example.com/report")
    sync.evidence_saved(evidence)
    assert evidence.id is not None
    changed = service.set_evidence_expiry(evidence.id, TODAY)
    sync.evidence_saved(changed)
    assert [e.expires_on for e in sync.evidence[RATE]] == [TODAY]
    follow_up = service.add_follow_up(audit_id, RATE, "retest", "李娜", TODAY)
    sync.follow_up_saved(follow_up)
    assert follow_up.id is not None
    sync.follow_up_saved(service.set_follow_up_done(follow_up.id, True, expected_version=1))
    assert [f.done for f in sync.follow_ups[RATE]] == [True]


def test_the_proposal_comes_from_the_stored_answer_without_a_live_one(
    service: Service, audit_id: int
) -> None:
    service.record_answer(audit_id, RATE, value="96")  # between 95 and 97: partial
    sync = shown(service, audit_id)
    proposed, reason = sync.proposal(RATE, "en")
    assert proposed == "partial" and reason
    assert sync.proposal(REVIEW, "en") == (None, "")


def test_reset_forgets_the_audit_but_not_what_queued_writes_read(
    service: Service, audit_id: int
) -> None:
    sync = shown(service, audit_id)
    sync.versions[RATE] = 3
    versions = sync.versions
    sync.reset()
    assert sync.view is None and sync.sections == [] and sync.versions == {}
    assert versions == {RATE: 3}
    assert sync.next_unanswered(None) is None
