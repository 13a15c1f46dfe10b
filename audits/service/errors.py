"""The errors the service raises: each message is meant for the auditor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vaudit.audits.models import PERSON_MAX


class AuditError(Exception):
    """A request the data does not allow; the message is meant for the auditor."""


class NotFound(AuditError):
    pass


class Locked(AuditError):
    pass


class StaleWrite(AuditError):
    """Someone else changed the row since it was read; both versions are kept for display."""

    def __init__(self, message: str, current: Mapping[str, Any], attempted: Mapping[str, Any]):
        super().__init__(message)
        self.current = dict(current)
        self.attempted = dict(attempted)


def check_person(name: str, what: str) -> None:
    """Refuse a person's name longer than the column that stores it."""
    if len(name) > PERSON_MAX:
        raise AuditError(f"{what} is {len(name)} characters; at most {PERSON_MAX} fit")
