"""Each audit's score, verdict and completion kept on its row, so lists of thousands of audits
read one table instead of re-scoring every audit.

The columns are a cache: they are recomputed on every answer, start and revision, and an audit
whose columns are still empty (written before this revision) is scored on read. Nothing is
dropped or rewritten.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("score_total", sa.Float(), nullable=True))
        batch.add_column(sa.Column("completion", sa.Float(), nullable=True))
        batch.add_column(sa.Column("verdict", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("answered_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("applicable_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
