"""Every report code of every adapter, driven through the receiver of a real run: each is
answered 200 (a refused Kannel callback is retried, then dropped), stored with its raw text,
and read as the tables in report_codes.toml say; an unknown code is stored as "unknown"."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import col, select

from vaudit.audits.channel.adapters import Adapter, GenericAdapter, KannelAdapter, generic_profile
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.credentials import Credentials
from vaudit.audits.channel.httpserve import Request, Response, Server, json_response
from vaudit.audits.channel.models import ChannelMessage, DeliveryReport
from vaudit.audits.channel.plan import PlannedMessage, messages, plan_for
from vaudit.audits.channel.report_codes import kannel_type, read_state, tables
from vaudit.audits.channel.runner import ChannelRunner
from vaudit.audits.db import Store

RECEIPT = "id:77 sub:001 dlvrd:000 submit date:2612010830 done date:2612010831 stat:{} err:{} text:"
# (Kannel %d, %A text) → (outcome, final, status, error code, reason)
KANNEL_CASES: list[tuple[str | None, str | None, tuple[str, bool, str, str | None, str | None]]] = [
    ("1", RECEIPT.format("DELIVRD", "000"), ("delivered", True, "DELIVRD", "000", None)),
    ("2", RECEIPT.format("UNDELIV", "001"), ("failed", True, "UNDELIV", "001", None)),
    ("2", RECEIPT.format("EXPIRED", "027"), ("expired", True, "EXPIRED", "027", None)),
    ("2", RECEIPT.format("DELETED", "000"), ("deleted", True, "DELETED", "000", None)),
    ("2", RECEIPT.format("REJECTD", "005"), ("rejected", True, "REJECTD", "005", None)),
    ("2", RECEIPT.format("UNKNOWN", "000"), ("unknown", True, "UNKNOWN", "000", None)),
    ("2", RECEIPT.format("MK:0005", "005"), ("failed", True, "MK:0005", "005", None)),
    ("2", RECEIPT.format("NEWWORD", "099"), ("failed", True, "NEWWORD", "099", None)),
    ("4", RECEIPT.format("ACCEPTD", "000"), ("accepted", False, "ACCEPTD", "000", None)),
    ("4", RECEIPT.format("ENROUTE", "000"), ("pending", False, "ENROUTE", "000", None)),
    ("34", "", ("expired", True, "EXPIRED", None, None)),
    ("66", "", ("unknown", True, "UNKNOWN", None, None)),
    ("4", "", ("pending", False, "BUFFRED", None, None)),
    ("8", "ACK/", ("accepted", False, "ACCEPTD", None, None)),
    (
        "16",
        "NACK/0x0000000b/Invalid Destination Address",
        ("rejected", True, "REJECTD", "0x0000000b", "NACK/0x0000000b/Invalid Destination Address"),
    ),
    ("1", "", ("delivered", True, "DELIVRD", None, None)),
    ("2", "", ("failed", True, "UNDELIV", None, None)),
    ("3", "", ("failed", True, "UNDELIV", None, None)),
    ("9", "", ("delivered", True, "DELIVRD", None, None)),
    ("12", "", ("accepted", False, "ACCEPTD", None, None)),
    ("18", "", ("rejected", True, "REJECTD", None, None)),
    ("0", "", ("unknown", False, "kannel:0", None, None)),
    ("128", "", ("unknown", False, "kannel:128", None, None)),
    ("abc", "", ("unknown", False, "kannel:abc", None, None)),
    (None, None, ("unknown", False, "kannel:(none)", None, None)),
]
# Receipt states as a JSON API's word (or, with state_numbers, its number) → (outcome, final).
WORD_CASES: list[tuple[Any, tuple[str, bool]]] = [
    ("DELIVRD", ("delivered", True)),
    ("EXPIRED", ("expired", True)),
    ("DELETED", ("deleted", True)),
    ("UNDELIV", ("failed", True)),
    ("ACCEPTD", ("accepted", False)),
    ("UNKNOWN", ("unknown", True)),
    ("REJECTD", ("rejected", True)),
    ("NOROUTE", ("failed", True)),
    ("ENROUTE", ("pending", False)),
    ("MA:0001", ("failed", True)),
    ("DB:0141", ("failed", True)),
    ("SUCCESS", ("delivered", True)),
    ("delivrd", ("delivered", True)),
    ("SOMETHING-NEW", ("unknown", False)),
    (None, ("unknown", False)),
]
NUMBER_CASES = {
    "smpp": [(2, "delivered"), (3, "expired"), (5, "failed"), (6, "accepted"), (9, "unknown")],
    "sgip": [(0, "delivered"), (1, "pending"), (2, "failed"), (7, "unknown")],
}


class AcceptAll:
    """A vendor that accepts every submit: Kannel's "0: Accepted for delivery", or JSON."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.server = Server(self.handle, "127.0.0.1", 0, 64 * 1024)

    async def handle(self, request: Request) -> Response:
        if request.path.startswith("/cgi-bin/sendsms"):
            return Response(202, b"0: Accepted for delivery", "text/plain")
        return json_response(200, {"code": "OK", "message_id": f"m{next(self.ids)}"})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
async def vendor() -> AsyncIterator[AcceptAll]:
    accept = AcceptAll()
    await accept.server.start()
    yield accept
    await accept.server.close()


def generic(url: str, state_numbers: str = "") -> GenericAdapter:
    dlr = {"mode": "push", "token_path": "ref", "status_path": "stat", "error_path": "err"}
    if state_numbers:
        dlr["state_numbers"] = state_numbers
    return GenericAdapter(
        generic_profile(
            {
                "name": "json vendor",
                "submit": {
                    "url": f"{url}/send",
                    "body": {"to": "{to}", "text": "{text}", "ref": "{token}"},
                    "response": {
                        "accepted_path": "code",
                        "accepted_values": ["OK"],
                        "message_id_path": "message_id",
                    },
                },
                "dlr": dlr,
                "utc_offset": "+00:00",
            },
            "json.toml",
        )
    )


async def run_with_reports(
    store: Store,
    audit_id: int,
    adapter: Adapter,
    count: int,
    post: Any,
) -> tuple[dict[str, list[DeliveryReport]], list[PlannedMessage]]:
    """A run of `count` messages; once all are sent, `post(client, dlr_url, planned)` sends the
    reports; every answer must be 200. The reports stored, by token."""
    card = add_card(store, "alice", "13800138000", "mobile").card
    plan = plan_for(
        [card],
        kinds=["verification"],
        repetitions=count,
        rate_per_second=1000,
        dlr_timeout_s=1.0,
        handset_timeout_s=0.05,
        seed=3,
    )
    planned = messages(plan)
    runner = ChannelRunner(
        store, audit_id=audit_id, actor="alice", plan=plan, planned=planned, adapter=adapter
    )
    task = asyncio.create_task(runner.run())
    while runner.dlr_url is None or runner.progress.sent < count:
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient() as client:
        statuses = await post(client, runner.dlr_url, planned)
    progress = await task
    assert set(statuses) == {200} and progress.bad_posts == 0
    with store.read() as session:
        found = session.exec(
            select(DeliveryReport, ChannelMessage.token)
            .join(ChannelMessage, col(ChannelMessage.id) == DeliveryReport.message_id)
            .order_by(col(DeliveryReport.id))
        ).all()
    by_token: dict[str, list[DeliveryReport]] = {}
    for report, token in found:
        by_token.setdefault(token, []).append(report)
    return by_token, planned


async def test_every_kannel_report_type_is_stored_verbatim(
    store: Store, audit_id: int, vendor: AcceptAll, credentials: Credentials
) -> None:
    adapter = KannelAdapter(
        "kannel", f"{vendor.url}/cgi-bin/sendsms", "10690123", credentials, smsc="smpp"
    )

    async def post(client: httpx.AsyncClient, url: str, planned: list[PlannedMessage]) -> Any:
        answers = []
        for message, (code, text, _) in zip(planned, KANNEL_CASES, strict=True):
            query: dict[str, str] = {"token": message.token, "at": "1796113860"}
            if code is not None:
                query["type"] = code
            if text is not None:
                query["text"] = text
            answers.append((await client.get(f"{url}?{urlencode(query)}")).status_code)
        return answers

    stored, planned = await run_with_reports(store, audit_id, adapter, len(KANNEL_CASES), post)
    for message, (code, text, expected) in zip(planned, KANNEL_CASES, strict=True):
        [report] = stored[message.token]
        got = (report.outcome, report.final, report.status, report.error_code, report.reason)
        assert got == expected, (code, text)
        assert report.delivered == (expected[0] == "delivered")
        assert report.code == code and report.raw is not None
        assert (text or "") in report.raw  # the whole report text, as Kannel sent it
        assert report.latency_s is not None and report.latency_clock == "vaudit"


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Credentials:
    monkeypatch.setenv("K_USER", "u")
    monkeypatch.setenv("K_PASS", "p")
    return Credentials({"username": "K_USER", "password": "K_PASS"})


async def test_every_receipt_state_word_is_read_by_the_table(
    store: Store, audit_id: int, vendor: AcceptAll
) -> None:
    async def post(client: httpx.AsyncClient, url: str, planned: list[PlannedMessage]) -> Any:
        answers = []
        for message, (word, _) in zip(planned, WORD_CASES, strict=True):
            body: dict[str, Any] = {"ref": message.token, "err": "E1", "reported_at": None}
            if word is not None:
                body["stat"] = word
            answers.append((await client.post(url, json=body)).status_code)
        return answers

    stored, planned = await run_with_reports(
        store, audit_id, generic(vendor.url), len(WORD_CASES), post
    )
    for message, (word, (outcome, final)) in zip(planned, WORD_CASES, strict=True):
        [report] = stored[message.token]
        assert (report.outcome, report.final) == (outcome, final), word
        assert report.error_code == "E1" and report.raw is not None and "E1" in report.raw
        assert report.status == (word if word is not None else "(none)")


@pytest.mark.parametrize("table", ["smpp", "sgip"])
async def test_numeric_states_are_read_by_their_table(
    store: Store, audit_id: int, vendor: AcceptAll, table: str
) -> None:
    cases = NUMBER_CASES[table]

    async def post(client: httpx.AsyncClient, url: str, planned: list[PlannedMessage]) -> Any:
        return [
            (await client.post(url, json={"ref": m.token, "stat": n})).status_code
            for m, (n, _) in zip(planned, cases, strict=True)
        ]

    stored, planned = await run_with_reports(
        store, audit_id, generic(vendor.url, table), len(cases), post
    )
    assert [stored[m.token][0].outcome for m in planned] == [outcome for _, outcome in cases]


def test_the_tables_cover_every_documented_value() -> None:
    t = tables()
    for word in ("DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"):
        assert word in t.states
    assert set(t.smpp_message_state) == set(range(1, 9))
    bits = {b.bit for b in t.kannel_bits}
    assert bits == {1, 2, 4, 8, 16, 32, 64}
    # Every combination of documented bits has a known reading; one failure bit makes it final.
    for mask in range(1, 128):
        reading = kannel_type(str(mask))
        assert reading.known, mask
        assert reading.final == bool(mask & (1 | 2 | 16 | 32 | 64)), mask
    assert read_state("  delivrd ").delivered
