"""Channel testing: test cards, runs, messages, delivery reports and handset receipts.

New tables only; nothing existing is touched.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vaudit.audits.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "test_card",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(length=20), nullable=False, unique=True),
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("mvno", sa.Boolean(), nullable=False),
        sa.Column("ported", sa.Boolean(), nullable=False),
        sa.Column("province", sa.String(length=40), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "channel_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audit.id"), nullable=False),
        sa.Column("adapter", sa.String(length=20), nullable=False),
        sa.Column("profile", sa.String(length=200), nullable=False),
        sa.Column("time_slot", sa.String(length=20), nullable=False),
        sa.Column("declared_fault", sa.Boolean(), nullable=False),
        sa.Column("claimed_sender", sa.String(length=40), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(length=100), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_channel_run_audit_id", "channel_run", ["audit_id"])
    op.create_table(
        "channel_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("channel_run.id"), nullable=False),
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("card_id", sa.Integer(), sa.ForeignKey("test_card.id"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("characters", sa.Integer(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("vendor_message_id", sa.String(length=100), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("run_id", "token"),
    )
    op.create_index("ix_channel_message_run_id", "channel_message", ["run_id"])
    op.create_index("ix_channel_message_card_id", "channel_message", ["card_id"])
    op.create_table(
        "delivery_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("channel_message.id"), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
    )
    op.create_index("ix_delivery_report_message_id", "delivery_report", ["message_id"])
    op.create_table(
        "handset_receipt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("channel_message.id"), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("sender", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
    )
    op.create_index("ix_handset_receipt_message_id", "handset_receipt", ["message_id"])


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
