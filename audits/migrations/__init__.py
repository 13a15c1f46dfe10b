"""Alembic migrations, shipped inside the package.

HEAD_REVISION lets `open_store` see that a database is current without importing Alembic;
a test keeps it equal to the newest migration's `revision`.
"""

HEAD_REVISION = "clouds_reconciliation"
