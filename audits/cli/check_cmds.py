"""Checks over the whole database: the event log's integrity (`verify`) and what falls due
(`watch`)."""

from __future__ import annotations

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, say


@cli.command()
@pass_context
def verify(ctx: Context) -> None:
    """Check the event log's hash chain, and every signed-off audit against the digest taken
    at sign-off, and every stored evidence file against its SHA-256; exit 1 naming the first
    broken event, every changed answer and every evidence file whose bytes do not match."""
    report = ctx.service.verify()
    sealed = ctx.service.verify_signed_off()
    bad_blobs = ctx.service.verify_blobs()
    if report.ok:
        say(f"event log intact: {report.events} events")
    else:
        say(f"event log BROKEN at event {report.broken_at}: {report.reason}", err=True)
        say(f"({report.events} events checked before it)", err=True)
    if sealed.ok:
        line = f"signed-off audits intact: {sealed.checked} checked against their sign-off digest"
        if sealed.undigested:
            line += f" ({sealed.undigested} signed off before digests existed, not checked)"
        say(line)
    else:
        for finding in sealed.findings:
            say(f"CHANGED after sign-off: {finding}", err=True)
    for digest in bad_blobs:
        say(
            f"evidence file {digest} is stored with other bytes than its SHA-256 says "
            "(add the genuine file again to repair it)",
            err=True,
        )
    if not (report.ok and sealed.ok and not bad_blobs):
        click.get_current_context().exit(1)


@cli.command()
@click.option(
    "--within",
    "within_days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    metavar="DAYS",
    help="Show what falls due within this many days (overdue items always show).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def watch(ctx: Context, within_days: int, as_json: bool) -> None:
    """What is expired or will expire: licences and their renewal, MLPS re-evaluation,
    licence annual reports, access codes, unfiled port changes, evidence with an expiry date
    and open follow-ups; sorted by date."""
    import datetime as dt

    service = ctx.service
    today = service.today or dt.date.today()
    items = service.watch(within_days)
    if as_json:
        echo_json([item.as_json(today) for item in items])
        return
    if not items:
        say(f"nothing falls due within {within_days} days")
        return
    echo_table(
        ["due", "", "vendor", "what"],
        [
            [
                item.due.isoformat(),
                "overdue" if item.overdue(today) else "",
                item.vendor,
                item.what(ctx.lang),
            ]
            for item in items
        ],
    )
