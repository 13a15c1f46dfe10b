"""Print the full example report that docs/report-format.md shows.

    python scripts/report_example.py            # print it
    python scripts/report_example.py --write    # put it into docs/report-format.md

A small audit against the test checklists in tests/data/mini (five items, so the example stays
readable): a rule's proposal accepted, one overridden with a note, a failed answer, items that
do not apply (the scenario has no marketing and is not finance), a file and a link as
evidence, signed off. Ids and times are fixed, so the output is the same bytes every time;
tests/audits/test_report.py checks that the document holds it.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.reseal import reseal  # noqa: E402
from vaudit.audits.checklist import build_set, sources_in  # noqa: E402
from vaudit.audits.db import open_store  # noqa: E402
from vaudit.audits.db_guard import guard_names  # noqa: E402
from vaudit.audits.report import export_audits  # noqa: E402
from vaudit.audits.scenario import Scenario  # noqa: E402
from vaudit.audits.service import Service  # noqa: E402

DOC = ROOT / "docs" / "report-format.md"
START, END = "<!-- example:start -->", "<!-- example:end -->"
WHEN = "2026-11-20 08:00:00.000000"
TODAY = dt.date(2026, 11, 24)
GENERATED_AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def example() -> str:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(str(Path(folder) / "example.sqlite"))
        checklists = build_set(sources_in(ROOT / "tests" / "data" / "mini"))
        service = Service(store, "li.na", checklists=checklists, today=TODAY)
        vendor = service.add_vendor(
            {
                "name": "示例通信有限公司",
                "credit_code": "91310110666007217T",
                "licence_number": "B2-20150210",
                "licence_expiry": "2029-06-30",
                "access_codes": "10690123",
            }
        )
        selection = service.add_selection(
            "2026 选型", Scenario("ecommerce", "national", frozenset({"verification"}))
        )
        audit = service.start_audit(vendor.id, selection.id)  # type: ignore[arg-type]
        aid = audit.id
        service.record_answer(aid, "alpha.core.licence", value="2029-06-30", result="auto")  # type: ignore[arg-type]
        service.record_answer(aid, "alpha.core.rate", value="96.5")  # type: ignore[arg-type]
        service.record_answer(
            aid,  # type: ignore[arg-type]
            "alpha.core.rate",
            result="pass",
            note="Measured on 3 cards only; the contract guarantees 97%.",
        )
        service.record_answer(aid, "beta.misc.review", value="none", result="fail")  # type: ignore[arg-type]
        service.add_evidence_bytes(aid, "alpha.core.licence", "licence.pdf", b"%PDF-1.4 example")  # type: ignore[arg-type]
        service.add_evidence_url(aid, "alpha.core.licence", "https://tsm.miit.gov.cn/")  # type: ignore[arg-type]
        service.sign_off(aid, "zhang.wei")  # type: ignore[arg-type]
        with store.write() as session:
            run = session.connection().exec_driver_sql
            # A throw-away database: lift the signed-off guard to pin the times shown.
            for name in sorted(guard_names(session.connection())):
                run(f"DROP TRIGGER {name}")
            for table, column in (
                ("vendor", "created_at"),
                ("vendor", "updated_at"),
                ("selection", "created_at"),
                ("candidate", "stage_changed_at"),
                ("audit", "started_at"),
                ("audit", "updated_at"),
                ("audit", "signed_off_at"),
                ("answer", "answered_at"),
                ("evidence", "added_at"),
            ):
                run(f"UPDATE {table} SET {column} = '{WHEN}'")
            for table in ("vendor", "selection", "audit"):
                run(f"UPDATE {table} SET uid = printf('{table}%04d', id)")
            # The pinned rows no longer match the sign-off digest: seal them again.
            reseal(session)
        out = Path(folder) / "out"
        written = export_audits(
            service, [aid], out / "report.toml", with_evidence=True, generated_at=GENERATED_AT
        )  # type: ignore[list-item]
        text = written[0].path.read_text("utf-8")
        store.dispose()
        return text


def in_document(text: str) -> str:
    doc = DOC.read_text("utf-8")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n```toml\n{text}```\n{END}{tail}"


if __name__ == "__main__":
    report = example()
    if "--write" in sys.argv:
        DOC.write_text(in_document(report), "utf-8")
        print(f"wrote the example into {DOC}")
    else:
        sys.stdout.write(report)
