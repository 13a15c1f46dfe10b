from __future__ import annotations

from tests.helpers import start_audit
from vaudit.audits.service import Service


def populate(service: Service) -> int:
    audit = start_audit(service)
    service.record_answer(audit, "beta.misc.review", result="pass")
    service.record_answer(audit, "alpha.core.rate", result="auto", value="99")
    service.sign_off(audit, "Carol")
    return audit


def test_an_untouched_chain_verifies(service: Service) -> None:
    populate(service)
    report = service.verify()
    assert report.ok and report.events == 7


def test_an_edited_row_is_named(service: Service) -> None:
    populate(service)
    with service.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE event SET after = replace(after, 'pass', 'fail') WHERE id = 5")
    report = service.verify()
    assert not report.ok and report.broken_at == 5
    assert "event 5 (answer answer 1:beta.misc.review) was changed" in (report.reason or "")


def test_a_deleted_row_is_named(service: Service) -> None:
    populate(service)
    with service.store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM event WHERE id = 4")
    report = service.verify()
    assert (report.ok, report.broken_at) == (False, 4)
    assert "event 4 is missing" in (report.reason or "")


def test_a_deleted_tail_is_named(service: Service) -> None:
    populate(service)
    with service.store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM event WHERE id >= 6")
    report = service.verify()
    assert (report.ok, report.broken_at) == (False, 6)
    assert "events 6 to 7 are missing" in (report.reason or "")


def test_a_rehashed_forgery_still_breaks_the_link(service: Service) -> None:
    """Someone who edits a row and recomputes its hash still breaks the next row's link."""
    from sqlmodel import select

    from vaudit.audits.events import event_hash
    from vaudit.audits.models import Event

    populate(service)
    with service.store.write() as session:
        row = session.exec(select(Event).where(Event.id == 5)).one()
        row.after = row.after.replace("pass", "fail")  # type: ignore[union-attr]
        row.hash = event_hash(row)
        session.add(row)
    report = service.verify()
    assert (report.ok, report.broken_at) == (False, 6)
