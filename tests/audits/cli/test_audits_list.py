"""`audits list` reads the score cached on each audit row and streams what it prints."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.helpers import vaudit
from vaudit.audits.cli import output
from vaudit.audits.db import open_store
from vaudit.audits.service import Service


def _scored_afresh(db: Path) -> dict[int, tuple[float, float, str, list[str]]]:
    service = Service(open_store(str(db)), "test")
    return {
        s.audit.id: (
            round(s.score.completion, 4),
            round(s.score.total, 2),
            s.score.verdict.value,
            list(s.score.failed_gates),
        )
        for s in service.summaries()
        if s.audit.id is not None
    }


def _listed(db: Path, *args: str) -> dict[int, tuple[float, float, str, list[str]]]:
    rows = json.loads(vaudit(db, "audits", "list", "--json", *args, ok=True).output)
    return {r["id"]: (r["completion"], r["score"], r["verdict"], r["failed_gates"]) for r in rows}


def test_list_json_matches_scoring_every_audit_afresh(db_path: Path) -> None:
    vaudit(db_path, "demo", ok=True)
    listed = _listed(db_path)
    assert listed == _scored_afresh(db_path)
    assert any(gates for *_, gates in listed.values())  # the demo has a disqualified audit


def test_an_audit_without_a_cached_score_is_scored_when_listed(db_path: Path) -> None:
    vaudit(db_path, "demo", ok=True)
    expected = _scored_afresh(db_path)
    store = open_store(str(db_path))
    with store.write() as session:
        # As a database from before the score cache (migration 0003) holds them.
        session.connection().exec_driver_sql(
            "UPDATE audit SET score_total = NULL, completion = NULL, verdict = NULL"
        )
    assert _listed(db_path) == expected


def test_list_filters_by_selection_and_vendor(db_path: Path) -> None:
    vaudit(db_path, "demo", ok=True)
    everything = json.loads(vaudit(db_path, "audits", "list", "--json", ok=True).output)
    first = everything[0]
    by_selection = _listed(db_path, "--selection", str(first["selection_id"]))
    assert set(by_selection) == {
        r["id"] for r in everything if r["selection_id"] == first["selection_id"]
    }
    by_vendor = _listed(db_path, "--vendor", str(first["vendor_id"]))
    assert set(by_vendor) == {r["id"] for r in everything if r["vendor_id"] == first["vendor_id"]}


def test_streamed_json_is_the_text_of_the_whole_list(capsys: pytest.CaptureFixture[str]) -> None:
    items = [
        {"b": '审核\n"', "a": [1, {"c": None, "d": []}], "e": {}, "f": (True, 0.1, -2.5e-7)},
        {"a": 2, "when": dt.date(2026, 11, 24), "nested": {"z": {"y": ["x"]}}},
        {1: "a key json converts", 2: False},
    ]
    for data in (items, []):
        output.echo_json(data)
        whole = capsys.readouterr().out
        output.echo_json_list(iter(data))
        assert capsys.readouterr().out == whole


def test_a_long_table_is_laid_out_page_by_page_with_one_heading(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vaudit(db_path, "demo", ok=True)
    whole = vaudit(db_path, "audits", "list", ok=True).output.splitlines()
    monkeypatch.setattr(output, "TABLE_PAGE", 3)
    paged = vaudit(db_path, "audits", "list", ok=True).output.splitlines()
    # The heading and its rule once; the first page laid out on its own rows' widths.
    assert [line.split()[0] for line in paged].count("id") == 1
    assert sum(1 for line in paged if line.startswith("─")) == 1
    ids = [line.split()[0] for line in paged[2:]]
    assert ids == [line.split()[0] for line in whole[2:]] and len(ids) == 9
