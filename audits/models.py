"""The database tables (SQLModel). Schema changes go through Alembic: see audits/migrations.

Timestamps are timezone-aware UTC. Every table that people edit carries a `version` counter so a
write based on a stale read can be refused instead of silently overwriting someone's work.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Who made a change (auditor, signer) fits in this many characters; PostgreSQL enforces it.
PERSON_MAX = 100


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_uid() -> str:
    return uuid.uuid4().hex


class Stage(StrEnum):
    """The three-step decision: screening → technical test → negotiation → finalist/rejected."""

    SCREENING = "screening"
    TECHNICAL_TEST = "technical_test"
    NEGOTIATION = "negotiation"
    FINALIST = "finalist"
    REJECTED = "rejected"


class AuditStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    SIGNED_OFF = "signed_off"


class EvidenceKind(StrEnum):
    FILE = "file"
    URL = "url"
    NOTE = "note"


def _ts(nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(UTCDateTime(), nullable=nullable)


class Vendor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, max_length=32)
    name: str = Field(unique=True, max_length=200)
    credit_code: str | None = Field(default=None, max_length=18)
    licence_number: str | None = Field(default=None, max_length=100)
    licence_scope: str | None = Field(default=None, max_length=500)
    licence_expiry: dt.date | None = None
    access_codes: str = Field(default="[]", sa_type=sa.Text)  # JSON list of code strings
    registered_capital_yuan: int | None = Field(default=None, sa_type=sa.BigInteger)
    founded_on: dt.date | None = None
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=40)
    contact_email: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=300)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    version: int = 1
    # Facts the regulatory rules read (migration 0004).
    licence_issued_on: dt.date | None = None
    annual_report_year: int | None = None  # the latest year whose annual report is filed
    mlps_level: int | None = None
    mlps_report_on: dt.date | None = None
    mlps_conclusion: str | None = Field(default=None, max_length=20)
    staff_insured: int | None = None  # staff with social insurance paid by the vendor
    major_violation_3y: bool | None = None
    first_contract_on: dt.date | None = None
    # Record lists and the facts the code and history rules read (migration 0005). The lists
    # are JSON kept on the vendor row, so one version number covers every fact of a vendor.
    code_records: str = Field(default="[]", sa_type=sa.Text)  # see audits/vendor_records.py
    port_changes: str = Field(default="[]", sa_type=sa.Text)
    tax_years: str = Field(default="[]", sa_type=sa.Text)  # years with a tax certificate seen
    association_member_since: int | None = None
    licence_revoked: bool | None = None
    code_fees_unpaid: bool | None = None


class Selection(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, max_length=32)
    name: str = Field(unique=True, max_length=200)
    industry: str = Field(max_length=40)
    coverage: str = Field(max_length=20)
    message_kinds: str = Field(sa_type=sa.Text)  # JSON list
    monthly_volume: int | None = Field(default=None, sa_type=sa.BigInteger)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    version: int = 1
    # The funnel (migration verdicts_reasons_funnel): targets as JSON (None: the defaults) and
    # the finalists named primary and backup (vendor ids; checked by the service).
    funnel_targets: str | None = Field(default=None, sa_type=sa.Text)
    primary_vendor_id: int | None = None
    backup_vendor_id: int | None = None


class Candidate(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("selection_id", "vendor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    selection_id: int = Field(foreign_key="selection.id", index=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    stage: str = Field(default=Stage.SCREENING, max_length=20)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    stage_changed_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    stage_changed_by: str = Field(max_length=PERSON_MAX)
    # Why a disqualified vendor stands past screening (its latest move there); None otherwise.
    override_note: str | None = Field(default=None, sa_type=sa.Text)


class ChecklistSnapshot(SQLModel, table=True):
    """One checklist (or scoring) file's exact text, stored once and shared by audits."""

    __tablename__ = "checklist_snapshot"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    checklist_id: str = Field(max_length=100)
    version: int
    text: str = Field(sa_type=sa.Text)


class Audit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, max_length=32)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    selection_id: int = Field(foreign_key="selection.id", index=True)
    status: str = Field(default=AuditStatus.DRAFT, max_length=20)
    revision: int = 1
    previous_id: int | None = Field(default=None, foreign_key="audit.id")
    scenario: str = Field(sa_type=sa.Text)  # the selection's scenario, frozen at start (JSON)
    started_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    started_by: str = Field(max_length=PERSON_MAX)
    signed_off_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    signed_off_by: str | None = Field(default=None, max_length=PERSON_MAX)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    version: int = 1
    # A cache of the score, refreshed on every write (migration 0003); None: score on read.
    score_total: float | None = None
    completion: float | None = None
    verdict: str | None = Field(default=None, max_length=20)
    answered_count: int | None = None
    applicable_count: int | None = None
    # Why the cached verdict (migration verdicts_reasons): JSON from scoring.cached_reasons.
    verdict_reasons: str | None = Field(default=None, sa_type=sa.Text)


class AuditChecklist(SQLModel, table=True):
    """Which snapshots an audit runs against, in order (the scoring file first)."""

    __tablename__ = "audit_checklist"

    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    position: int = Field(primary_key=True)
    snapshot_id: int = Field(foreign_key="checklist_snapshot.id", index=True)


class Answer(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("audit_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    item_id: str = Field(max_length=200)
    result: str | None = Field(default=None, max_length=10)
    value: str | None = Field(default=None, sa_type=sa.Text)
    note: str | None = Field(default=None, sa_type=sa.Text)
    rule: str | None = Field(default=None, max_length=100)
    proposed_result: str | None = Field(default=None, max_length=10)
    proposal_reason_zh: str | None = Field(default=None, sa_type=sa.Text)
    proposal_reason_en: str | None = Field(default=None, sa_type=sa.Text)
    overridden: bool = False
    answered_by: str = Field(max_length=PERSON_MAX)
    answered_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    version: int = 1


# What an answer says, its author and time aside: what a revision copies, an event records and
# the sign-off digest covers (with the item, the author, the time and the version).
ANSWER_FIELDS = (
    "result",
    "value",
    "note",
    "rule",
    "proposed_result",
    "proposal_reason_zh",
    "proposal_reason_en",
    "overridden",
)


class Blob(SQLModel, table=True):
    """Evidence file content, stored once per SHA-256 whatever the number of links to it."""

    sha256: str = Field(primary_key=True, max_length=64)
    size: int = Field(sa_type=sa.BigInteger)
    content: bytes = Field(sa_type=sa.LargeBinary)


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    item_id: str = Field(max_length=200)
    kind: str = Field(max_length=10)
    name: str = Field(max_length=300)
    sha256: str | None = Field(default=None, foreign_key="blob.sha256", max_length=64)
    size: int | None = Field(default=None, sa_type=sa.BigInteger)
    url: str | None = Field(default=None, sa_type=sa.Text)
    note: str | None = Field(default=None, sa_type=sa.Text)
    added_by: str = Field(max_length=PERSON_MAX)
    added_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    expires_on: dt.date | None = None  # a certificate's or report's own end date (0007)


# What a follow-up is owed by: a description of at most this many characters.
FOLLOW_UP_WHAT_MAX = 500


class FollowUp(SQLModel, table=True):
    """Something the vendor (or someone) owes after an audit finding, and by when (0007)."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    item_id: str = Field(max_length=200)
    what: str = Field(max_length=FOLLOW_UP_WHAT_MAX)
    owed_by: str = Field(max_length=PERSON_MAX)
    due_on: dt.date
    done: bool = False
    done_at: dt.datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    done_by: str | None = Field(default=None, max_length=PERSON_MAX)
    created_by: str = Field(max_length=PERSON_MAX)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The item's result when the follow-up was made (fail, partial…): the finding it answers.
    source_finding: str | None = Field(default=None, max_length=10)
    version: int = 1


class Event(SQLModel, table=True):
    """Append-only change log; each row's hash covers its content and the previous row's hash."""

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=_ts())
    actor: str = Field(max_length=PERSON_MAX)
    action: str = Field(max_length=50)
    entity: str = Field(max_length=30)
    entity_id: str = Field(max_length=64)
    audit_id: int | None = Field(default=None, index=True)  # no FK: the log outlives its rows
    before: str | None = Field(default=None, sa_type=sa.Text)
    after: str | None = Field(default=None, sa_type=sa.Text)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # The database role that wrote it (PostgreSQL: current_user; migration 0008). Hashed only
    # when set, so events written before it keep their hashes.
    db_user: str | None = Field(default=None, max_length=64)


class ChainHead(SQLModel, table=True):
    """The newest event's id and hash: catches a deleted tail, and serialises appends."""

    __tablename__ = "chain_head"

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    last_hash: str = Field(default="", max_length=64)
