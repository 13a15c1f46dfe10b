"""`vaudit vendors …` (selections: selection_cmds)."""

from __future__ import annotations

import json
from typing import Any

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import cell_width, echo_json, echo_table, fields, say
from vaudit.audits.vendor_fields import JSON_FIELDS, VENDOR_FIELDS, display_capital, field_text

# Option names for vendor fields; the model's own names where they read well.
OPTION_NAMES = {"registered_capital_yuan": "capital"}


def _option(name: str) -> str:
    return "--" + OPTION_NAMES.get(name, name).replace("_", "-")


def vendor_options(func: Any) -> Any:
    for spec in reversed(VENDOR_FIELDS):
        if spec.name == "name":
            continue
        hint = " e.g. 1000万 or 10000000" if spec.name == "registered_capital_yuan" else ""
        if spec.syntax is not None:
            hint = f" {spec.syntax.en}."
        func = click.option(
            _option(spec.name), spec.name, metavar="TEXT", help=f"{spec.label.en}.{hint}"
        )(func)
    return func


def vendor_json(vendor: Any) -> dict[str, Any]:
    from vaudit.audits.vendor_records import code_records_from, port_changes_from, tax_years_from

    data = {spec.name: getattr(vendor, spec.name) for spec in VENDOR_FIELDS}
    data["access_codes"] = json.loads(vendor.access_codes)
    data["code_records"] = [code_json(r) for r in code_records_from(vendor.code_records)]
    data["port_changes"] = [port_json(c) for c in port_changes_from(vendor.port_changes)]
    data["tax_years"] = tax_years_from(vendor.tax_years)
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return {"id": vendor.id, "uid": vendor.uid, "version": vendor.version, **data}


def _plain(record: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        k: v.isoformat() if hasattr(v, "isoformat") else list(v) if isinstance(v, tuple) else v
        for k, v in asdict(record).items()
    }


def code_json(record: Any) -> dict[str, Any]:
    return _plain(record)


def port_json(change: Any, today: Any = None) -> dict[str, Any]:
    """A port change; an unfiled one that has happened carries its timeline's dates."""
    data = _plain(change)
    if today is not None and not change.filed and change.changed_on <= today:
        from vaudit.audits.regulatory.working_days import port_change_timeline

        timeline = port_change_timeline(change.changed_on, False, today)
        for key in ("inquiry_by", "throttle_from", "suspension_from"):
            value = getattr(timeline, key)
            data[key] = value.isoformat() if value else None
    return data


@cli.group()
def vendors() -> None:
    """Vendors and their facts."""


@vendors.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def vendors_list(ctx: Context, as_json: bool) -> None:
    """List vendors."""
    rows = ctx.service.vendors()
    if as_json:
        echo_json([vendor_json(v) for v in rows])
        return
    echo_table(
        ["id", "name", "credit code", "licence", "expires", "codes", "capital"],
        [
            [
                v.id,
                v.name,
                v.credit_code,
                v.licence_number,
                v.licence_expiry,
                " ".join(json.loads(v.access_codes)),
                display_capital(v.registered_capital_yuan),
            ]
            for v in rows
        ],
        right=[0, 6],
    )


@vendors.command("add")
@click.argument("name")
@vendor_options
@pass_context
def vendors_add(ctx: Context, /, name: str, **values: str | None) -> None:
    """Add a vendor named NAME with the facts given as options."""
    given = {k: v for k, v in values.items() if v is not None}
    vendor = ctx.service.add_vendor({"name": name, **given})
    say(f"added vendor {vendor.id}: {vendor.name}")
    _warn(ctx, given)


@vendors.command("edit")
@click.argument("vendor")
@click.option("--name", "name", metavar="TEXT", help="New name.")
@click.option(
    "--if-version",
    "if_version",
    type=click.IntRange(min=1),
    metavar="N",
    help="Save only if the vendor is still at version N (as `vendors show` showed it); "
    "otherwise refuse, so a colleague's newer edit is not overwritten.",
)
@vendor_options
@pass_context
def vendors_edit(
    ctx: Context, /, vendor: str, if_version: int | None, **values: str | None
) -> None:
    """Change facts of VENDOR (id or name); an empty value clears a fact."""
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    updated = ctx.service.edit_vendor(vendor, given, expected_version=if_version)
    say(f"vendor {updated.id} ({updated.name}) is at version {updated.version}")
    _warn(ctx, given)


def _warn(ctx: Context, given: dict[str, str]) -> None:
    """Saved, but worth a look: what the regulatory checks say about the facts just given."""
    from vaudit.audits.vendor_fields import field_warnings

    for name, text in given.items():
        for message in field_warnings(
            name, text.strip().upper() if name == "credit_code" else text
        ):
            say(f"warning: {name}: {message(ctx.lang)}", err=True)


@vendors.command("show")
@click.argument("vendor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def vendors_show(ctx: Context, vendor: str, as_json: bool) -> None:
    """Show one vendor's facts."""
    found = ctx.service.vendor(vendor)
    if as_json:
        echo_json(vendor_json(found))
        return
    data = vendor_json(found)
    data["registered_capital_yuan"] = display_capital(found.registered_capital_yuan)
    for name in JSON_FIELDS:
        data[name] = field_text(found, name)
    labels = [spec.label(ctx.lang) for spec in VENDOR_FIELDS]
    indent = "\n" + " " * (max(cell_width(label) for label in labels) + 2)
    pairs = [("id", found.id)] + [
        (label, indent.join(str(data[spec.name]).splitlines()) if data[spec.name] else None)
        for label, spec in zip(labels, VENDOR_FIELDS, strict=True)
    ]
    say(fields([*pairs, ("version", found.version)]))


# ---------------------------------------------------------------------- codes, port changes


@vendors.group("codes")
def vendor_codes() -> None:
    """A vendor's SMS access codes with allocation, carriers, validity and use."""


@vendor_codes.command("list")
@click.argument("vendor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def codes_list(ctx: Context, vendor: str, as_json: bool) -> None:
    """List VENDOR's access codes: kind, allocation, carriers opened, validity end, status."""
    from vaudit.audits.regulatory.access_code import KIND_NAMES, classify_code
    from vaudit.audits.regulatory.code_life import code_end
    from vaudit.audits.vendor_records import CODE_STATUSES, code_records_from

    found = ctx.service.vendor(vendor)
    records = code_records_from(found.code_records)
    if as_json:
        echo_json([code_json(r) for r in records])
        return
    rows = []
    for r in records:
        cls = classify_code(r.code)
        end, source = code_end(r, found.licence_expiry)
        rows.append(
            [
                r.code,
                KIND_NAMES[cls.kind](ctx.lang) if cls else "?",
                r.allocated_on,
                "none" if r.carriers == () else ",".join(r.carriers or ()),
                f"{end} ({source})" if end and source != "certificate" else end,
                CODE_STATUSES[r.status](ctx.lang) if r.status else None,
                r.last_used_on,
            ]
        )
    echo_table(
        ["code", "kind", "allocated", "carriers", "valid until", "status", "last used"], rows
    )


@vendor_codes.command("add")
@click.argument("vendor")
@click.argument("code")
@click.option("--allocated", metavar="DATE", help="Allocation date.")
@click.option(
    "--carriers", metavar="LIST", help="Carriers opened: mobile,unicom,telecom,broadnet or none."
)
@click.option("--valid-until", metavar="DATE", help="Validity end on the code certificate.")
@click.option(
    "--status", type=click.Choice(["active", "unused", "suspended"]), help="Whether it is used."
)
@click.option("--last-used", metavar="DATE", help="When it last carried traffic.")
@pass_context
def codes_add(
    ctx: Context,
    vendor: str,
    code: str,
    allocated: str | None,
    carriers: str | None,
    valid_until: str | None,
    status: str | None,
    last_used: str | None,
) -> None:
    """Add CODE to VENDOR, or set the details given on a code it has (others are kept)."""
    parts = [code.strip()]
    for key, value in (
        ("allocated", allocated),
        ("carriers", carriers),
        ("valid", valid_until),
        ("status", status),
        ("used", last_used),
    ):
        if value is not None:
            parts.append(f"{key}:{value.strip()}")
    updated, record = ctx.service.put_code(vendor, " ".join(parts))
    from vaudit.audits.vendor_records import format_code_record

    say(f"{updated.name}: {format_code_record(record)} (version {updated.version})")


@vendor_codes.command("remove")
@click.argument("vendor")
@click.argument("code")
@pass_context
def codes_remove(ctx: Context, vendor: str, code: str) -> None:
    """Remove CODE from VENDOR's codes."""
    updated = ctx.service.remove_code(vendor, code)
    say(f"{updated.name}: removed {code.strip()} (version {updated.version})")


@vendors.group("port-changes")
def vendor_port_changes() -> None:
    """A vendor's sending-port (SPID) changes and whether each was filed."""


@vendor_port_changes.command("list")
@click.argument("vendor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def port_changes_list(ctx: Context, vendor: str, as_json: bool) -> None:
    """List VENDOR's port changes, earliest first; an unfiled one with its risk dates."""
    import datetime as dt

    from vaudit.audits.vendor_records import port_changes_from

    found = ctx.service.vendor(vendor)
    today = ctx.service.today or dt.date.today()
    changes = [port_json(c, today) for c in port_changes_from(found.port_changes)]
    if as_json:
        echo_json(changes)
        return
    echo_table(
        [
            "#",
            "changed",
            "ports",
            "filed",
            "inquiry by",
            "throttled from",
            "suspended from",
            "note",
        ],
        [
            [
                n,
                c["changed_on"],
                f"{c['old_port']} → {c['new_port']}",
                (c["filed_on"] or "yes") if c["filed"] else "NO",
                c.get("inquiry_by"),
                c.get("throttle_from"),
                c.get("suspension_from"),
                c["note"],
            ]
            for n, c in enumerate(changes, 1)
        ],
        right=[0],
    )


@vendor_port_changes.command("add")
@click.argument("vendor")
@click.option("--on", "changed_on", required=True, metavar="DATE", help="When the port changed.")
@click.option("--old", "old_port", default="?", show_default=True, help="The port or SPID before.")
@click.option("--new", "new_port", required=True, help="The port or SPID after.")
@click.option("--filed/--unfiled", required=True, help="Whether the change was filed.")
@click.option("--filed-on", metavar="DATE", help="When it was filed (with --filed).")
@click.option("--note", help="Free note.")
@pass_context
def port_changes_add(
    ctx: Context,
    vendor: str,
    changed_on: str,
    old_port: str,
    new_port: str,
    filed: bool,
    filed_on: str | None,
    note: str | None,
) -> None:
    """Record a sending-port change of VENDOR."""
    if filed_on and not filed:
        raise click.UsageError("--filed-on goes with --filed")
    if any(ch.isspace() for ch in old_port + new_port):
        raise click.UsageError("a port or SPID has no spaces")
    status = f"filed:{filed_on.strip()}" if filed and filed_on else "filed" if filed else "unfiled"
    line = f"{changed_on.strip()} {old_port} -> {new_port} {status}"
    if note and note.strip():
        line += f" # {' '.join(note.split())}"
    updated, change = ctx.service.add_port_change(vendor, line)
    say(f"{updated.name}: port change of {change.changed_on} recorded (version {updated.version})")
    if not change.filed:
        timeline = port_json(change, ctx.service.today or _today())
        if timeline.get("throttle_from"):
            say(
                f"warning: unfiled: inquiry by {timeline['inquiry_by']}, throttling from "
                f"{timeline['throttle_from']}, suspension from {timeline['suspension_from']}",
                err=True,
            )


def _today() -> Any:
    import datetime as dt

    return dt.date.today()


@vendor_port_changes.command("remove")
@click.argument("vendor")
@click.argument("number", type=click.IntRange(min=1))
@pass_context
def port_changes_remove(ctx: Context, vendor: str, number: int) -> None:
    """Remove the change listed as NUMBER by `vaudit vendors port-changes list`."""
    updated = ctx.service.remove_port_change(vendor, number)
    say(f"{updated.name}: removed port change {number} (version {updated.version})")
