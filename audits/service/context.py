"""What the service's modules read from the Service that calls them."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from vaudit.audits.checklist import ChecklistSet
from vaudit.audits.db import Store
from vaudit.audits.service.snapshots import SnapshotCache


class ServiceContext(Protocol):
    """The store, who acts, the day it is, and the checklists: a Service provides them."""

    @property
    def store(self) -> Store: ...

    @property
    def actor(self) -> str: ...

    @property
    def snapshots(self) -> SnapshotCache: ...

    def current_date(self) -> dt.date: ...

    def current_checklists(self) -> ChecklistSet: ...
