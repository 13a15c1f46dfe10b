"""`vaudit vendors …` and `vaudit selections …`."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from audits.cli import Context, cli, pass_context
from audits.cli.output import echo_json, echo_table, fields
from audits.scenario import COVERAGES, INDUSTRIES, MESSAGE_KINDS
from audits.vendor_fields import VENDOR_FIELDS, display_capital

# Option names for vendor fields; the model's own names where they read well.
OPTION_NAMES = {"registered_capital_yuan": "capital"}


def _option(name: str) -> str:
    return "--" + OPTION_NAMES.get(name, name).replace("_", "-")


def vendor_options(func: Any) -> Any:
    for spec in reversed(VENDOR_FIELDS):
        if spec.name == "name":
            continue
        hint = " e.g. 1000万 or 10000000" if spec.name == "registered_capital_yuan" else ""
        func = click.option(
            _option(spec.name), spec.name, metavar="TEXT", help=f"{spec.label.en}.{hint}"
        )(func)
    return func


def vendor_json(vendor: Any) -> dict[str, Any]:
    data = {spec.name: getattr(vendor, spec.name) for spec in VENDOR_FIELDS}
    data["access_codes"] = json.loads(vendor.access_codes)
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            data[key] = value.isoformat()
    return {"id": vendor.id, "uid": vendor.uid, "version": vendor.version, **data}


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
def vendors_add(ctx: Context, name: str, **values: str | None) -> None:
    """Add a vendor named NAME with the facts given as options."""
    given = {k: v for k, v in values.items() if v is not None}
    vendor = ctx.service.add_vendor({"name": name, **given})
    click.echo(f"added vendor {vendor.id}: {vendor.name}")
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
def vendors_edit(ctx: Context, vendor: str, if_version: int | None, **values: str | None) -> None:
    """Change facts of VENDOR (id or name); an empty value clears a fact."""
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    updated = ctx.service.edit_vendor(vendor, given, expected_version=if_version)
    click.echo(f"vendor {updated.id} ({updated.name}) is at version {updated.version}")
    _warn(ctx, given)


def _warn(ctx: Context, given: dict[str, str]) -> None:
    """Saved, but worth a look: what the regulatory checks say about the facts just given."""
    from audits.vendor_fields import field_warnings

    for name, text in given.items():
        for message in field_warnings(
            name, text.strip().upper() if name == "credit_code" else text
        ):
            click.echo(f"warning: {name}: {message(ctx.lang)}", err=True)


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
    data["access_codes"] = " ".join(data["access_codes"])
    data["registered_capital_yuan"] = display_capital(found.registered_capital_yuan)
    pairs = [("id", found.id)] + [(spec.label(ctx.lang), data[spec.name]) for spec in VENDOR_FIELDS]
    click.echo(fields([*pairs, ("version", found.version)]))


# ---------------------------------------------------------------------- selections


@cli.group()
def selections() -> None:
    """Selections (procurement rounds) and their candidates' stages."""


def _kinds(text: str) -> frozenset[str]:
    return frozenset(k.strip() for k in text.replace("，", ",").split(",") if k.strip())


@selections.command("add")
@click.argument("name")
@click.option(
    "--industry", type=click.Choice(list(INDUSTRIES)), default="general", show_default=True
)
@click.option(
    "--coverage", type=click.Choice(list(COVERAGES)), default="national", show_default=True
)
@click.option(
    "--kinds",
    default="verification,notification",
    show_default=True,
    help=f"Message kinds, comma-separated: {', '.join(MESSAGE_KINDS)}.",
)
@click.option("--volume", type=click.IntRange(min=0), help="Expected messages per month.")
@click.option("--notes", help="Free notes.")
@pass_context
def selections_add(
    ctx: Context,
    name: str,
    industry: str,
    coverage: str,
    kinds: str,
    volume: int | None,
    notes: str | None,
) -> None:
    """Start a selection NAME with the enterprise's scenario."""
    from audits.scenario import Scenario

    try:
        scenario = Scenario(
            industry=industry, coverage=coverage, message_kinds=_kinds(kinds), monthly_volume=volume
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--kinds") from None
    selection = ctx.service.add_selection(name, scenario, notes)
    click.echo(f"added selection {selection.id}: {selection.name}")


def selection_json(selection: Any, candidates: list[Any] | None = None) -> dict[str, Any]:
    data = {
        "id": selection.id,
        "uid": selection.uid,
        "name": selection.name,
        "industry": selection.industry,
        "coverage": selection.coverage,
        "message_kinds": json.loads(selection.message_kinds),
        "monthly_volume": selection.monthly_volume,
        "notes": selection.notes,
    }
    if candidates is not None:
        data["candidates"] = [
            {
                "vendor_id": v.id,
                "vendor": v.name,
                "stage": c.stage,
                "reason": c.reason,
                "changed_at": c.stage_changed_at.isoformat(),
                "changed_by": c.stage_changed_by,
            }
            for c, v in candidates
        ]
    return data


@selections.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def selections_list(ctx: Context, as_json: bool) -> None:
    """List selections with their funnel (candidates per stage)."""
    from audits.models import Stage

    rows = [(s, ctx.service.candidates(s.id)) for s in ctx.service.selections()]
    if as_json:
        echo_json([selection_json(s, c) for s, c in rows])
        return
    stages = list(Stage)
    echo_table(
        ["id", "name", "industry", "coverage", *[s.value for s in stages]],
        [
            [
                s.id,
                s.name,
                INDUSTRIES[s.industry](ctx.lang),
                COVERAGES[s.coverage](ctx.lang),
                *[Counter(c.stage for c, _ in cands)[stage] for stage in stages],
            ]
            for s, cands in rows
        ],
        right=[0, 4, 5, 6, 7, 8],
    )


@selections.command("show")
@click.argument("selection")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def selections_show(ctx: Context, selection: str, as_json: bool) -> None:
    """Show a selection's scenario and candidates."""
    found = ctx.service.selection(selection)
    candidates = ctx.service.candidates(found.id)  # type: ignore[arg-type]
    if as_json:
        echo_json(selection_json(found, candidates))
        return
    kinds = ", ".join(MESSAGE_KINDS[k](ctx.lang) for k in json.loads(found.message_kinds))
    click.echo(
        fields(
            [
                ("id", found.id),
                ("name", found.name),
                ("industry", INDUSTRIES[found.industry](ctx.lang)),
                ("coverage", COVERAGES[found.coverage](ctx.lang)),
                ("message kinds", kinds),
                ("monthly volume", f"{found.monthly_volume:,}" if found.monthly_volume else ""),
                ("notes", found.notes),
            ]
        )
    )
    click.echo()
    echo_table(
        ["vendor", "stage", "reason", "changed", "by"],
        [
            [v.name, c.stage, c.reason, f"{c.stage_changed_at:%Y-%m-%d %H:%M}", c.stage_changed_by]
            for c, v in candidates
        ],
    )


@selections.command("stage")
@click.argument("selection")
@click.argument("vendor")
@click.argument(
    "stage",
    type=click.Choice(["screening", "technical_test", "negotiation", "finalist", "rejected"]),
)
@click.option("--reason", help="Why (required for rejected).")
@pass_context
def selections_stage(
    ctx: Context, selection: str, vendor: str, stage: str, reason: str | None
) -> None:
    """Move VENDOR to STAGE of the three-step decision in SELECTION."""
    ctx.service.move_stage(selection, vendor, stage, reason)
    click.echo(f"{vendor}: {stage}" + (f" ({reason})" if reason else ""))


@selections.command("add-candidate")
@click.argument("selection")
@click.argument("vendor")
@pass_context
def selections_add_candidate(ctx: Context, selection: str, vendor: str) -> None:
    """Add VENDOR to SELECTION at the screening stage."""
    ctx.service.add_candidate(selection, vendor)
    click.echo(f"{vendor} added to {selection} at screening")


@selections.command("remove-candidate")
@click.argument("selection")
@click.argument("vendor")
@pass_context
def selections_remove_candidate(ctx: Context, selection: str, vendor: str) -> None:
    """Remove VENDOR from SELECTION (only while it has no audits there)."""
    ctx.service.remove_candidate(selection, vendor)
    click.echo(f"{vendor} removed from {selection}")
