"""Verdicts that explain themselves, and the selection funnel.

- audit.verdict_reasons: the reasons for the cached verdict (failed gates, critical findings…),
  so the home table can say why without scoring; audits cached before it are scored on read
  (as audits cached before 0003 are) until their next write.
- selection.funnel_targets (JSON; empty: the defaults 30 → 5 → 2), selection.primary_vendor_id
  and backup_vendor_id (the finalists named).
- candidate.override_note: why a disqualified vendor was moved past screening.

Only new nullable columns: nothing is dropped or rewritten.

Revision ID: verdicts_reasons_funnel
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "verdicts_reasons_funnel"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not a batch copy): SQLite keeps the table and its triggers.
    op.add_column("audit", sa.Column("verdict_reasons", sa.Text(), nullable=True))
    op.add_column("selection", sa.Column("funnel_targets", sa.Text(), nullable=True))
    # No foreign keys here: SQLite cannot add one without a batch copy (which drops triggers);
    # the service checks the vendor exists and is a finalist.
    op.add_column("selection", sa.Column("primary_vendor_id", sa.Integer(), nullable=True))
    op.add_column("selection", sa.Column("backup_vendor_id", sa.Integer(), nullable=True))
    op.add_column("candidate", sa.Column("override_note", sa.Text(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
