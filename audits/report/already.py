"""Whether a report holds the audit that is already here, or another one under the same id.

An audit's id (`uid`) is meant to be unique across databases, but a report comes from outside:
a second report may carry an existing audit's id with other answers, evidence or sign-off. Only
a report whose audit reads the same as the one here is "already here"; any other is a conflict,
and the import changes nothing.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vaudit.audits.report.body import build
from vaudit.audits.report.digest import render
from vaudit.audits.report.format import CHANGED_MARK
from vaudit.audits.report.source import collect_many

if TYPE_CHECKING:
    from vaudit.audits.service import Service

# Keys of [audit] that say how this copy came to be, not what the audit holds.
_COPY_MARKS = ("imported_from_changed_report", CHANGED_MARK)


def differences(service: Service, audit_id: int, body: Mapping[str, Any]) -> list[str]:
    """Where the report's audit differs from audit `audit_id` here (empty: the same audit)."""
    source = next(iter(collect_many(service, [audit_id])))
    text, _ = render(build(source, generated_at=dt.datetime.now(dt.UTC), generated_by=""))
    here = tomllib.loads(text)
    found = []
    for table in ("vendor", "selection"):
        if _table(here, table).get("id") != _table(body, table).get("id"):
            found.append(f"its {table} (id {_table(body, table).get('id')!r})")
    if _audit(here) != _audit(body):
        found.append("[audit]")
    ours = {str(item.get("id")): _item(item) for item in _list(here, "items")}
    theirs = {str(item.get("id")): _item(item) for item in _list(body, "items")}
    for item_id in sorted(set(ours) | set(theirs)):
        if ours.get(item_id) != theirs.get(item_id):
            found.append(f"item {item_id}")
    if _checklists(here) != _checklists(body):
        found.append("the checklists")
    if here.get("channel_test") != body.get("channel_test"):
        found.append("[channel_test]")
    return found


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _audit(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _table(data, "audit").items() if k not in _COPY_MARKS}


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item without where its files were written (a report may or may not carry them)."""
    plain = dict(item)
    evidence = plain.get("evidence")
    if isinstance(evidence, list):
        plain["evidence"] = [
            {k: v for k, v in e.items() if k != "file"} if isinstance(e, Mapping) else e
            for e in evidence
        ]
    return plain


def _checklists(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.items() if k != "file"} for c in _list(data, "checklists")]
