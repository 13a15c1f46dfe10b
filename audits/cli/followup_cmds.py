"""Follow-up actions (what someone owes on an item, by when): add, list, done; and the
YYYY-MM-DD date argument that `vaudit evidence expire` (evidence_cmds.py) uses too."""

from __future__ import annotations

import datetime as dt

import click

from vaudit.audits.cli.audit_json import follow_up_json
from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, say


def date_argument(raw: str, what: str) -> dt.date:
    """A YYYY-MM-DD date from the command line, or a one-line user error."""
    from vaudit.audits.service import AuditError
    from vaudit.audits.vendor_fields import parse_date

    try:
        return parse_date(raw)
    except ValueError as exc:
        raise AuditError(f"{what}: {exc}") from None


@cli.group()
def followups() -> None:
    """Follow-up actions: what a vendor (or a person) owes on an item, and by when."""


@followups.command("add")
@click.argument("audit", type=int)
@click.argument("item")
@click.argument("what")
@click.option(
    "--by", "owed_by", required=True, help="Who owes it (the vendor's contact, a person)."
)
@click.option("--due", required=True, metavar="DATE", help="When it is due (YYYY-MM-DD).")
@pass_context
def followups_add(ctx: Context, audit: int, item: str, what: str, owed_by: str, due: str) -> None:
    """Record that WHAT is owed on ITEM of AUDIT (allowed after sign-off too)."""
    added = ctx.service.add_follow_up(audit, item, what, owed_by, date_argument(due, "--due"))
    say(f"follow-up {added.id}: {added.what} (by {added.owed_by}, due {added.due_on})")


@followups.command("list")
@click.option("--audit", type=int, help="Only this audit's follow-ups.")
@click.option("--open", "open_only", is_flag=True, help="Only those not done yet.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def followups_list(ctx: Context, audit: int | None, open_only: bool, as_json: bool) -> None:
    """List follow-ups by due date, across all audits."""
    service = ctx.service
    today = service.current_date()
    rows = service.follow_ups(audit, open_only=open_only)
    if as_json:
        echo_json([follow_up_json(f, today) for f in rows])
        return
    echo_table(
        ["id", "due", "", "audit", "item", "what", "by", "done"],
        [
            [
                f.id,
                f.due_on.isoformat(),
                "overdue" if not f.done and f.due_on < today else "",
                f.audit_id,
                f.item_id,
                f.what,
                f.owed_by,
                f"{f.done_by} {f.done_at:%Y-%m-%d}" if f.done and f.done_at else "",
            ]
            for f in rows
        ],
        right=[0, 3],
    )


@followups.command("done")
@click.argument("follow_up_id", type=int)
@click.option("--reopen", is_flag=True, help="Mark it open again instead.")
@click.option(
    "--if-version",
    "if_version",
    type=click.IntRange(min=1),
    metavar="N",
    help="Change it only if it is still at version N (as `followups list --json` showed it).",
)
@pass_context
def followups_done(ctx: Context, follow_up_id: int, reopen: bool, if_version: int | None) -> None:
    """Mark follow-up FOLLOW_UP_ID done (or, with --reopen, open again)."""
    changed = ctx.service.set_follow_up_done(
        follow_up_id, done=not reopen, expected_version=if_version
    )
    state = f"done by {changed.done_by}" if changed.done else "open"
    say(f"follow-up {changed.id} is {state}")
