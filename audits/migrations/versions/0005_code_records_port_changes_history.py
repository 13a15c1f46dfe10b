"""Per-code records (allocation, carriers opened, validity end, status, last use), sending-port
changes, tax certificate years, association membership, licence revocation and unpaid code fees.

The lists are JSON columns on the vendor row (see docs/architecture.md). Every code already in
`vendor.access_codes` becomes a record of its own with no details yet; `access_codes` itself is
kept, and the service keeps it equal to the records' codes. Nothing is dropped or rewritten.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RECORD_KEYS = ("allocated_on", "carriers", "valid_until", "status", "last_used_on")


def upgrade() -> None:
    with op.batch_alter_table("vendor") as batch:
        for name in ("code_records", "port_changes", "tax_years"):
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("association_member_since", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("licence_revoked", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("code_fees_unpaid", sa.Boolean(), nullable=True))
    vendor = sa.table(
        "vendor", sa.column("id", sa.Integer()), sa.column("access_codes", sa.Text()),
        sa.column("code_records", sa.Text()),
    )  # fmt: skip
    conn = op.get_bind()
    for vendor_id, codes in conn.execute(sa.select(vendor.c.id, vendor.c.access_codes)).all():
        try:
            listed = json.loads(codes or "[]")
        except ValueError:
            continue  # left as it was: access_codes still holds the text
        if not isinstance(listed, list):
            continue
        records = [
            {"code": code, **dict.fromkeys(RECORD_KEYS)}
            for code in dict.fromkeys(c for c in listed if isinstance(c, str))
        ]
        conn.execute(
            vendor.update()
            .where(vendor.c.id == vendor_id)
            .values(code_records=json.dumps(records, ensure_ascii=False, sort_keys=True))
        )


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
