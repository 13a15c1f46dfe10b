"""A signed-off audit is immutable in the database itself; events record the database user.

Triggers refuse any insert, update or delete of a signed-off audit's answers and evidence, and
any change of a signed-off audit's status or signer, whoever writes (vaudit refuses earlier,
in Python; these stop a direct SQL session or another program). Revising still works: it
creates a new draft audit. `event.db_user` is new and nullable: old events keep their hashes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vaudit.audits.db_guard import create_guards

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not a batch copy): SQLite keeps the table, and any trigger on it.
    op.add_column("event", sa.Column("db_user", sa.String(length=64), nullable=True))
    create_guards(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError(
        "vaudit does not downgrade (it would drop data); restore the backup taken before upgrading"
    )
