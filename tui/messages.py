"""Messages the app sends to every screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from vaudit.audits.service import Service


class ServiceReady(Message, bubble=False):
    """The database is open and the service can be used (sent to each screen by the app;
    it must not bubble back up to it)."""

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service


class ServiceFailed(Message, bubble=False):
    """The database could not be opened; the message says why."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error
