"""Reconciliations kept: a run's messages read for reconcile, the result stored (one row per
statement read, committed at once) and the audit's latest one handed to the billing rules."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.models import ChannelMessage, ChannelRun, DeliveryReport, HandsetReceipt
from vaudit.audits.channel.reconcile import (
    SentMessage,
    load_formats,
    read_statement,
    reconcile,
)
from vaudit.audits.channel.reconcile_models import ChannelReconciliation
from vaudit.audits.db import Store
from vaudit.audits.rows import row_id


def sent_messages(session: Session, run_id: int) -> list[SentMessage]:
    messages = list(
        session.exec(
            select(ChannelMessage)
            .where(ChannelMessage.run_id == run_id)
            .order_by(col(ChannelMessage.id))
        ).all()
    )
    ids = [row_id(m) for m in messages]
    first_final: dict[int, bool] = {}
    for report in session.exec(
        select(DeliveryReport)
        .where(col(DeliveryReport.message_id).in_(ids), col(DeliveryReport.final))
        .order_by(col(DeliveryReport.id))
    ).all():
        first_final.setdefault(report.message_id, report.delivered)
    arrived = set(
        session.exec(
            select(HandsetReceipt.message_id).where(col(HandsetReceipt.message_id).in_(ids))
        ).all()
    )
    return [
        SentMessage(
            token=m.token,
            kind=m.kind,
            vendor_id=m.vendor_message_id,
            characters=m.characters,
            segments=m.segments,
            submitted=m.submitted_at is not None,
            accepted=bool(m.accepted),
            dlr_delivered=first_final.get(row_id(m), False),
            dlr_final=row_id(m) in first_final,
            arrived=row_id(m) in arrived,
        )
        for m in messages
    ]


def reconcile_run(
    store: Store,
    run_id: int,
    statement: Path,
    actor: str,
    format_name: str | None = None,
    mapping: Path | None = None,
) -> tuple[int, dict[str, Any]]:
    """Read the statement, set it against the run, store the result: (its id, the result)."""
    formats = load_formats(mapping)
    try:
        content = statement.read_bytes()
    except FileNotFoundError:
        raise ChannelError(f"no statement file {statement}") from None
    except OSError as exc:
        raise ChannelError(f"cannot read {statement}: {exc.strerror}") from None
    fmt, rows = read_statement(content, statement.name, formats, format_name)
    with store.write() as session:
        run = session.get(ChannelRun, run_id)
        if run is None:
            raise ChannelError(f"no channel run {run_id} (see `vaudit channel show`)")
        result = {
            "run": run_id,
            "statement": statement.name,
            "format": fmt.name,
            **reconcile(sent_messages(session, run_id), rows),
        }
        row = ChannelReconciliation(
            run_id=run_id,
            audit_id=run.audit_id,
            statement_name=statement.name[:300],
            statement_sha256=hashlib.sha256(content).hexdigest(),
            statement_format=fmt.name,
            result=json.dumps(result, ensure_ascii=False, sort_keys=True),
            created_by=actor,
        )
        session.add(row)
        session.flush()
        return row_id(row), result


def latest_reconciliation(session: Session, audit_id: int) -> dict[str, Any] | None:
    """The audit's newest reconciliation (what the billing rules read), or None."""
    row = session.exec(
        select(ChannelReconciliation)
        .where(ChannelReconciliation.audit_id == audit_id)
        .order_by(col(ChannelReconciliation.id).desc())
    ).first()
    if row is None:
        return None
    result: dict[str, Any] = json.loads(row.result)
    result["reconciled_at"] = row.created_at.isoformat()
    return result
