"""Billing reconciliations: a vendor's per-message statement set against a channel run.

A new table only; nothing existing is touched.

Revision ID: clouds_reconciliation
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vaudit.audits.models import UTCDateTime

revision = "clouds_reconciliation"
down_revision = "kannel_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_reconciliation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("channel_run.id"), nullable=False),
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audit.id"), nullable=False),
        sa.Column("statement_name", sa.String(length=300), nullable=False),
        sa.Column("statement_sha256", sa.String(length=64), nullable=False),
        sa.Column("statement_format", sa.String(length=40), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_channel_reconciliation_run_id", "channel_reconciliation", ["run_id"])
    op.create_index("ix_channel_reconciliation_audit_id", "channel_reconciliation", ["audit_id"])


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
