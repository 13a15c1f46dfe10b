"""Code records and port changes as stored: the migration that brings old access-code lists
over, the service's one-record edits with their versions and events, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from sqlmodel import select

from tests.helpers import vaudit
from vaudit.audits.db import make_engine, open_store, to_url, upgrade
from vaudit.audits.models import Event
from vaudit.audits.service import NotFound, Service, StaleWrite
from vaudit.audits.vendor_fields import FieldError


def test_upgrading_to_0005_turns_each_listed_code_into_a_record(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    url = to_url(str(path))
    engine = make_engine(url)
    upgrade(engine, url, revision="0004")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO vendor (uid, name, access_codes, created_at, updated_at, version) "
            "VALUES ('u1', '旧供应商', '[\"10690123\", \"10661234\"]', "
            "'2025-01-01 00:00:00', '2025-01-01 00:00:00', 3)"
        )
    engine.dispose()
    store = open_store(str(path))
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT access_codes, code_records, port_changes, tax_years, version FROM vendor"
        ).one()
    store.dispose()
    assert row[0] == '["10690123", "10661234"]'  # the old column is kept as it was
    assert [r["code"] for r in json.loads(row[1])] == ["10690123", "10661234"]
    assert all(r["valid_until"] is None for r in json.loads(row[1]))
    assert (row[2], row[3], row[4]) == ("[]", "[]", 3)


def test_one_code_at_a_time_keeps_the_list_in_step_and_is_logged(service: Service) -> None:
    service.add_vendor({"name": "码商", "access_codes": "10690123"})
    vendor, record = service.put_code("码商", "10690123 2023-05-01 mobile,unicom")
    assert record.carriers == ("mobile", "unicom") and vendor.version == 2
    vendor, _ = service.put_code("码商", "10690123 valid:2028-05-01")  # details laid over
    vendor, _ = service.put_code("码商", "10661234 none", expected_version=3)
    assert json.loads(vendor.access_codes) == ["10690123", "10661234"]
    [first, second] = json.loads(vendor.code_records)
    assert (first["allocated_on"], first["valid_until"]) == ("2023-05-01", "2028-05-01")
    assert second["carriers"] == []
    with pytest.raises(StaleWrite):
        service.put_code("码商", "10661234 mobile", expected_version=3)
    with pytest.raises(FieldError, match="give exactly one code"):
        service.put_code("码商", "10661234 10690999")
    vendor = service.remove_code("码商", "10690123")
    assert json.loads(vendor.access_codes) == ["10661234"]
    with pytest.raises(NotFound, match="no access code '10690123'"):
        service.remove_code("码商", "10690123")
    with service.store.read() as session:
        edits = list(session.exec(select(Event).where(Event.action == "vendor.edit")).all())
    assert len(edits) == 4
    removed = json.loads(edits[-1].before)["code_records"]
    assert removed[0]["valid_until"] == "2028-05-01"  # the log keeps what was removed


def test_codes_and_port_changes_from_the_command_line(db_path: Path) -> None:
    def run(*args: str, ok: bool = True) -> Result:
        return vaudit(db_path, *args, ok=ok)

    run("vendors", "add", "码商", "--access-codes", "10690123", "--tax-years", "2021-2025")
    run("vendors", "codes", "add", "码商", "10690123", "--allocated", "2023-05-01",
        "--carriers", "mobile,unicom", "--valid-until", "2028-05-01")  # fmt: skip
    listed = json.loads(run("vendors", "codes", "list", "码商", "--json").stdout)
    assert listed == [
        {"code": "10690123", "allocated_on": "2023-05-01", "carriers": ["mobile", "unicom"],
         "valid_until": "2028-05-01", "status": None, "last_used_on": None}
    ]  # fmt: skip
    bad = run("vendors", "codes", "add", "码商", "10690123", "--carriers", "mobile,moon", ok=False)
    assert bad.stderr.startswith("error: access_codes: 'mobile,moon' is not a list of carriers")
    added = run("vendors", "port-changes", "add", "码商", "--on", "2026-11-19",
                "--old", "SP01", "--new", "SP02", "--unfiled", "--note", "new gateway")  # fmt: skip
    assert "throttling from" in added.stderr
    changes = json.loads(run("vendors", "port-changes", "list", "码商", "--json").stdout)
    assert [(c["new_port"], c["filed"], c["note"]) for c in changes] == [
        ("SP02", False, "new gateway")
    ]
    assert changes[0]["throttle_from"] and changes[0]["suspension_from"]
    shown = run("vendors", "show", "码商").stdout
    assert "2026-11-19 SP01 -> SP02 unfiled # new gateway" in shown and "2021-2025" in shown
    whole = json.loads(run("vendors", "show", "码商", "--json").stdout)
    assert whole["tax_years"] == [2021, 2022, 2023, 2024, 2025]
    missing = run("vendors", "port-changes", "remove", "码商", "2", ok=False)
    assert "error: 码商 has 1 port change(s); no number 2" in missing.stderr
    run("vendors", "port-changes", "remove", "码商", "1")
    run("vendors", "codes", "remove", "码商", "10690123")
    assert json.loads(run("vendors", "show", "码商", "--json").stdout)["access_codes"] == []
    refused = run("vendors", "edit", "码商", "--access-codes", "10690123\n10661234 moon", ok=False)
    assert "line 2: 'moon' is not recognised" in refused.stderr
