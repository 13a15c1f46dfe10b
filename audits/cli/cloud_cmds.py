"""`vaudit channel reconcile` (a vendor's statement against a run) and `vaudit channel review`
(a cloud vendor's sign and template review status as evidence)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import click

from vaudit.audits.cli.channel_cmds import channel
from vaudit.audits.cli.group import Context, pass_context
from vaudit.audits.cli.output import echo_json


@channel.command("reconcile")
@click.argument("run_id", type=int)
@click.argument("statement", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_name",
    help="Statement format: vaudit, aliyun, tencent (default: the first whose columns fit).",
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A TOML file of extra column mappings (the shape of statements.toml).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def channel_reconcile(
    ctx: Context,
    run_id: int,
    statement: Path,
    format_name: str | None,
    mapping: Path | None,
    as_json: bool,
) -> None:
    """Set a vendor's per-message statement (CSV) against a run; the billing items propose."""
    from vaudit.audits.channel.reconcile import summary_lines
    from vaudit.audits.channel.reconcile_store import reconcile_run

    stored, result = reconcile_run(
        ctx.store(), run_id, statement.expanduser(), ctx.actor, format_name, mapping
    )
    if as_json:
        echo_json(result | {"id": stored})
        return
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"reconciliation {stored} stored; the billing items propose from it")


@channel.command("review")
@click.argument("audit_id", type=int)
@click.option(
    "--profile",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="An aliyun or tencent adapter profile (TOML).",
)
@pass_context
def channel_review(ctx: Context, audit_id: int, profile: Path) -> None:
    """Read the cloud vendor's sign and template review status into evidence notes."""
    from vaudit.audits.channel import ChannelError
    from vaudit.audits.channel.adapters import load_adapter
    from vaudit.audits.channel.cloud_adapter import CloudAdapter
    from vaudit.audits.channel.cloud_review import fetch_review, review_notes

    ctx.service.audit(audit_id)
    adapter = load_adapter(profile)
    if not isinstance(adapter, CloudAdapter):
        raise ChannelError(f"{profile}: review lists need an aliyun or tencent profile")
    entries = asyncio.run(fetch_review(adapter))
    notes = review_notes(adapter, entries, dt.datetime.now(dt.UTC))
    if not notes:
        raise ChannelError("the review lists came back empty: nothing recorded")
    for item_id, note in notes.items():
        evidence = ctx.service.add_evidence_note(audit_id, item_id, note)
        click.echo(f"evidence {evidence.id} on {item_id}:")
        click.echo(note)
