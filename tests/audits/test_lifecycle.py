from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from vaudit.audits.db import Store, open_store
from vaudit.audits.models import Answer, AuditStatus, Blob, Evidence, Stage
from vaudit.audits.service import AuditError, Locked, Service, StaleWrite
from vaudit.audits.values import ValueError_
from vaudit.audits.vendor_fields import FieldError


def reopen(db_target: str) -> Store:
    return open_store(db_target)


def test_start_freezes_the_checklists_and_scenario(service: Service, audit_id: int) -> None:
    view = service.view(audit_id)
    assert view.audit.status == AuditStatus.DRAFT
    assert [s.checklist_id for s in view.snapshots] == ["scoring", "alpha", "beta"]
    assert view.score.applicable == 3  # the finance and marketing items are n/a here
    # The vendor became a candidate at screening.
    [(candidate, vendor)] = service.candidates("2026 选型")
    assert candidate.stage == Stage.SCREENING and vendor.name == "示例通信"


def test_answers_are_typed_proposed_and_saved_at_once(
    service: Service, audit_id: int, db_target: str
) -> None:
    saved = service.record_answer(audit_id, "alpha.core.rate", result="auto", value="96")
    assert (saved.result, saved.proposed_result, saved.overridden) == ("partial", "partial", False)
    assert saved.proposal_reason_en == "96 is below the required 97"
    with pytest.raises(ValueError_, match="not a number"):
        service.record_answer(audit_id, "alpha.core.rate", value="lots")
    # Read back through a fresh connection: it was committed.
    other = Service(reopen(db_target), "bob", checklists=service.checklists, today=service.today)
    answer = other.view(audit_id).answers["alpha.core.rate"]
    assert (answer.result, answer.value, answer.answered_by) == ("partial", "96", "alice")
    other.store.dispose()


def test_overriding_a_proposal_needs_a_note(service: Service, audit_id: int) -> None:
    with pytest.raises(AuditError, match=r"the rule proposes fail .* needs a note"):
        service.record_answer(audit_id, "alpha.core.licence", result="pass", value="2026-01-01")
    assert "alpha.core.licence" not in service.view(audit_id).answers  # nothing half-saved
    saved = service.record_answer(
        audit_id,
        "alpha.core.licence",
        result="pass",
        value="2026-01-01",
        note="renewed; new licence seen on site",
    )
    assert saved.overridden and saved.proposed_result == "fail"
    # Changing the value so the rule now agrees clears the override flag.
    saved = service.record_answer(audit_id, "alpha.core.licence", value="2029-01-01")
    assert not saved.overridden and saved.proposed_result == "pass"


def test_not_applicable_items_refuse_answers(service: Service, audit_id: int) -> None:
    with pytest.raises(AuditError, match="does not apply"):
        service.record_answer(audit_id, "alpha.core.finance_permit", result="pass")
    with pytest.raises(AuditError, match="has no item"):
        service.record_answer(audit_id, "alpha.core.nothing", result="pass")


def test_a_stale_write_is_refused_with_both_values(service: Service, audit_id: int) -> None:
    service.record_answer(audit_id, "beta.misc.review", result="pass", expected_version=0)
    bob = Service(service.store, "bob", checklists=service.checklists, today=service.today)
    bob.record_answer(audit_id, "beta.misc.review", result="fail", expected_version=1)
    with pytest.raises(StaleWrite) as caught:
        service.record_answer(audit_id, "beta.misc.review", result="partial", expected_version=1)
    assert caught.value.current["result"] == "fail"
    assert caught.value.attempted["result"] == "partial"
    assert service.view(audit_id).answers["beta.misc.review"].result == "fail"


def test_sign_off_locks_and_revision_copies(service: Service, audit_id: int) -> None:
    service.record_answer(audit_id, "alpha.core.licence", result="auto", value="2029-01-01")
    service.record_answer(audit_id, "beta.misc.review", result="partial", note="spot checks only")
    service.add_evidence_bytes(audit_id, "alpha.core.licence", "licence.pdf", b"%PDF-1.4 scan")
    signed = service.sign_off(audit_id, "Carol")
    assert signed.status == AuditStatus.SIGNED_OFF and signed.signed_off_by == "Carol"
    for attempt in (
        lambda: service.record_answer(audit_id, "alpha.core.rate", result="pass"),
        lambda: service.add_evidence_url(audit_id, "alpha.core.rate", "https://example.org"),
        lambda: service.sign_off(audit_id, "Carol"),
    ):
        with pytest.raises(Locked, match="read-only"):
            attempt()
    revision = service.revise(audit_id)
    new = service.view(revision.id)  # type: ignore[arg-type]
    assert (new.audit.revision, new.audit.previous_id, new.audit.status) == (2, audit_id, "draft")
    assert new.answers["beta.misc.review"].note == "spot checks only"
    assert new.answers["alpha.core.licence"].answered_by == "alice"
    assert [e.name for e in new.evidence["alpha.core.licence"]] == ["licence.pdf"]
    assert new.score == service.view(audit_id).score
    with pytest.raises(AuditError, match="already has a revision"):
        service.revise(audit_id)
    with pytest.raises(AuditError, match="only a signed-off audit is revised"):
        service.revise(revision.id)  # type: ignore[arg-type]


def test_evidence_is_stored_once_by_hash(service: Service, audit_id: int, tmp_path: Path) -> None:
    scan = tmp_path / "licence-scan.png"
    scan.write_bytes(b"\x89PNG fake scan" * 1000)
    first = service.add_evidence_file(audit_id, "alpha.core.licence", scan)
    again = service.add_evidence_file(audit_id, "alpha.core.licence", scan)
    other_item = service.add_evidence_file(audit_id, "alpha.core.rate", scan)
    assert again.id == first.id
    assert other_item.sha256 == first.sha256 and other_item.id != first.id
    with service.store.read() as session:
        assert len(session.exec(select(Blob)).all()) == 1
        assert len(session.exec(select(Evidence)).all()) == 2
    _, content = service.evidence_content(first.id)  # type: ignore[arg-type]
    assert content == scan.read_bytes()
    with pytest.raises(AuditError, match="no such file"):
        service.add_evidence_file(audit_id, "alpha.core.licence", tmp_path / "missing.pdf")
    with pytest.raises(AuditError, match="not a web address"):
        service.add_evidence_url(audit_id, "alpha.core.licence", "ftp://x")


def test_stage_moves_are_recorded_with_who_and_why(service: Service, audit_id: int) -> None:
    with pytest.raises(AuditError, match="needs a reason"):
        service.move_stage("2026 选型", "示例通信", "rejected")
    service.move_stage("2026 选型", "示例通信", "technical_test")
    bob = Service(service.store, "bob", checklists=service.checklists)
    bob.move_stage("2026 选型", "示例通信", "rejected", "arrival rate 91% in the test")
    [(candidate, _)] = service.candidates("2026 选型")
    assert (candidate.stage, candidate.reason, candidate.stage_changed_by) == (
        "rejected",
        "arrival rate 91% in the test",
        "bob",
    )
    from vaudit.audits.models import Event

    with service.store.read() as session:
        moves = session.exec(select(Event).where(Event.action == "candidate.stage")).all()
    assert [(e.actor, e.after) for e in moves] == [
        ("alice", '{"reason":null,"selection":1,"stage":"technical_test","vendor":1}'),
        (
            "bob",
            '{"reason":"arrival rate 91% in the test","selection":1,"stage":"rejected","vendor":1}',
        ),
    ]


def test_vendor_fields_are_validated(service: Service) -> None:
    with pytest.raises(FieldError, match="credit_code: not a unified social credit code"):
        service.add_vendor({"name": "X", "credit_code": "91310110666007217O"})
    with pytest.raises(FieldError, match="name: is required"):
        service.add_vendor({"name": "  "})
    with pytest.raises(FieldError, match="licence_number: 101 characters; at most 100 fit"):
        service.add_vendor({"name": "X", "licence_number": "B" * 101})
    with pytest.raises(FieldError, match="'1066' is not an SMS access code"):
        service.add_vendor({"name": "Y", "access_codes": "10690123, 1066 8888"})
    vendor = service.add_vendor(
        {
            "name": "Y",
            "registered_capital_yuan": "1000万",
            "access_codes": "10690123，10668888 10690123",
        }
    )
    assert vendor.registered_capital_yuan == 10_000_000
    assert vendor.access_codes == '["10690123", "10668888"]'
    with pytest.raises(AuditError, match="already exists"):
        service.add_vendor({"name": "Y"})
    edited = service.edit_vendor("Y", {"website": "https://y.example.cn"}, expected_version=1)
    assert edited.version == 2
    with pytest.raises(StaleWrite):
        service.edit_vendor("Y", {"website": ""}, expected_version=1)


def test_answers_survive_in_the_database(service: Service, audit_id: int, db_target: str) -> None:
    service.record_answer(audit_id, "beta.misc.review", result="pass", value="full")
    again = reopen(db_target)
    with again.read() as session:
        answer = session.exec(select(Answer)).one()
    again.dispose()
    assert (answer.item_id, answer.result, answer.value) == ("beta.misc.review", "pass", "full")


def test_names_longer_than_the_database_keeps_are_refused(service: Service, audit_id: int) -> None:
    # PostgreSQL would refuse them with a driver error; both backends give the same message.
    with pytest.raises(AuditError, match="the auditor's name is 101 characters; at most 100 fit"):
        Service(service.store, "a" * 101)
    with pytest.raises(AuditError, match="the signer's name is 101 characters; at most 100 fit"):
        service.sign_off(audit_id, "b" * 101)
    assert service.view(audit_id).audit.status == AuditStatus.DRAFT
