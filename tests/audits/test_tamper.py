"""The sign-off digest: an answer changed behind the tool's back (direct SQL) is named."""

from __future__ import annotations

from tests.helpers import drop_guards, signed_off_audit, vaudit
from vaudit.audits.db import Store
from vaudit.audits.service import Service


def forge(store: Store, sql: str) -> None:
    """What someone with write access to the database does: lift the guard, then write."""
    with store.engine.begin() as conn:
        drop_guards(conn)
        conn.exec_driver_sql(sql)


def verify(db_target: str) -> tuple[int, str, str]:
    result = vaudit(db_target, "verify")
    return result.exit_code, result.stdout, result.stderr


def test_an_untouched_signed_off_audit_verifies(service: Service, db_target: str) -> None:
    signed_off_audit(service)
    code, out, err = verify(db_target)
    assert code == 0, err
    assert "signed-off audits intact: 1 checked" in out


def test_a_changed_answer_is_named_though_the_log_is_intact(
    service: Service, db_target: str
) -> None:
    audit = signed_off_audit(service)
    forge(
        service.store,
        f"UPDATE answer SET result = 'fail' WHERE audit_id = {audit} "
        "AND item_id = 'beta.misc.review'",
    )
    code, out, err = verify(db_target)
    assert code == 1
    assert "event log intact" in out  # the chain alone cannot see it
    assert f"audit {audit}: answer beta.misc.review was changed after sign-off" in err
    assert "alpha.core.rate" not in err


def test_removed_and_added_rows_and_a_reopened_audit_are_named(
    service: Service, db_target: str
) -> None:
    audit = signed_off_audit(service)
    forge(service.store, "DELETE FROM answer WHERE item_id = 'alpha.core.rate'")
    forge(service.store, f"DELETE FROM evidence WHERE audit_id = {audit}")
    forge(service.store, f"UPDATE audit SET status = 'draft' WHERE id = {audit}")
    report = service.verify_signed_off()
    assert [str(f) for f in report.findings] == [
        f"audit {audit}: the log says it was signed off but it is now draft",
        f"audit {audit}: answer alpha.core.rate was removed after sign-off",
        f"audit {audit}: evidence 1 was removed after sign-off",
    ]


def test_a_revision_is_checked_only_once_signed_off(service: Service) -> None:
    audit = signed_off_audit(service)
    revision = service.revise(audit).id
    assert revision is not None
    service.record_answer(revision, "beta.misc.review", result="fail", note="changed my mind")
    report = service.verify_signed_off()
    assert (report.checked, report.findings) == (1, [])
    service.sign_off(revision, "Carol")
    assert service.verify_signed_off().checked == 2
