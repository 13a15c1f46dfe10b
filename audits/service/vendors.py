"""Vendors: adding them, editing their facts, and their access codes and port changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from vaudit.audits import events
from vaudit.audits.models import Vendor, utcnow
from vaudit.audits.rows import row_id
from vaudit.audits.service.context import ServiceContext
from vaudit.audits.service.errors import AuditError, NotFound, StaleWrite
from vaudit.audits.service.facts import vendor_facts
from vaudit.audits.service.lookups import vendor_by_ref
from vaudit.audits.vendor_fields import FieldError, parse_vendor_fields
from vaudit.audits.vendor_records import (
    CodeRecord,
    PortChange,
    code_records_from,
    format_code_records,
    format_port_changes,
    merge_code,
    parse_code_records,
    parse_port_changes,
    port_changes_from,
)


def add_vendor(ctx: ServiceContext, fields: Mapping[str, str | None]) -> Vendor:
    values = parse_vendor_fields(fields)
    if not values.get("name"):
        raise FieldError("name", "is required")
    with ctx.store.write() as session:
        if session.exec(select(Vendor).where(Vendor.name == values["name"])).first():
            raise AuditError(f"a vendor named {values['name']!r} already exists")
        vendor = Vendor(**values)
        session.add(vendor)
        session.flush()
        events.append(
            session,
            actor=ctx.actor,
            action="vendor.add",
            entity="vendor",
            entity_id=row_id(vendor),
            after=vendor_facts(vendor),
        )
        return vendor


def edit_vendor(
    ctx: ServiceContext,
    ref: str | int,
    fields: Mapping[str, str | None],
    expected_version: int | None = None,
) -> Vendor:
    values = parse_vendor_fields(fields)
    with ctx.store.write() as session:
        vendor = vendor_by_ref(session, ref)
        return apply_values(ctx, session, vendor, values, expected_version)


def apply_values(
    ctx: ServiceContext,
    session: Session,
    vendor: Vendor,
    values: Mapping[str, Any],
    expected_version: int | None,
) -> Vendor:
    """Lay the parsed values over the vendor; one `vendor.edit` event names what changed."""
    before = vendor_facts(vendor)
    if expected_version is not None and vendor.version != expected_version:
        raise StaleWrite(
            f"vendor {vendor.name!r} was changed by someone else (version "
            f"{vendor.version}, you edited version {expected_version}); reload it",
            before,
            values,
        )
    if (
        "name" in values
        and values["name"] != vendor.name
        and session.exec(select(Vendor).where(Vendor.name == values["name"])).first()
    ):
        raise AuditError(f"a vendor named {values['name']!r} already exists")
    for key, value in values.items():
        setattr(vendor, key, value)
    after = vendor_facts(vendor)
    if after == before:
        return vendor
    vendor.updated_at = utcnow()
    vendor.version += 1
    session.add(vendor)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    events.append(
        session,
        actor=ctx.actor,
        action="vendor.edit",
        entity="vendor",
        entity_id=row_id(vendor),
        before={k: before.get(k) for k in changed},
        after=changed,
    )
    return vendor


def put_code(
    ctx: ServiceContext, ref: str | int, line: str, expected_version: int | None = None
) -> tuple[Vendor, CodeRecord]:
    """Add one access code, or lay the details given over its stored record.

    `line` is one line of the code syntax (`10690123 2023-05-01 mobile valid:2028-05-01`).
    """
    try:
        parsed = parse_code_records(line.replace("\n", " "))
    except ValueError as exc:
        raise FieldError("access_codes", str(exc).removeprefix("line 1: ")) from None
    if len(parsed) != 1:
        raise FieldError("access_codes", f"give exactly one code, not {len(parsed)}")
    given = parsed[0]
    with ctx.store.write() as session:
        vendor = vendor_by_ref(session, ref)
        records = merge_code(code_records_from(vendor.code_records), given)
        values = parse_vendor_fields({"access_codes": format_code_records(records)})
        vendor = apply_values(ctx, session, vendor, values, expected_version)
        return vendor, next(r for r in records if r.code == given.code)


def remove_code(
    ctx: ServiceContext, ref: str | int, code: str, expected_version: int | None = None
) -> Vendor:
    with ctx.store.write() as session:
        vendor = vendor_by_ref(session, ref)
        records = code_records_from(vendor.code_records)
        kept = [r for r in records if r.code != code.strip()]
        if len(kept) == len(records):
            raise NotFound(f"{vendor.name} has no access code {code.strip()!r}")
        values = parse_vendor_fields({"access_codes": format_code_records(kept)})
        return apply_values(ctx, session, vendor, values, expected_version)


def add_port_change(
    ctx: ServiceContext, ref: str | int, line: str, expected_version: int | None = None
) -> tuple[Vendor, PortChange]:
    """Record one sending-port change, given as one line of the port-change syntax."""
    try:
        parsed = parse_port_changes(line.replace("\n", " "))
    except ValueError as exc:
        raise FieldError("port_changes", str(exc).removeprefix("line 1: ")) from None
    if len(parsed) != 1:
        raise FieldError("port_changes", "give one change: DATE OLD -> NEW filed|unfiled")
    change = parsed[0]
    with ctx.store.write() as session:
        vendor = vendor_by_ref(session, ref)
        changes = [*port_changes_from(vendor.port_changes), change]
        values = parse_vendor_fields({"port_changes": format_port_changes(changes)})
        return apply_values(ctx, session, vendor, values, expected_version), change


def remove_port_change(
    ctx: ServiceContext, ref: str | int, number: int, expected_version: int | None = None
) -> Vendor:
    """Remove the change listed as `number` (1 is the earliest)."""
    with ctx.store.write() as session:
        vendor = vendor_by_ref(session, ref)
        changes = port_changes_from(vendor.port_changes)
        if not 1 <= number <= len(changes):
            raise NotFound(f"{vendor.name} has {len(changes)} port change(s); no number {number}")
        del changes[number - 1]
        values = parse_vendor_fields({"port_changes": format_port_changes(changes)})
        return apply_values(ctx, session, vendor, values, expected_version)
