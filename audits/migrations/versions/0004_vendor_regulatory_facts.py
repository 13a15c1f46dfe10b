"""Vendor facts the regulatory rules read: licence issue date and annual report, the security
(MLPS) evaluation, the 1069 preconditions and the real start of business.

Only new, nullable columns: existing vendors keep every fact and simply have these unset.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vendor") as batch:
        batch.add_column(sa.Column("licence_issued_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("annual_report_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("mlps_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("mlps_report_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("mlps_conclusion", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("staff_insured", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("major_violation_3y", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("first_contract_on", sa.Date(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
