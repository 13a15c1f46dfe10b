"""Follow-up actions and evidence expiry dates.

Adds one nullable column to `evidence` and a new `follow_up` table; no existing row changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vaudit.audits.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audit.id"), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("what", sa.String(length=500), nullable=False),
        sa.Column("owed_by", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("source_finding", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_follow_up_audit_id", "follow_up", ["audit_id"])


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
