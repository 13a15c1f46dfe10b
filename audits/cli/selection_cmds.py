"""`vaudit selections …`: selection rounds, their candidates' stages and the funnel."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, fields, say
from vaudit.audits.scenario import COVERAGES, INDUSTRIES, MESSAGE_KINDS

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
    from vaudit.audits.scenario import Scenario

    try:
        scenario = Scenario(
            industry=industry, coverage=coverage, message_kinds=_kinds(kinds), monthly_volume=volume
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--kinds") from None
    selection = ctx.service.add_selection(name, scenario, notes)
    say(f"added selection {selection.id}: {selection.name}")


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
                "override": c.override_note,
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
    from vaudit.audits.models import Stage
    from vaudit.audits.rows import row_id

    rows = [(s, ctx.service.candidates(row_id(s))) for s in ctx.service.selections()]
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
    from vaudit.audits.rows import row_id  # sqlalchemy: not loaded for --help

    found = ctx.service.selection(selection)
    candidates = ctx.service.candidates(row_id(found))
    funnel = ctx.service.funnel(row_id(found))
    if as_json:
        echo_json({**selection_json(found, candidates), "funnel": funnel_json(funnel)})
        return
    kinds = ", ".join(MESSAGE_KINDS[k](ctx.lang) for k in json.loads(found.message_kinds))
    say(
        fields(
            [
                ("id", found.id),
                ("name", found.name),
                ("industry", INDUSTRIES[found.industry](ctx.lang)),
                ("coverage", COVERAGES[found.coverage](ctx.lang)),
                ("message kinds", kinds),
                ("monthly volume", f"{found.monthly_volume:,}" if found.monthly_volume else ""),
                ("notes", found.notes),
                ("funnel", funnel_line(funnel)),
                ("primary", funnel.primary or "(not named)"),
                ("backup", funnel.backup or "(not named)"),
            ]
        )
    )
    say()
    echo_table(
        ["vendor", "stage", "reason", "override", "changed", "by"],
        [
            [
                v.name,
                c.stage,
                c.reason,
                c.override_note or "",
                f"{c.stage_changed_at:%Y-%m-%d %H:%M}",
                c.stage_changed_by,
            ]
            for c, v in candidates
        ],
    )
    for vendor_name, note in funnel.overrides:
        say(f"override: {vendor_name} is disqualified and was moved on: {note}")


def funnel_line(funnel: Any) -> str:
    """screening 8/30 → technical test 3/5 → finalists 2/2."""
    names = {"screening": "screening", "technical_test": "technical test", "finalist": "finalists"}
    return " → ".join(
        f"{names[step]} {funnel.reached[step]}/{funnel.targets[step]}" for step in names
    )


def funnel_json(funnel: Any) -> dict[str, Any]:
    return {
        "reached": funnel.reached,
        "targets": funnel.targets,
        "primary": funnel.primary,
        "backup": funnel.backup,
        "overrides": [{"vendor": v, "note": n} for v, n in funnel.overrides],
    }


@selections.command("stage")
@click.argument("selection")
@click.argument("vendor")
@click.argument(
    "stage",
    type=click.Choice(["screening", "technical_test", "negotiation", "finalist", "rejected"]),
)
@click.option("--reason", help="Why (required for rejected).")
@click.option(
    "--override",
    "override",
    metavar="NOTE",
    help="Why a disqualified vendor goes past screening anyway (required for one; recorded).",
)
@pass_context
def selections_stage(
    ctx: Context,
    selection: str,
    vendor: str,
    stage: str,
    reason: str | None,
    override: str | None,
) -> None:
    """Move VENDOR to STAGE of the three-step decision in SELECTION."""
    moved = ctx.service.move_stage(selection, vendor, stage, reason, override)
    say(
        f"{vendor}: {stage}"
        + (f" ({reason})" if reason else "")
        + (f" [override: {moved.override_note}]" if moved.override_note else "")
    )


@selections.command("targets")
@click.argument("selection")
@click.option("--screening", type=click.IntRange(min=1), help="Vendors to screen (default 30).")
@click.option("--technical-test", type=click.IntRange(min=1), help="Vendors to test (default 5).")
@click.option("--finalists", type=click.IntRange(min=1), help="Finalists (default 2).")
@pass_context
def selections_targets(
    ctx: Context,
    selection: str,
    screening: int | None,
    technical_test: int | None,
    finalists: int | None,
) -> None:
    """Set SELECTION's funnel targets (those given; the others stay)."""
    given = {"screening": screening, "technical_test": technical_test, "finalist": finalists}
    ctx.service.set_funnel_targets(selection, {k: v for k, v in given.items() if v is not None})
    say(funnel_line(ctx.service.funnel(selection)))


@selections.command("finalists")
@click.argument("selection")
@click.argument("primary")
@click.argument("backup", required=False)
@pass_context
def selections_finalists(ctx: Context, selection: str, primary: str, backup: str | None) -> None:
    """Name SELECTION's PRIMARY finalist and its BACKUP (both at the finalist stage)."""
    ctx.service.name_finalists(selection, primary, backup)
    funnel = ctx.service.funnel(selection)
    say(f"primary: {funnel.primary}; backup: {funnel.backup or '(not named)'}")


@selections.command("add-candidate")
@click.argument("selection")
@click.argument("vendor")
@pass_context
def selections_add_candidate(ctx: Context, selection: str, vendor: str) -> None:
    """Add VENDOR to SELECTION at the screening stage."""
    ctx.service.add_candidate(selection, vendor)
    say(f"{vendor} added to {selection} at screening")


@selections.command("remove-candidate")
@click.argument("selection")
@click.argument("vendor")
@pass_context
def selections_remove_candidate(ctx: Context, selection: str, vendor: str) -> None:
    """Remove VENDOR from SELECTION (only while it has no audits there)."""
    ctx.service.remove_candidate(selection, vendor)
    say(f"{vendor} removed from {selection}")
