"""What a run measured, per run and split by carrier, message kind and time slot.

Definitions (docs/channel-testing.md has them in words):
- sent: messages submitted (whatever the answer); accepted: the vendor said yes.
- arrival rate = messages whose handset receipt came within the handset timeout / sent.
- DLR-delivered rate = accepted messages whose first final report says delivered / accepted.
- pseudo-success rate = DLR-delivered messages with no handset receipt in time / DLR-delivered.
- DLR without final status = accepted messages with no final report / accepted.
- latency: first submission → first final report, first submission → first handset receipt,
  in seconds (p50/p90/p95/p99, linear interpolation between ranks), as the runner measured it
  on vaudit's monotonic clock (the gateway's or handset's own time only where it was finer);
  rows stored before that measurement existed fall back on the timestamps.
- sender mismatch: receipts whose displayed sender does not start with the claimed 106 code.
- text modified: forwarded receipts whose text differs from what was sent.
- billed segments: the sum of counted segments over accepted messages.
- failover (runs during a declared fault): outage start = first sent message that did not
  arrive; recovered = the first later message that did; the time between them; messages lost
  in between; and the longest stretch without any handset arrival.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vaudit.audits.channel import ChannelError, signs
from vaudit.audits.channel.models import ChannelMessage, ChannelRun, DeliveryReport, HandsetReceipt
from vaudit.audits.db import Store
from vaudit.audits.rows import row_id

PERCENTILES = (50, 90, 95, 99)
DIGITS = 6  # rates and seconds are rounded so summaries compare and serialise stably


@dataclass
class Outcome:
    """One message, with what came back for it."""

    token: str
    carrier: str
    kind: str
    time_slot: str
    text: str
    segments: int
    submitted_at: dt.datetime | None
    accepted: bool
    error: str | None
    dlr_final_at: dt.datetime | None = None
    dlr_delivered: bool = False
    receipt_at: dt.datetime | None = None
    receipt_sender: str | None = None
    receipt_text: str | None = None
    arrived: bool = False
    waited_out: bool = True  # the handset timeout ran out before the run ended
    card_id: int | None = None  # the test card it went to (the TUI's receipt grid)
    receipt_source: str | None = None  # forwarded | manual
    dlr_latency_s: float | None = None  # first submission → first final report
    receipt_latency_s: float | None = None  # first submission → first handset receipt
    dlr_outcome: str | None = None  # the first final report's outcome (report_codes)
    final_reports: int = 0  # final reports stored (gateways that report per part send several)
    # Signs of fake reports and checks on what arrived, set by signs.mark.
    fast_delivered: bool = False
    partial_parts: bool = False
    no_signature: bool = False
    no_opt_out: bool = False
    marketing_changed: bool = False

    def dlr_latency(self) -> float | None:
        """As measured (vaudit's clock), else from the timestamps (rows from before that)."""
        if self.dlr_latency_s is not None:
            return self.dlr_latency_s
        return _seconds(self.dlr_final_at, self.submitted_at)

    def receipt_latency(self) -> float | None:
        if self.receipt_latency_s is not None:
            return self.receipt_latency_s
        return _seconds(self.receipt_at, self.submitted_at)


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, DIGITS)


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, DIGITS)


def _latencies(values: list[float]) -> dict[str, Any]:
    stats: dict[str, Any] = {f"p{p}": _round(percentile(values, p)) for p in PERCENTILES}
    stats["n"] = len(values)
    return stats


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def stats(outcomes: Iterable[Outcome], claimed_sender: str | None = None) -> dict[str, Any]:
    rows = list(outcomes)
    sent = [o for o in rows if o.submitted_at is not None]
    accepted = [o for o in sent if o.accepted]
    delivered = [o for o in accepted if o.dlr_delivered]
    arrived = [o for o in sent if o.arrived]
    # A cancelled run stopped waiting early: only messages whose wait ran out can be pseudo.
    pseudo = [o for o in delivered if not o.arrived and o.waited_out]
    no_final = [o for o in accepted if o.dlr_final_at is None]
    receipts = [o for o in rows if o.receipt_at is not None]
    mismatch = [
        o
        for o in receipts
        if claimed_sender and o.receipt_sender and not o.receipt_sender.startswith(claimed_sender)
    ]
    modified = [
        o for o in receipts if o.receipt_text is not None and o.receipt_text.strip() != o.text
    ]
    dlr_lat = [s for o in accepted if (s := o.dlr_latency()) is not None]
    hand_lat = [s for o in arrived if (s := o.receipt_latency()) is not None]
    return {
        "planned": len(rows),
        "sent": len(sent),
        "accepted": len(accepted),
        "errors": sum(1 for o in sent if o.error and not o.accepted),
        "acceptance_rate": _rate(len(accepted), len(sent)),
        "dlr_delivered": len(delivered),
        "dlr_delivered_rate": _rate(len(delivered), len(accepted)),
        "arrived": len(arrived),
        "arrival_rate": _rate(len(arrived), len(sent)),
        "pseudo_success": len(pseudo),
        "pseudo_success_rate": _rate(len(pseudo), len(delivered)),
        "dlr_without_final": len(no_final),
        "dlr_outcomes": dict(collections.Counter(o.dlr_outcome for o in accepted if o.dlr_outcome)),
        "dlr_without_final_rate": _rate(len(no_final), len(accepted)),
        "latency_dlr_s": _latencies(dlr_lat),
        "latency_handset_s": _latencies(hand_lat),
        "receipts": len(receipts),
        "sender_mismatch": len(mismatch),
        "text_modified": len(modified),
        "segments_billed": sum(o.segments for o in accepted),
        **signs.counts(rows),
    }


def failover(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    # The sent messages with their submit times, in sending order.
    sent = sorted(
        ((o.submitted_at, o) for o in outcomes if o.submitted_at is not None),
        key=lambda pair: pair[0],
    )
    first_miss = next((n for n, (_, o) in enumerate(sent) if not o.arrived), None)
    start = sent[first_miss][0] if first_miss is not None else None
    back: dt.datetime | None = None  # when the first message that arrived again was sent
    if first_miss is not None:
        back = next((at for at, o in sent[first_miss + 1 :] if o.arrived), None)
    lost = 0
    if first_miss is not None:
        lost = sum(
            1 for at, o in sent[first_miss:] if not o.arrived and (back is None or at < back)
        )
    arrivals = sorted(o.receipt_at for _, o in sent if o.arrived and o.receipt_at is not None)
    marks = ([sent[0][0]] if sent else []) + arrivals
    gaps = [_seconds(b, a) or 0.0 for a, b in itertools.pairwise(marks)]
    return {
        "outage_started_at": start.isoformat() if start else None,
        "recovered_at": back.isoformat() if back else None,
        "time_to_recover_s": _round(_seconds(back, start) if back else None),
        "recovered": back is not None or first_miss is None,
        "messages_lost": lost,
        "longest_gap_s": _round(max(gaps)) if gaps else None,
    }


def _sorted(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _sorted(data[k]) for k in sorted(data)}
    if isinstance(data, list):
        return [_sorted(v) for v in data]
    return data


def load_outcomes(session: Session, run: ChannelRun) -> list[Outcome]:
    plan = json.loads(run.plan)
    carriers = {c["id"]: c["carrier"] for c in plan["cards"]}
    handset_timeout = float(plan["handset_timeout_s"])
    messages = session.exec(
        select(ChannelMessage)
        .where(ChannelMessage.run_id == run.id)
        .order_by(col(ChannelMessage.id))
    ).all()
    ended = run.finished_at or run.cancelled_at
    by_id: dict[int, Outcome] = {}
    for m in messages:
        by_id[row_id(m)] = Outcome(
            token=m.token,
            carrier=carriers.get(m.card_id, "unknown"),
            kind=m.kind,
            time_slot=run.time_slot,
            text=m.text,
            segments=m.segments,
            submitted_at=m.submitted_at,
            accepted=bool(m.accepted),
            error=m.error,
            card_id=m.card_id,
            waited_out=ended is not None
            and m.submitted_at is not None
            and (ended - m.submitted_at).total_seconds() >= handset_timeout,
        )
    reports = session.exec(
        select(DeliveryReport)
        .join(ChannelMessage, col(ChannelMessage.id) == DeliveryReport.message_id)
        .where(ChannelMessage.run_id == run.id)
        .order_by(col(DeliveryReport.id))
    ).all()
    for report in reports:
        o = by_id[report.message_id]
        o.final_reports += report.final
        if report.final and o.dlr_final_at is None:
            at = report.reported_at
            if at is None or (o.submitted_at is not None and at < o.submitted_at):
                at = report.received_at  # the vendor's clock is behind ours: use when we got it
            o.dlr_final_at, o.dlr_delivered = at, report.delivered
            o.dlr_outcome = report.outcome or ("delivered" if report.delivered else "failed")
            o.dlr_latency_s = (
                report.latency_s
                if report.latency_s is not None
                else _seconds(o.dlr_final_at, o.submitted_at)
            )
    receipts = session.exec(
        select(HandsetReceipt)
        .join(ChannelMessage, col(ChannelMessage.id) == HandsetReceipt.message_id)
        .where(ChannelMessage.run_id == run.id)
        .order_by(col(HandsetReceipt.received_at), col(HandsetReceipt.id))
    ).all()
    for receipt in receipts:
        o = by_id[receipt.message_id]
        if o.receipt_at is not None:
            continue
        o.receipt_at, o.receipt_sender = receipt.received_at, receipt.sender
        o.receipt_text, o.receipt_source = receipt.text, receipt.source
        waited = (
            receipt.latency_s
            if receipt.latency_s is not None
            else _seconds(receipt.received_at, o.submitted_at)
        )
        o.receipt_latency_s = waited
        o.arrived = (
            o.submitted_at is not None and waited is not None and (waited <= handset_timeout)
        )
    outcomes = list(by_id.values())
    signs.mark(outcomes, plan.get("signature"))
    return outcomes


def _split(outcomes: list[Outcome], key: str, claimed: str | None) -> dict[str, Any]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[getattr(o, key)].append(o)
    return {name: stats(rows, claimed) for name, rows in groups.items()}


def status_of(run: ChannelRun) -> str:
    if run.cancelled_at is not None:
        return "cancelled"
    if run.finished_at is not None:
        return "failed" if run.failure else "finished"
    return "running"  # or interrupted: the process died before finishing it


def reasons_of(session: Session, run_id: int) -> dict[str, dict[str, int]]:
    """The gateway's reasons by count: why submits were refused or failed, and what the final
    reports that were not "delivered" said (the SMSC's reason, else the state and error)."""
    submit = session.execute(
        sa.select(col(ChannelMessage.error), sa.func.count())
        .where(
            col(ChannelMessage.run_id) == run_id,
            col(ChannelMessage.error).is_not(None),
            sa.or_(col(ChannelMessage.accepted).is_(None), col(ChannelMessage.accepted).is_(False)),
        )
        .group_by(col(ChannelMessage.error))
    ).all()
    reports = session.execute(
        sa.select(
            col(DeliveryReport.reason),
            col(DeliveryReport.status),
            col(DeliveryReport.error_code),
            sa.func.count(),
        )
        .join(ChannelMessage, col(ChannelMessage.id) == DeliveryReport.message_id)
        .where(
            col(ChannelMessage.run_id) == run_id,
            col(DeliveryReport.final).is_(True),
            col(DeliveryReport.delivered).is_(False),
        )
        .group_by(
            col(DeliveryReport.reason), col(DeliveryReport.status), col(DeliveryReport.error_code)
        )
    ).all()
    by_report: dict[str, int] = defaultdict(int)
    for reason, status, error_code, n in reports:
        words = reason or (f"{status} err:{error_code}" if error_code else status)
        by_report[words] += n
    return {
        "submit": {str(error): n for error, n in submit},
        "reports": dict(by_report),
    }


def summarise(run: ChannelRun, outcomes: list[Outcome]) -> dict[str, Any]:
    plan = json.loads(run.plan)
    cards = plan["cards"]
    summary: dict[str, Any] = {
        "run": {
            "id": run.id,
            "audit_id": run.audit_id,
            "adapter": run.adapter,
            "profile": run.profile,
            "time_slot": run.time_slot,
            "declared_fault": run.declared_fault,
            "claimed_sender": run.claimed_sender,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "cancelled_at": run.cancelled_at.isoformat() if run.cancelled_at else None,
            "status": status_of(run),
            "failure": run.failure,
            "chosen": run.chosen_at is not None,
        },
        "plan": {
            "cards": len(cards),
            "kinds": list(plan["kinds"]),
            "repetitions": plan["repetitions"],
            "rate_per_second": plan["rate_per_second"],
            "concurrency": plan["concurrency"],
            "dlr_timeout_s": plan["dlr_timeout_s"],
            "handset_timeout_s": plan["handset_timeout_s"],
        },
        "coverage": {
            "carriers": sorted({c["carrier"] for c in cards}),
            "mvno": any(c["mvno"] for c in cards),
            "ported": any(c["ported"] for c in cards),
        },
        "overall": stats(outcomes, run.claimed_sender),
        "by_carrier": _split(outcomes, "carrier", run.claimed_sender),
        "by_kind": _split(outcomes, "kind", run.claimed_sender),
        "by_time_slot": _split(outcomes, "time_slot", run.claimed_sender),
        "failover": failover(outcomes) if run.declared_fault else None,
    }
    ordered: dict[str, Any] = _sorted(summary)
    return ordered


def summary_in(session: Session, run: ChannelRun) -> dict[str, Any]:
    summary = summarise(run, load_outcomes(session, run))
    summary["reasons"] = reasons_of(session, row_id(run))
    ordered: dict[str, Any] = _sorted(summary)
    return ordered


def summary_of_run(store: Store, run_id: int) -> dict[str, Any]:
    with store.read() as session:
        run = session.get(ChannelRun, run_id)
        if run is None:
            raise ChannelError(f"no channel run {run_id} (see `vaudit channel show`)")
        return summary_in(session, run)


def summary_and_outcomes(store: Store, run_id: int) -> tuple[dict[str, Any], list[Outcome]]:
    """A run's summary and its messages one by one, read together (the TUI's live view)."""
    with store.read() as session:
        run = session.get(ChannelRun, run_id)
        if run is None:
            raise ChannelError(f"no channel run {run_id} (see `vaudit channel show`)")
        outcomes = load_outcomes(session, run)
        summary = summarise(run, outcomes)
        summary["reasons"] = reasons_of(session, row_id(run))
        return _sorted(summary), outcomes


def latest_runs(session: Session, audit_id: int) -> list[ChannelRun]:
    """The audit's finished runs that did not fail, the one the auditor chose first, then
    newest first. A failed run (nothing accepted) never proposes anything."""
    runs = session.exec(
        select(ChannelRun)
        .where(
            ChannelRun.audit_id == audit_id,
            col(ChannelRun.finished_at).is_not(None),
            col(ChannelRun.failure).is_(None),
        )
        .order_by(col(ChannelRun.id).desc())
    ).all()
    return sorted(runs, key=lambda run: run.chosen_at is None)


def proposing_run(store: Store, audit_id: int) -> int | None:
    """The run the audit's channel items propose from (as channel_facts picks it), if any."""
    with store.read() as session:
        run = next((r for r in latest_runs(session, audit_id) if not r.declared_fault), None)
        return None if run is None else run.id


def audit_has_runs(session: Session, audit_id: int) -> bool:
    found = session.execute(
        sa.select(col(ChannelRun.id)).where(col(ChannelRun.audit_id) == audit_id).limit(1)
    ).first()
    return found is not None


def channel_facts(session: Session, audit_id: int) -> dict[str, Any]:
    """What the channel rules read: the run the auditor chose, else the latest finished run
    (never a failed one, nor one during a declared fault), each time slot's latest arrival rate,
    and the latest run during a declared fault."""
    if not audit_has_runs(session, audit_id):
        return {}
    latest = None
    by_slot: dict[str, dict[str, Any]] = {}
    fault = None
    for run in latest_runs(session, audit_id):
        if run.declared_fault:
            if fault is None:
                fault = summary_in(session, run)
            continue
        if latest is not None and run.time_slot in by_slot:
            continue
        summary = summary_in(session, run)
        latest = latest or summary
        rate = summary["overall"]["arrival_rate"]
        if run.time_slot not in by_slot and rate is not None:
            by_slot[run.time_slot] = {
                "run": run.id,
                "arrival_rate": rate,
                "started_at": run.started_at.isoformat(),
            }
    return {"channel": {"latest": latest, "by_slot": by_slot, "failover": fault}}
