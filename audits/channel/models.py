"""Channel-test tables: the auditor's test cards, runs, and what each message did.

Rows are written while a run goes on (see store.Recorder), each batch committed at once, so a
crash mid-run loses nothing already measured. Timestamps are aware UTC like the rest.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from vaudit.audits.models import UTCDateTime, utcnow


def _ts(nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(UTCDateTime(), nullable=nullable)


class TestCard(SQLModel, table=True):
    """One of the auditor's own test SIMs. The declared carrier is what the auditor confirmed
    (the carrier's app or shop); the prefix only names the carrier the range was allocated to."""

    __tablename__ = "test_card"
    __test__ = False  # not a pytest test class, despite the name

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=20)  # 11 national digits
    carrier: str = Field(max_length=20)  # mobile | unicom | telecom | broadnet
    mvno: bool = False
    ported: bool = False
    province: str | None = Field(default=None, max_length=40)
    label: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())


class ChannelRun(SQLModel, table=True):
    __tablename__ = "channel_run"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    adapter: str = Field(max_length=20)  # simulator | kannel | generic
    profile: str = Field(max_length=200)  # the profile's name, never its credentials
    time_slot: str = Field(max_length=20)
    declared_fault: bool = False  # sent during a channel fault agreed with the vendor
    claimed_sender: str | None = Field(default=None, max_length=40)  # the vendor's 106 code
    plan: str = Field(sa_type=sa.Text)  # the plan as JSON
    started_by: str = Field(max_length=100)
    started_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    finished_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    cancelled_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    # Why the run failed (nothing accepted, storage lost …); a failed run proposes nothing.
    failure: str | None = Field(default=None, sa_type=sa.Text)
    # When the auditor chose this run as the one the channel items propose from.
    chosen_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ChannelMessage(SQLModel, table=True):
    __tablename__ = "channel_message"
    __table_args__ = (sa.UniqueConstraint("run_id", "token"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="channel_run.id", index=True)
    token: str = Field(max_length=16)  # short unique mark in the text, to match receipts
    card_id: int = Field(foreign_key="test_card.id", index=True)
    kind: str = Field(max_length=20)
    text: str = Field(sa_type=sa.Text)
    characters: int
    segments: int
    encoding: str = Field(max_length=10)  # gsm7 | ucs2
    attempts: int = 0
    submitted_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # first
    last_submitted_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    http_status: int | None = None
    accepted: bool | None = None
    vendor_message_id: str | None = Field(default=None, max_length=100)
    error: str | None = Field(default=None, sa_type=sa.Text)


class DeliveryReport(SQLModel, table=True):
    """A delivery report (DLR) as the vendor gave it; a message may get several.

    `latency_s` is measured on vaudit's monotonic clock from the message's first submission to
    the report's arrival, unless the gateway's own time is finer than that arrival (a pulled
    report with millisecond times): `latency_clock` says which ("vaudit" | "gateway")."""

    __tablename__ = "delivery_report"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="channel_message.id", index=True)
    status: str = Field(max_length=40)  # the vendor's or carrier's own word
    final: bool  # delivered or failed for good (not queued / accepted / unknown)
    delivered: bool
    reported_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    received_at: dt.datetime = Field(sa_column=_ts())
    source: str = Field(max_length=10)  # push | pull
    outcome: str | None = Field(default=None, max_length=20)  # report_codes.OUTCOMES
    code: str | None = Field(default=None, max_length=40)  # the gateway's code (Kannel's %d)
    error_code: str | None = Field(default=None, max_length=40)  # the receipt's err:, a NACK's
    reason: str | None = Field(default=None, sa_type=sa.Text)  # the SMSC's own words
    raw: str | None = Field(default=None, sa_type=sa.Text)  # the report as it came
    latency_s: float | None = None
    latency_clock: str | None = Field(default=None, max_length=10)


class HandsetReceipt(SQLModel, table=True):
    """What a test phone really received: forwarded by an app on the phone, or ticked by hand."""

    __tablename__ = "handset_receipt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="channel_message.id", index=True)
    received_at: dt.datetime = Field(sa_column=_ts())
    sender: str | None = Field(default=None, max_length=40)  # as the handset displayed it
    text: str | None = Field(default=None, sa_type=sa.Text)
    source: str = Field(max_length=10)  # forwarded | manual
    recorded_by: str | None = Field(default=None, max_length=100)
    latency_s: float | None = None  # as for DeliveryReport; None for a receipt ticked by hand
    latency_clock: str | None = Field(default=None, max_length=10)  # vaudit | handset
