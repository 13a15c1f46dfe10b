"""Channel reports kept verbatim, latencies on vaudit's clock, failed and chosen runs.

New nullable columns only; existing rows keep their values (their latencies are computed from
their timestamps as before).

Revision ID: kannel_reports
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vaudit.audits.models import UTCDateTime

revision = "kannel_reports"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not a batch copy): SQLite keeps the tables as they are.
    op.add_column("channel_run", sa.Column("failure", sa.Text(), nullable=True))
    op.add_column("channel_run", sa.Column("chosen_at", UTCDateTime(), nullable=True))
    op.add_column("channel_message", sa.Column("last_submitted_at", UTCDateTime(), nullable=True))
    for name, column_type in (
        ("outcome", sa.String(length=20)),
        ("code", sa.String(length=40)),
        ("error_code", sa.String(length=40)),
        ("reason", sa.Text()),
        ("raw", sa.Text()),
        ("latency_s", sa.Float()),
        ("latency_clock", sa.String(length=10)),
    ):
        op.add_column("delivery_report", sa.Column(name, column_type, nullable=True))
    op.add_column("handset_receipt", sa.Column("latency_s", sa.Float(), nullable=True))
    op.add_column(
        "handset_receipt", sa.Column("latency_clock", sa.String(length=10), nullable=True)
    )


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
