"""Alembic environment: runs on the connection vaudit hands over (see vaudit.audits.db.upgrade)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import vaudit.audits.channel.models  # the channel-test tables
import vaudit.audits.channel.reconcile_models  # billing reconciliations
import vaudit.audits.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # `alembic` run by hand during development: use the URL given with -x url=...
        from vaudit.audits.db import make_engine, to_url

        url = context.get_x_argument(as_dictionary=True).get("url") or "vaudit-dev.sqlite"
        engine = make_engine(to_url(url))
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copy-and-move
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
