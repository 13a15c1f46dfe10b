"""Evidence: attach files, URLs and notes to an item, list them, set an expiry date, and write
a stored file back out."""

from __future__ import annotations

import os
from pathlib import Path

import click

from vaudit.audits.cli.audit_json import evidence_json
from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, say
from vaudit.audits.files import write_atomically


@cli.group()
def evidence() -> None:
    """Evidence: files (stored by SHA-256), URLs and notes."""


@evidence.command("add")
@click.argument("audit", type=int)
@click.argument("item")
@click.argument("file_or_url")
@click.option("--note", help="A note to go with a URL.")
@pass_context
def evidence_add(ctx: Context, audit: int, item: str, file_or_url: str, note: str | None) -> None:
    """Attach a file or a URL to ITEM of AUDIT."""
    if file_or_url.startswith(("http://", "https://")):
        added = ctx.service.add_evidence_url(audit, item, file_or_url, note)
        say(f"evidence {added.id}: {added.url}")
        if added.url != file_or_url.strip():
            say("  note: the user name and password in the address were not stored")
        return
    added = ctx.service.add_evidence_file(audit, item, Path(file_or_url))
    say(f"evidence {added.id}: {added.name} ({added.size:,} bytes, sha256 {added.sha256})")


@evidence.command("note")
@click.argument("audit", type=int)
@click.argument("item")
@click.argument("text")
@pass_context
def evidence_note(ctx: Context, audit: int, item: str, text: str) -> None:
    """Attach a written note to ITEM of AUDIT as evidence."""
    added = ctx.service.add_evidence_note(audit, item, text)
    say(f"evidence {added.id}: note")


@evidence.command("list")
@click.argument("audit", type=int)
@click.argument("item", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def evidence_list(ctx: Context, audit: int, item: str | None, as_json: bool) -> None:
    """List the evidence of AUDIT (or of one ITEM)."""
    rows = ctx.service.evidence_list(audit, item)
    if as_json:
        echo_json([evidence_json(e) for e in rows])
        return
    echo_table(
        ["id", "item", "kind", "name", "size", "expires", "sha256 / url"],
        [
            [
                e.id,
                e.item_id,
                e.kind,
                e.name,
                f"{e.size:,}" if e.size else "",
                e.expires_on.isoformat() if e.expires_on else "",
                e.sha256 or e.url or "",
            ]
            for e in rows
        ],
        right=[0, 4],
    )


@evidence.command("expire")
@click.argument("evidence_id", type=int)
@click.argument("date", required=False)
@click.option("--clear", is_flag=True, help="Remove the expiry date instead.")
@pass_context
def evidence_expire(ctx: Context, evidence_id: int, date: str | None, clear: bool) -> None:
    """Record the DATE evidence EVIDENCE_ID stops being valid (a certificate's end, say)."""
    from vaudit.audits.cli.followup_cmds import date_argument
    from vaudit.audits.service import AuditError

    if clear == (date is not None):
        raise AuditError("give either a DATE (YYYY-MM-DD) or --clear")
    expires_on = None if clear else date_argument(date or "", "DATE")
    changed = ctx.service.set_evidence_expiry(evidence_id, expires_on)
    when = f"expires {changed.expires_on}" if changed.expires_on else "has no expiry date"
    say(f"evidence {changed.id} ({changed.name}) {when}")


@evidence.command("get")
@click.argument("evidence_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True),
    help="File or folder to write to; a trailing / makes a folder (default: its name, here).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_context
def evidence_get(ctx: Context, evidence_id: int, output: str | None, force: bool) -> None:
    """Write an evidence file back out, checked against its SHA-256."""
    row, content = ctx.service.evidence_content(evidence_id)
    target = Path(output) if output else Path(Path(row.name).name)
    if output and output.endswith(("/", os.sep)):
        target.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        target = target / Path(row.name).name
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    write_atomically(target, content)
    say(f"wrote {target} ({len(content):,} bytes, sha256 {row.sha256})")
