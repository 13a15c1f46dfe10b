"""The expiry watch over vendor facts: due dates computed, sorted, overdue marked."""

from __future__ import annotations

import json

from tests.helpers import TODAY
from vaudit.audits.watch import watch


def test_licence_mlps_and_annual_report_fall_due_in_date_order() -> None:
    vendors = [
        {"id": 1, "name": "A", "licence_expiry": "2027-01-24", "mlps_level": 3,
         "mlps_report_on": "2025-12-01", "annual_report_year": 2025},
        {"id": 2, "name": "B", "licence_expiry": "2030-01-01", "annual_report_year": 2023,
         "mlps_level": 4, "mlps_report_on": "2026-08-31"},
    ]  # fmt: skip
    items = watch(vendors, TODAY, within_days=90)
    got = [(i.due.isoformat(), i.vendor, i.kind, i.overdue(TODAY)) for i in items]
    assert got == [
        ("2025-03-31", "B", "annual_report", True),  # 2024's report was due by 2025-03-31
        ("2026-10-26", "A", "licence_renewal", True),  # 90 days before expiry
        ("2026-12-01", "A", "mlps_reevaluation", False),  # level 3: 12 months
        ("2027-01-24", "A", "licence_expiry", False),
    ]
    # Level 4 reports hold 6 months: 2026-08-31 + 6 months = 2027-02-28, beyond 90 days.
    assert all(i.kind != "mlps_reevaluation" or i.vendor == "A" for i in items)
    later = watch(vendors, TODAY, within_days=120)
    assert ("2027-02-28", "B") in [(i.due.isoformat(), i.vendor) for i in later]


def test_vaudit_watch_on_the_demo(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from vaudit.audits.cli import cli

    db = str(tmp_path / "w.sqlite")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "demo"]).exit_code == 0
    shown = runner.invoke(cli, ["--db", db, "watch", "--json"])
    assert shown.exit_code == 0, shown.output
    items = json.loads(shown.stdout)
    assert items == sorted(items, key=lambda i: i["due"])
    kinds = {i["kind"] for i in items}
    assert {"annual_report", "mlps_reevaluation", "licence_renewal"} <= kinds
    assert any(i["overdue"] for i in items)
    text = runner.invoke(cli, ["--db", db, "watch", "--within", "0"]).stdout
    assert "overdue" in text
