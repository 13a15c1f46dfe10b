"""The stored billing reconciliations: a vendor's per-message statement set against a run
(migration clouds_reconciliation). The result is kept as JSON exactly as computed, with the
statement's name and SHA-256, so a proposal can always name what it was read from."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from vaudit.audits.models import UTCDateTime, utcnow


class ChannelReconciliation(SQLModel, table=True):
    __tablename__ = "channel_reconciliation"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="channel_run.id", index=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    statement_name: str = Field(max_length=300)
    statement_sha256: str = Field(max_length=64)
    statement_format: str = Field(max_length=40)
    result: str = Field(sa_type=sa.Text)  # the reconciliation as JSON
    created_by: str = Field(max_length=100)
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False)
    )
