"""Typed access to stored rows.

SQLModel declares a table's primary key as `int | None` (it is None until the row is flushed)
and does not declare `__table__` on the class. These two helpers say so once, so the rest of
the code is typed without `# type: ignore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # typing only: the TUI may name a row's id without loading the storage layer
    from sqlalchemy import Table


def row_id(row: Any) -> int:
    """The primary key of a row that has been stored (flushed or loaded)."""
    ident = row.id
    if ident is None:
        raise ValueError(f"{type(row).__name__} has no id: it has not been stored yet")
    return cast(int, ident)


def table_of(model: type[Any]) -> Table:
    """The Core table behind a SQLModel table class (for set-wise selects and inserts)."""
    return cast("Table", model.__table__)
