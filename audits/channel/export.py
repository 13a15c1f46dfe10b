"""A run as plain data: its summary and every message with its reports and receipts."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.metrics import summary_in
from vaudit.audits.channel.models import ChannelMessage, ChannelRun, DeliveryReport, HandsetReceipt
from vaudit.audits.db import Store
from vaudit.audits.rows import row_id


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def export_run(store: Store, run_id: int) -> dict[str, Any]:
    with store.read() as session:
        run = session.get(ChannelRun, run_id)
        if run is None:
            raise ChannelError(f"no channel run {run_id} (see `vaudit channel show`)")
        summary = summary_in(session, run)
        messages = session.exec(
            select(ChannelMessage)
            .where(ChannelMessage.run_id == run_id)
            .order_by(col(ChannelMessage.id))
        ).all()
        ids = [row_id(m) for m in messages]
        reports = session.exec(
            select(DeliveryReport)
            .where(col(DeliveryReport.message_id).in_(ids))
            .order_by(col(DeliveryReport.id))
        ).all()
        receipts = session.exec(
            select(HandsetReceipt)
            .where(col(HandsetReceipt.message_id).in_(ids))
            .order_by(col(HandsetReceipt.id))
        ).all()
    by_message: dict[int, dict[str, list[Any]]] = {i: {"dlr": [], "rcpt": []} for i in ids}
    for report in reports:
        by_message[report.message_id]["dlr"].append(
            {
                "status": report.status,
                "final": report.final,
                "delivered": report.delivered,
                "reported_at": _iso(report.reported_at),
                "received_at": _iso(report.received_at),
                "source": report.source,
                "outcome": report.outcome,
                "code": report.code,
                "error_code": report.error_code,
                "reason": report.reason,
                "raw": report.raw,
                "latency_s": report.latency_s,
                "latency_clock": report.latency_clock,
            }
        )
    for receipt in receipts:
        by_message[receipt.message_id]["rcpt"].append(
            {
                "received_at": _iso(receipt.received_at),
                "sender": receipt.sender,
                "text": receipt.text,
                "source": receipt.source,
                "recorded_by": receipt.recorded_by,
                "latency_s": receipt.latency_s,
                "latency_clock": receipt.latency_clock,
            }
        )
    return {
        "summary": summary,
        "messages": [
            {
                "token": m.token,
                "card_id": m.card_id,
                "kind": m.kind,
                "text": m.text,
                "characters": m.characters,
                "segments": m.segments,
                "encoding": m.encoding,
                "attempts": m.attempts,
                "submitted_at": _iso(m.submitted_at),
                "last_submitted_at": _iso(m.last_submitted_at),
                "http_status": m.http_status,
                "accepted": m.accepted,
                "vendor_message_id": m.vendor_message_id,
                "error": m.error,
                "delivery_reports": by_message[row_id(m)]["dlr"],
                "handset_receipts": by_message[row_id(m)]["rcpt"],
            }
            for m in messages
        ],
    }
