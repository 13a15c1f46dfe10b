"""Signs of fake delivery reports and checks on what arrived, from reports and receipts posted
to a real run's receiver, counted per carrier and fed to the pseudo-success and content items."""

from __future__ import annotations

import asyncio

import httpx

from tests.audits.channel.test_reports import AcceptAll, generic, vendor
from vaudit.audits.channel.cards import add_card
from vaudit.audits.channel.metrics import summary_of_run
from vaudit.audits.channel.plan import PlannedMessage, messages, plan_for
from vaudit.audits.channel.runner import ChannelRunner
from vaudit.audits.channel.signs import has_opt_out, settings
from vaudit.audits.db import Store
from vaudit.audits.scenario import Scenario
from vaudit.audits.service import Service

__all__ = ["vendor"]  # the fixture, used by name
PSEUDO = "channel_testing.delivery.pseudo_success"
CONTENT = "channel_testing.content.compatibility"


def test_the_settings_are_data() -> None:
    assert settings().fast_delivered_s == 1.0
    assert has_opt_out("会员日满减，回 T 退订") and not has_opt_out("会员日满减")


async def test_fast_partial_and_stripped_reports_feed_the_items(
    shipped_service: Service, store: Store, vendor: AcceptAll
) -> None:
    shipped_service.add_vendor({"name": "Signs Vendor"})
    shipped_service.add_selection(
        "Signs",
        Scenario(
            industry="ecommerce",
            coverage="national",
            message_kinds=frozenset({"verification", "marketing"}),
            monthly_volume=1,
        ),
    )
    audit = shipped_service.start_audit("Signs Vendor", "Signs")
    assert audit.id is not None
    cards = [
        add_card(store, "alice", "13800138000", "mobile").card,
        add_card(store, "alice", "19212345678", "broadnet").card,
    ]
    plan = plan_for(
        cards,
        kinds=["marketing", "long"],
        rate_per_second=1000,
        dlr_timeout_s=1.5,
        handset_timeout_s=1.5,
        seed=8,
    )
    planned = messages(plan)
    runner = ChannelRunner(
        store,
        audit_id=audit.id,
        actor="alice",
        plan=plan,
        planned=planned,
        adapter=generic(vendor.url),
    )
    task = asyncio.create_task(runner.run())
    while runner.dlr_url is None or runner.progress.sent < len(planned):
        await asyncio.sleep(0.01)
    by = {(m.kind, m.card.carrier): m for m in planned}
    mobile_ad, broadnet_ad = by["marketing", "mobile"], by["marketing", "broadnet"]
    long_whole, long_partial = by["long", "mobile"], by["long", "broadnet"]
    assert long_whole.length.segments == long_partial.length.segments == 2
    async with httpx.AsyncClient() as client:

        async def report(m: PlannedMessage, part: int) -> None:
            body = {"ref": m.token, "stat": "DELIVRD", "part": part}
            assert (await client.post(runner.dlr_url or "", json=body)).status_code == 200

        async def receipt(m: PlannedMessage, text: str) -> None:
            body = {"from": "1069000188", "text": text}
            assert (await client.post(runner.receipt_url or "", json=body)).status_code == 200

        for m in (mobile_ad, broadnet_ad, long_whole, long_partial):
            await report(m, 1)  # at once: implausibly fast for a real handset
        await report(long_whole, 2)  # every part of one long message; one part of the other
        # Mobile's ad arrives without its 【signature】, Broadnet's without the opt-out.
        await receipt(mobile_ad, mobile_ad.text.replace(f"【{plan.signature}】", ""))
        await receipt(broadnet_ad, broadnet_ad.text.replace("拒收请回复R", ""))
        await receipt(long_whole, long_whole.text)
    await task

    summary = summary_of_run(store, runner.start_run())
    fake = summary["overall"]["fake_reports"]
    assert fake == {
        "fast_delivered": 4,
        "fast_delivered_s": 1.0,
        "delivered_never_arrived": 1,  # the partly reported long message
        "partial_parts": 1,
    }
    content = {c: summary["by_carrier"][c]["content"] for c in ("mobile", "broadnet")}
    assert content["mobile"] == {
        "marketing_arrived": 1,
        "no_signature": 1,
        "no_opt_out": 0,
        "changed": 1,
    }
    assert content["broadnet"] == {
        "marketing_arrived": 1,
        "no_signature": 0,
        "no_opt_out": 1,
        "changed": 1,
    }
    proposals = shipped_service.view(audit.id).proposals
    pseudo = proposals[PSEUDO]
    assert "also 4 reported delivered within 1 s of submission" in pseudo.reason.en
    assert "1 long message(s) had final reports for only some parts" in pseudo.reason.en
    assert pseudo.result.value in ("partial", "fail")
    content_item = proposals[CONTENT]
    assert content_item.result.value == "fail"
    assert "China Mobile: of 1 marketing messages 1 arrived without the signature" in (
        content_item.reason.en
    )
    assert "China Broadnet: of 1 marketing messages 0 arrived without the signature, 1 " in (
        content_item.reason.en
    )
