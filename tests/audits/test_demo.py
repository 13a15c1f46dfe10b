from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import vaudit


def test_demo_shows_every_state_and_verdict(db_path: Path) -> None:
    loaded = vaudit(db_path, "demo")
    assert loaded.exit_code == 0, loaded.stderr
    assert "8 vendors, 2 selections" in loaded.output

    audits = json.loads(vaudit(db_path, "audits", "list", "--json").output)
    verdicts = {a["verdict"] for a in audits}
    assert verdicts == {
        "recommended",
        "conditional",
        "not_recommended",
        "disqualified",
        "incomplete",
    }
    statuses = {a["status"] for a in audits}
    assert statuses == {"draft", "in_review", "signed_off"}
    revisions = [a for a in audits if a["revision"] == 2]
    assert len(revisions) == 1 and revisions[0]["previous_id"] is not None
    partly = [a for a in audits if 0 < a["completion"] < 1]
    assert len(partly) >= 2
    disqualified = next(a for a in audits if a["verdict"] == "disqualified")
    assert disqualified["stage"] == "rejected" and disqualified["failed_gates"]

    funnel = json.loads(vaudit(db_path, "selections", "list", "--json").output)
    stages = {c["stage"] for s in funnel for c in s["candidates"]}
    assert stages == {"screening", "technical_test", "negotiation", "finalist", "rejected"}

    evidence = json.loads(vaudit(db_path, "evidence", "list", "1", "--json").output)
    assert {e["kind"] for e in evidence} == {"file", "url"}
    assert all(len(e["sha256"]) == 64 for e in evidence if e["kind"] == "file")
    assert vaudit(db_path, "verify").output.startswith("event log intact")


def test_demo_refuses_a_database_with_data_unless_reset(db_path: Path) -> None:
    assert vaudit(db_path, "vendors", "add", "Someone's real vendor").exit_code == 0
    refused = vaudit(db_path, "demo")
    assert refused.exit_code == 1
    assert "already has data; use `vaudit demo --reset`" in refused.stderr
    assert "Someone's real vendor" in vaudit(db_path, "vendors", "list").output

    reset = vaudit(db_path, "demo", "--reset")
    assert reset.exit_code == 0, reset.stderr
    [backup] = list(db_path.parent.glob("vaudit.before-demo-*.sqlite"))
    assert "Someone's real vendor" not in vaudit(db_path, "vendors", "list").output
    assert "Someone's real vendor" in vaudit(backup, "vendors", "list").output
    assert vaudit(db_path, "verify").output.startswith("event log intact")
