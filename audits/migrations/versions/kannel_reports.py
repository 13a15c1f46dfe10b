"""Channel reports kept verbatim, latencies on vaudit's clock, failed and chosen runs.

New nullable columns only; existing rows keep their values (their latencies are computed from
their timestamps as before).

Revision ID: kannel_reports
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from vaudit.audits.models import UTCDateTime

revision = "kannel_reports"
down_revision = "verdicts_reasons_funnel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not a batch copy): SQLite keeps the tables as they are. A column already
    # there (a database taken back to an older revision by hand) is left as it is.
    present = {
        table: {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}
        for table in ("channel_run", "channel_message", "delivery_report", "handset_receipt")
    }

    def add(table: str, name: str, column_type: sa.types.TypeEngine[Any]) -> None:
        if name not in present[table]:
            op.add_column(table, sa.Column(name, column_type, nullable=True))

    add("channel_run", "failure", sa.Text())
    add("channel_run", "chosen_at", UTCDateTime())
    add("channel_message", "last_submitted_at", UTCDateTime())
    for name, column_type in (
        ("outcome", sa.String(length=20)),
        ("code", sa.String(length=40)),
        ("error_code", sa.String(length=40)),
        ("reason", sa.Text()),
        ("raw", sa.Text()),
        ("latency_s", sa.Float()),
        ("latency_clock", sa.String(length=10)),
    ):
        add("delivery_report", name, column_type)
    add("handset_receipt", "latency_s", sa.Float())
    add("handset_receipt", "latency_clock", sa.String(length=10))


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
