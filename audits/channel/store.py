"""Run storage. The plan's messages are stored before the first send; everything measured after
that goes through a Recorder, a thread that commits whatever has queued up in one transaction
(a group commit), so the event loop never waits on the disk and nothing acknowledged is lost."""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from vaudit.audits import events
from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.models import ChannelMessage, ChannelRun, DeliveryReport, HandsetReceipt
from vaudit.audits.channel.plan import Plan, PlannedMessage
from vaudit.audits.db import Store
from vaudit.audits.models import Audit, AuditStatus, utcnow
from vaudit.audits.rows import row_id, table_of

BATCH_MAX = 2_000  # rows per transaction at most
# How long the writer gathers rows after the first one before committing them together. Each
# transaction costs the writer thread Python time (and so the event loop the GIL): at a few rows
# per commit it halved the runner's throughput. It is also the most a crash can lose.
COMMIT_WINDOW_S = 0.02


@dataclass(frozen=True)
class RunStart:
    run_id: int
    message_ids: dict[str, int]  # token → channel_message.id


def _writable_audit(session: Session, audit_id: int) -> Audit:
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise ChannelError(f"no audit {audit_id} (see `vaudit audits list`)")
    if audit.status == AuditStatus.SIGNED_OFF:
        raise ChannelError(
            f"audit {audit_id} is signed off and read-only; start a revision "
            f"(`vaudit revise {audit_id}`) to test again"
        )
    return audit


def create_run(
    store: Store,
    *,
    audit_id: int,
    actor: str,
    adapter: str,
    profile: str,
    plan: Plan,
    planned: list[PlannedMessage],
    declared_fault: bool = False,
    claimed_sender: str | None = None,
) -> RunStart:
    """The run and all its planned messages, committed before anything is sent."""
    with store.write() as session:
        _writable_audit(session, audit_id)
        run = ChannelRun(
            audit_id=audit_id,
            adapter=adapter,
            profile=profile[:200],
            time_slot=plan.time_slot,
            declared_fault=declared_fault,
            claimed_sender=claimed_sender,
            plan=plan.to_json(),
            started_by=actor,
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        session.execute(
            sa.insert(ChannelMessage),
            [
                {
                    "run_id": run.id,
                    "token": m.token,
                    "card_id": m.card.id,
                    "kind": m.kind,
                    "text": m.text,
                    "characters": m.length.characters,
                    "segments": m.length.segments,
                    "encoding": m.length.encoding,
                    "attempts": 0,
                }
                for m in planned
            ],
        )
        ids: dict[str, int] = dict(
            session.execute(
                sa.select(col(ChannelMessage.token), col(ChannelMessage.id)).where(
                    col(ChannelMessage.run_id) == run.id
                )
            ).all()
        )
        events.append(
            session,
            actor=actor,
            action="channel_run_start",
            entity="channel_run",
            entity_id=run.id,
            audit_id=audit_id,
            after={
                "adapter": adapter,
                "profile": profile,
                "time_slot": plan.time_slot,
                "declared_fault": declared_fault,
                "messages": len(planned),
            },
        )
        return RunStart(run.id, ids)


def finish_run(
    store: Store, run_id: int, actor: str, *, cancelled: bool, failure: str | None = None
) -> ChannelRun:
    """The run's end. A failed run (nothing accepted, results not stored) keeps its reason and
    is never the one the channel items propose from."""
    with store.write() as session:
        run = session.get(ChannelRun, run_id)
        assert run is not None
        now = utcnow()
        if cancelled:
            run.cancelled_at = now
        else:
            run.finished_at = now
        run.failure = failure[:2000] if failure else None
        session.add(run)
        counts: dict[str, int] = dict(
            session.execute(
                sa.select(
                    sa.case((col(ChannelMessage.submitted_at).is_(None), "unsent"), else_="sent"),
                    sa.func.count(),
                )
                .where(col(ChannelMessage.run_id) == run_id)
                .group_by(sa.text("1"))
            ).all()
        )
        events.append(
            session,
            actor=actor,
            action="channel_run_cancel" if cancelled else "channel_run_finish",
            entity="channel_run",
            entity_id=run_id,
            audit_id=run.audit_id,
            after={
                "sent": counts.get("sent", 0),
                "unsent": counts.get("unsent", 0),
                "failure": run.failure,
            },
        )
        return run


class Recorder:
    """Queues row writes from the event loop and commits them in batches on its own thread."""

    def __init__(self, store: Store):
        self.store = store
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.failure: str | None = None
        self.rows_written = 0
        self.commits = 0
        self._thread = threading.Thread(target=self._loop, name="channel-recorder", daemon=True)
        self._thread.start()

    def submit(self, message_id: int, **values: Any) -> None:
        self._queue.put(("submit", {"_id": message_id, **values}))

    def dlr(self, message_id: int, **values: Any) -> None:
        self._queue.put(("dlr", {"message_id": message_id, **values}))

    def receipt(self, message_id: int, **values: Any) -> None:
        self._queue.put(("receipt", {"message_id": message_id, **values}))

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything queued so far is committed."""
        done = threading.Event()
        self._queue.put(("flush", done))
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(("stop", None))
        self._thread.join()

    def _loop(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            if batch[0][0] not in ("flush", "stop"):
                # Sleep through the window rather than wake for every row: each wake-up is a
                # GIL hand-over that stalls the event loop.
                time.sleep(COMMIT_WINDOW_S)
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [item for item in batch if item[0] in ("submit", "dlr", "receipt")]
            if rows and self.failure is None:
                try:
                    self._write(rows)
                    self.rows_written += len(rows)
                    self.commits += 1
                except Exception as exc:  # the runner sees it and stops the run
                    self.failure = f"cannot store the results: {exc}"
            for kind, payload in batch:
                if kind == "flush":
                    payload.set()
                elif kind == "stop":
                    stop = True

    def _write(self, rows: list[tuple[str, Any]]) -> None:
        submits = [p for k, p in rows if k == "submit"]
        dlrs = [p for k, p in rows if k == "dlr"]
        receipts = [p for k, p in rows if k == "receipt"]
        with self.store.write() as session:
            # One executemany per set of columns (every submit sets the same ones): the
            # per-row cost stays in the driver, not in Python holding the event loop's GIL.
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for values in submits:
                by_columns.setdefault(tuple(sorted(values)), []).append(values)
            table = table_of(ChannelMessage)
            for columns, params in by_columns.items():
                statement = (
                    table.update()
                    .where(table.c.id == sa.bindparam("_id"))
                    .values({c: sa.bindparam(c) for c in columns if c != "_id"})
                )
                session.connection().execute(statement, params)
            if dlrs:
                session.execute(sa.insert(DeliveryReport), dlrs)
            if receipts:
                session.execute(sa.insert(HandsetReceipt), receipts)


def record_manual_receipt(
    store: Store,
    run_id: int,
    token: str,
    actor: str,
    received_at: dt.datetime | None = None,
    sender: str | None = None,
) -> HandsetReceipt:
    """A receipt ticked by hand (the TUI's grid): the auditor saw the message on the phone."""
    with store.write() as session:
        message = session.exec(
            select(ChannelMessage).where(
                ChannelMessage.run_id == run_id, ChannelMessage.token == token.strip().upper()
            )
        ).first()
        if message is None:
            raise ChannelError(f"run {run_id} has no message {token!r}")
        run = session.get(ChannelRun, run_id)
        assert run is not None
        _writable_audit(session, run.audit_id)
        receipt = HandsetReceipt(
            message_id=row_id(message),
            received_at=received_at or utcnow(),
            sender=sender,
            text=None,
            source="manual",
            recorded_by=actor,
        )
        session.add(receipt)
        session.flush()
        events.append(
            session,
            actor=actor,
            action="channel_receipt",
            entity="handset_receipt",
            entity_id=row_id(receipt),
            audit_id=run.audit_id,
            after={"run": run_id, "token": message.token, "source": "manual"},
        )
        return receipt


def choose_run(store: Store, run_id: int, actor: str) -> ChannelRun:
    """Make a run the one its audit's channel items propose from (instead of the latest)."""
    with store.write() as session:
        run = session.get(ChannelRun, run_id)
        if run is None:
            raise ChannelError(f"no channel run {run_id} (see `vaudit channel show`)")
        _writable_audit(session, run.audit_id)
        if run.finished_at is None or run.failure:
            why = run.failure or ("cancelled" if run.cancelled_at else "not finished")
            raise ChannelError(f"run {run_id} cannot be proposed from: {why}")
        before = session.exec(
            select(ChannelRun).where(
                ChannelRun.audit_id == run.audit_id, col(ChannelRun.chosen_at).is_not(None)
            )
        ).all()
        for other in before:
            other.chosen_at = None
            session.add(other)
        run.chosen_at = utcnow()
        session.add(run)
        events.append(
            session,
            actor=actor,
            action="channel_run_choose",
            entity="channel_run",
            entity_id=run_id,
            audit_id=run.audit_id,
            before={"chosen": [r.id for r in before]},
            after={"chosen": run_id},
        )
        return run


def runs_of(store: Store, audit_id: int | None = None) -> list[ChannelRun]:
    with store.read() as session:
        query = select(ChannelRun).order_by(col(ChannelRun.id))
        if audit_id is not None:
            query = query.where(ChannelRun.audit_id == audit_id)
        return list(session.exec(query).all())
