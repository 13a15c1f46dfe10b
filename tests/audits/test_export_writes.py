"""Exporting many audits: files are written behind the building, in order, and the first
problem still stops the run with every file either whole or absent."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.helpers import start_audit
from vaudit.audits.report import export_audits
from vaudit.audits.report.format import ReportError
from vaudit.audits.service import Service


def _audits(service: Service, count: int) -> list[int]:
    return [start_audit(service, f"V{n}", f"S{n}") for n in range(count)]


def test_every_report_is_written_whole_and_reported_in_order(
    service: Service, tmp_path: Path
) -> None:
    ids = _audits(service, 6)
    seen: list[int] = []
    written = export_audits(
        service,
        ids,
        f"{tmp_path}/",
        progress=lambda n, total, done: seen.append(n) if total == 6 else None,
    )
    assert [w.audit_id for w in written] == ids and seen == [1, 2, 3, 4, 5, 6]
    for done in written:
        report = tomllib.loads(done.path.read_text(encoding="utf-8"))
        assert report["digest"]["value"] == done.digest
    assert not list(tmp_path.glob(".*.part"))  # no temp file left behind


def test_the_first_refused_file_stops_the_export(service: Service, tmp_path: Path) -> None:
    ids = _audits(service, 6)
    tmp_path = tmp_path / "out"
    first = export_audits(service, ids[:3], f"{tmp_path}/")
    taken = first[2].path
    for done in first[:2]:
        done.path.unlink()
    with pytest.raises(ReportError) as refused:
        export_audits(service, ids, f"{tmp_path}/")  # the third file exists: no --force
    # The error says what stopped it and names the reports written before it.
    assert f"{taken} exists" in str(refused.value)
    assert first[0].path.name in str(refused.value) and first[1].path.name in str(refused.value)
    names = {p.name for p in tmp_path.iterdir()}
    # The two before it are written; of those after it at most the one already under way.
    assert {first[0].path.name, first[1].path.name, taken.name} <= names
    assert len(names) <= 4, names
    assert not list(tmp_path.glob(".*.part"))
