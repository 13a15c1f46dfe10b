"""Billing reconciliation: a vendor's statement set against a simulated run, through the
command line, with the billing items' proposals and the report body; review lists as evidence."""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path

import pytest
from sqlmodel import select

from tests.audits.channel.test_channel import CARDS, FAST, ThreadedSimulator, make_plan, run_plan
from tests.audits.channel.test_cloud_dialects import TENCENT_PROFILE
from tests.helpers import start_audit, vaudit
from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapters import SimulatorAdapter, simulator_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.cloud_review import SIGN_ITEM, TEMPLATE_ITEM
from vaudit.audits.channel.models import ChannelMessage
from vaudit.audits.channel.reconcile import load_formats, read_statement
from vaudit.audits.channel.reconcile_store import sent_messages
from vaudit.audits.channel.simulator import SimProfile, Simulator
from vaudit.audits.db import Store
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

SCENARIO = Scenario(
    industry="ecommerce",
    coverage="national",
    message_kinds=frozenset({"verification", "notification", "marketing"}),
    monthly_volume=1000,
)
LONG = "billing.hidden_costs.long_message_split"
SUCCESS = "billing.trial.success_definition"


@pytest.fixture
def full_audit(shipped_service: Service) -> int:
    return start_audit(shipped_service, "对账供应商", "对账选型", SCENARIO)


async def simulated_run(store: Store, audit_id: int) -> int:
    cards = [add_card(store, "alice", n, c, mvno=m, ported=p).card for n, c, m, p in CARDS]
    plan = make_plan(cards, repetitions=2, dlr_timeout_s=1, handset_timeout_s=1)
    profile = SimProfile(seed=5, pseudo_success=0.2, delivery_rate=0.9, **FAST)
    async with Simulator(profile) as sim:
        runner, _ = await run_plan(
            store, audit_id, plan, SimulatorAdapter(simulator_profile(sim.url))
        )
    assert runner.run_id is not None
    return runner.run_id


def write_statement(
    store: Store, run_id: int, path: Path, *, long_extra: int, bill_pseudo: bool
) -> dict[str, int]:
    """A statement in the Alibaba export's columns: every accepted message billed, long ones
    `long_extra` segments above the rule, pseudo-successes billed as delivered or not."""
    with store.read() as session:
        sent = {m.token: m for m in sent_messages(session, run_id)}
        rows = session.exec(select(ChannelMessage).where(ChannelMessage.run_id == run_id)).all()
    counts = {"long": 0, "pseudo": 0}
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        out = csv.writer(stream)
        out.writerow(["发送时间", "手机号码", "短信内容", "计费条数", "发送状态", "BizId"])
        for row in rows:
            m = sent[row.token]
            if not m.accepted:
                continue
            long = m.segments > 1
            counts["long"] += long
            pseudo = m.dlr_delivered and not m.arrived
            counts["pseudo"] += pseudo
            delivered = m.dlr_delivered and (bill_pseudo or not pseudo)
            out.writerow(
                [
                    "2026-12-01 10:00:00",
                    "13800138000",
                    row.text,
                    m.segments + (long_extra if long else 0),
                    "发送成功" if delivered else "发送失败",
                    row.vendor_message_id,
                ]
            )
    return counts


@pytest.mark.parametrize("backend", ["sqlite"])  # the command line opens the SQLite file
async def test_a_statement_that_overbills_long_messages_and_pseudo_successes_proposes_fail(
    store: Store, shipped_service: Service, full_audit: int, db_path: Path, tmp_path: Path
) -> None:
    run_id = await simulated_run(store, full_audit)
    statement = tmp_path / "阿里云发送记录.csv"
    counts = write_statement(store, run_id, statement, long_extra=1, bill_pseudo=True)
    assert counts["long"] and counts["pseudo"]  # the seed shows both
    done = vaudit(db_path, "channel", "reconcile", str(run_id), str(statement), ok=True)
    assert "(aliyun)" in done.stdout
    assert f"overbilled messages {counts['long']} ({counts['long']} long" in done.stdout
    assert f"billed but never arrived {counts['pseudo']}" in done.stdout
    view = shipped_service.view(full_audit)
    long, success = view.proposals[LONG], view.proposals[SUCCESS]
    assert long.result is Result.FAIL and success.result is Result.FAIL
    assert f"{counts['long']} message(s) ({counts['long']} long) billed above" in long.reason.en
    assert f"{counts['pseudo']} never reached a test handset" in success.reason.en
    assert f"channel run {run_id}" in long.reason.en
    # The reconciliation is in the report body, beside the run it was read against.
    report = tmp_path / "report.toml"
    vaudit(db_path, "export", str(full_audit), "-o", str(report), ok=True)
    body = tomllib.loads(report.read_text(encoding="utf-8"))
    table = body["channel_test"]["reconciliation"]
    assert table["segments"]["overbilled_messages"] == counts["long"]
    assert table["success"]["not_arrived"] == counts["pseudo"]

    # A statement billing by the rule and only what arrived: both items pass.
    honest = tmp_path / "honest.csv"
    write_statement(store, run_id, honest, long_extra=0, bill_pseudo=False)
    vaudit(db_path, "channel", "reconcile", str(run_id), str(honest), "--json", ok=True)
    view = shipped_service.view(full_audit)
    assert view.proposals[LONG].result is Result.PASS
    assert view.proposals[SUCCESS].result is Result.PASS


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a,b\n1,2\n", "no known statement format fits the columns a, b"),
        ("BizId,计费条数,发送状态\nX,two,发送成功\n", "2: billed segments 'two' is not a number"),
        ("", "empty statement"),
    ],
)
def test_a_bad_statement_is_refused_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(ChannelError, match=problem):
        read_statement(text.encode(), "s.csv", load_formats())


def test_a_gbk_tencent_export_is_read_by_its_columns() -> None:
    text = "SerialNo,手机号码,计费条数,上报状态\nS1,+8613800138000,2,SUCCESS\nS2,+86138,1,FAIL\n"
    fmt, rows = read_statement(text.encode("gb18030"), "t.csv", load_formats())
    assert fmt.name == "tencent"
    assert [(r.message_id, r.segments, r.success) for r in rows] == [
        ("S1", 2, True),
        ("S2", 1, False),
    ]


@pytest.mark.parametrize("backend", ["sqlite"])  # the command line opens the SQLite file
def test_review_lists_become_timestamped_evidence_on_the_sign_and_template_items(
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shipped_service: Service,
    full_audit: int,
) -> None:
    monkeypatch.setenv("TEST_TENCENT_ID", "vaudit-sim")
    monkeypatch.setenv("TEST_TENCENT_KEY", "vaudit-sim-secret")
    path = tmp_path / "tencent.toml"
    with ThreadedSimulator(SimProfile(seed=1, **FAST)) as sim:
        path.write_text(TENCENT_PROFILE.format(url=sim.url, dlr="push"), encoding="utf-8")
        before = dt.datetime.now(dt.UTC).replace(microsecond=0)
        done = vaudit(db_path, "channel", "review", str(full_audit), "--profile", str(path))
    assert done.exit_code == 0, done.output + done.stderr
    [sign] = shipped_service.evidence_list(full_audit, SIGN_ITEM)
    [template] = shipped_service.evidence_list(full_audit, TEMPLATE_ITEM)
    assert sign.note is not None and template.note is not None
    head = "tencent DescribeSmsSignList, read "
    assert sign.note.startswith(head)
    read_at = dt.datetime.fromisoformat(sign.note[len(head) :].split(" ")[0])
    assert before <= read_at <= dt.datetime.now(dt.UTC)
    assert "【示例测试】: approved (0)" in sign.note
    assert "200001" in template.note and "200002" in template.note
    assert template.note.endswith("2 approved, 0 pending, 0 rejected")
    assert "vaudit-sim-secret" not in sign.note + template.note + done.output
    # A profile that is not a cloud vendor's is refused in one line.
    kannel = tmp_path / "kannel.toml"
    kannel.write_text('adapter = "generic"\n[submit]\nurl = "http://x"\n', encoding="utf-8")
    refused = vaudit(db_path, "channel", "review", str(full_audit), "--profile", str(kannel))
    assert refused.exit_code == 1 and refused.stderr.startswith("error: ")
