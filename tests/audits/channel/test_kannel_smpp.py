"""Through a real Kannel with an SMPP link that rejects, fails, delays, expires and throttles:
every message's outcome and latency in vaudit matches what the SMSC did.

bearerbox and smsbox run on loopback (as in test_kannel); Kannel binds over SMPP to the test
SMSC in tests/support/smpp_smsc.py, which decides each message's fate by its destination and
writes down when it sent each receipt. vaudit's latency (its own monotonic clock, from the first
submission to the report reaching its receiver) must match the SMSC's receipt time less the
submission time within 50 ms."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from tests.audits.channel.test_kannel import (
    INSTALL_HINT,
    PASSWORD,
    SENDER,
    USERNAME,
    Kannel,
    free_port,
    stop,
    wait_until,
)
from tests.support.smpp_smsc import Fate, SmppSmsc
from vaudit.audits.channel.adapters import KannelAdapter
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.credentials import Credentials
from vaudit.audits.channel.metrics import summary_of_run
from vaudit.audits.channel.models import ChannelMessage, DeliveryReport, TestCard
from vaudit.audits.channel.plan import messages, plan_for
from vaudit.audits.channel.runner import ChannelRunner
from vaudit.audits.db import Store

# What the issue asks. Most reports reach vaudit 1–2 ms after the SMSC sends them; now and then
# the first report of a run comes ~40 ms late (measured on vaudit's socket: inside Kannel).
LATENCY_TOLERANCE_S = 0.05
ESME_RINVDSTADR = 0x0B  # SMPP v3.4 §5.1.3: invalid destination address
# Each destination's fate at the SMSC, and the outcome vaudit must record for it.
SCRIPT: dict[str, tuple[Fate, str, str]] = {
    "13800138001": (Fate("DELIVRD", delay_s=0.3), "delivered", "DELIVRD"),
    "13800138002": (Fate(refuse=ESME_RINVDSTADR), "rejected", "REJECTD"),
    "13800138003": (Fate("UNDELIV", err="001", delay_s=0.5), "failed", "UNDELIV"),
    "13800138004": (Fate("DELIVRD", delay_s=2.5), "delivered", "DELIVRD"),
    "13800138005": (Fate("EXPIRED", err="027", delay_s=1.2), "expired", "EXPIRED"),
    "13800138006": (Fate("DELIVRD", delay_s=0.2, throttle=2), "delivered", "DELIVRD"),
    "13800138007": (Fate("DELETED", delay_s=0.4), "deleted", "DELETED"),
    "13800138008": (Fate("REJECTD", err="005", delay_s=0.6), "rejected", "REJECTD"),
    "13800138009": (Fate("UNKNOWN", delay_s=0.7), "unknown", "UNKNOWN"),
}


@dataclass(frozen=True)
class SmppKannel:
    kannel: Kannel
    smsc: SmppSmsc


def smpp_conf(folder: Path, ports: dict[str, int], smsc_port: int) -> str:
    return f"""\
group = core
admin-port = {ports["admin"]}
admin-password = admin-pass
admin-interface = 127.0.0.1
smsbox-port = {ports["smsbox"]}
smsbox-interface = 127.0.0.1
log-file = "{folder}/bearerbox.log"
log-level = 1
access-log = "{folder}/access.log"
dlr-storage = internal
sms-resend-freq = 1

group = smsc
smsc = smpp
smsc-id = smpp
host = 127.0.0.1
port = {smsc_port}
transceiver-mode = true
smsc-username = vaudit
smsc-password = smpppass
system-type = ""
interface-version = 34
reconnect-delay = 1
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {ports["smsbox"]}
sendsms-interface = 127.0.0.1
sendsms-port = {ports["sendsms"]}
log-file = "{folder}/smsbox.log"
log-level = 1

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
text = "no service"
"""


@pytest.fixture(scope="module")
def smpp_kannel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmppKannel]:
    bearerbox, smsbox = shutil.which("bearerbox"), shutil.which("smsbox")
    if bearerbox is None or smsbox is None:
        pytest.skip(INSTALL_HINT)
    smsc = SmppSmsc({}).start()
    folder = tmp_path_factory.mktemp("kannel-smpp")
    ports = {name: free_port() for name in ("admin", "smsbox", "sendsms")}
    conf = folder / "kannel.conf"
    conf.write_text(smpp_conf(folder, ports, smsc.port), encoding="utf-8")
    kannel = Kannel(
        f"http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms",
        f"http://127.0.0.1:{ports['admin']}",
        folder,
    )
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, *argv: str) -> None:
        with (folder / f"{name}.out").open("wb") as out:
            started.append(subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=folder))

    deadline = time.monotonic() + 15.0
    status = f"{kannel.admin_url}/status.txt?password=admin-pass"
    try:
        start("bearerbox", bearerbox, str(conf))
        wait_until(lambda: smsc.binds > 0, "SMPP bind", deadline, kannel, started)

        def online() -> bool:
            return "online" in httpx.get(status).text

        wait_until(online, "SMPP link online", deadline, kannel, started)
        start("smsbox", smsbox, str(conf))
        wait_until(
            lambda: httpx.get(kannel.sendsms_url).status_code == 403,
            "smsbox sendsms port",
            deadline,
            kannel,
            started,
        )
        yield SmppKannel(kannel, smsc)
    finally:
        for process in reversed(started):
            stop(process)
        smsc.stop()


async def test_every_outcome_and_latency_matches_what_the_smsc_did(
    smpp_kannel: SmppKannel,
    store: Store,
    audit_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KANNEL_TEST_USER", USERNAME)
    monkeypatch.setenv("KANNEL_TEST_PASS", PASSWORD)
    smpp_kannel.smsc.script({number: fate for number, (fate, _, _) in SCRIPT.items()})
    cards = [add_card(store, "alice", number, "mobile").card for number in SCRIPT]
    plan = plan_for(
        cards,
        kinds=["verification"],
        rate_per_second=20,
        dlr_timeout_s=15,
        handset_timeout_s=0.05,  # no phone here: only the reports are awaited
        seed=16,
    )
    adapter = KannelAdapter(
        "kannel 1.4.5 smpp",
        smpp_kannel.kannel.sendsms_url,
        SENDER,
        Credentials({"username": "KANNEL_TEST_USER", "password": "KANNEL_TEST_PASS"}),
        smsc="smpp",
    )
    runner = ChannelRunner(
        store, audit_id=audit_id, actor="alice", plan=plan, planned=messages(plan), adapter=adapter
    )
    progress = await runner.run()
    assert progress.phase == "finished" and progress.accepted == len(SCRIPT)
    assert progress.bad_posts == 0, smpp_kannel.kannel.logs()  # no report refused

    with store.read() as session:
        rows = session.exec(
            select(ChannelMessage, TestCard).join(
                TestCard, col(TestCard.id) == ChannelMessage.card_id
            )
        ).all()
        reports = list(session.exec(select(DeliveryReport).order_by(col(DeliveryReport.id))))
    table = []
    for message, card in rows:
        fate, outcome, status = SCRIPT[card.number]
        record = smpp_kannel.smsc.records[card.number]
        finals = [r for r in reports if r.message_id == message.id and r.final]
        assert len(finals) == 1, (card.number, finals, smpp_kannel.kannel.logs())
        final = finals[0]
        assert (final.outcome, final.status) == (outcome, status), (card.number, final)
        assert final.raw and final.latency_clock == "vaudit"
        assert message.submitted_at is not None and final.latency_s is not None
        if fate.refuse is not None:
            # Refused at submit: Kannel's own report, with the SMSC's reason kept verbatim.
            assert final.reason == "NACK/0x0000000b/Invalid Destination Address", final
            assert final.error_code == "0x0000000b"
            assert record.reported_at is None
            table.append((card.number, "refused 0x0b", final.code, outcome, None, final.latency_s))
            continue
        assert f"stat:{fate.stat}" in final.raw and final.error_code == fate.err, final
        assert record.reported_at is not None and record.throttled == fate.throttle
        smsc_latency = record.reported_at - message.submitted_at.timestamp()
        table.append((card.number, fate.stat, final.code, outcome, smsc_latency, final.latency_s))
        assert abs(final.latency_s - smsc_latency) <= LATENCY_TOLERANCE_S, (
            card.number,
            final.latency_s,
            smsc_latency,
        )
    print("\nnumber       SMSC did      Kannel %d  vaudit outcome  SMSC latency  vaudit latency")
    for number, did, code, outcome, smsc_s, vaudit_s in sorted(table):
        smsc_text = "—" if smsc_s is None else f"{smsc_s:.3f}"
        print(
            f"{number}  {did:<12}  {code or '':>9}  {outcome:<14}  {smsc_text:>12}  "
            f"{vaudit_s:>14.3f}"
        )

    summary = summary_of_run(store, runner.start_run())
    overall = summary["overall"]
    assert overall["dlr_without_final"] == 0
    assert overall["dlr_delivered"] == 3
    assert overall["dlr_outcomes"] == {
        "delivered": 3,
        "rejected": 2,
        "failed": 1,
        "expired": 1,
        "deleted": 1,
        "unknown": 1,
    }


async def test_kannel_forwards_one_report_per_long_message_so_no_part_is_flagged(
    smpp_kannel: SmppKannel,
    store: Store,
    audit_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KANNEL_TEST_USER", USERNAME)
    monkeypatch.setenv("KANNEL_TEST_PASS", PASSWORD)
    # Kannel 1.4.5 keeps a report entry for a long message's first part only: the SMSC's
    # receipt for the second part is logged "FAILED Receive DLR" and never reaches vaudit. A
    # gateway that does not report per part gives no sign of a partly reported message, and
    # vaudit must not call every long message with one report "partly reported".
    whole, partial = "13800138011", "13800138012"
    smpp_kannel.smsc.script(
        {
            whole: Fate("DELIVRD", delay_s=0.2),
            partial: Fate("DELIVRD", delay_s=0.2, parts_reported=1),
        }
    )
    cards = [add_card(store, "alice", number, "mobile").card for number in (whole, partial)]
    plan = plan_for(
        cards, kinds=["long"], rate_per_second=20, dlr_timeout_s=3, handset_timeout_s=0.05, seed=4
    )
    adapter = KannelAdapter(
        "kannel 1.4.5 smpp",
        smpp_kannel.kannel.sendsms_url,
        SENDER,
        Credentials({"username": "KANNEL_TEST_USER", "password": "KANNEL_TEST_PASS"}),
        smsc="smpp",
    )
    runner = ChannelRunner(
        store, audit_id=audit_id, actor="alice", plan=plan, planned=messages(plan), adapter=adapter
    )
    await runner.run()
    records = smpp_kannel.smsc.records
    assert (records[whole].parts, records[whole].receipts) == (2, 2)
    assert (records[partial].parts, records[partial].receipts) == (2, 1)
    with store.read() as session:
        finals = session.exec(select(DeliveryReport).where(col(DeliveryReport.final))).all()
    first_parts = {records[whole].part_ids[0], records[partial].part_ids[0]}
    assert len(finals) == 2 and all(r.outcome == "delivered" for r in finals)
    assert {str(r.raw).split("id:")[1].split()[0] for r in finals} == first_parts
    summary = summary_of_run(store, runner.start_run())
    assert summary["overall"]["fake_reports"]["partial_parts"] == 0
