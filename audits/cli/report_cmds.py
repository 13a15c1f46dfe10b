"""`vaudit export` and `vaudit report verify|import`: the scored TOML record and its checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import say


@cli.command()
@click.argument("audits", nargs=-1, required=True, metavar="AUDIT...")
@click.option(
    "-o",
    "--output",
    type=click.Path(),  # kept as text: a trailing / means a folder
    help="File (one audit) or folder (several; a trailing / makes one). Default: here.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["toml", "md"]),
    default="toml",
    show_default=True,
    help="toml is the record; md a readable rendering of the same content.",
)
@click.option(
    "--with-evidence",
    is_flag=True,
    help="Also write the evidence files (and checklists) into evidence/ beside the report.",
)
@click.option("--compare", is_flag=True, help="One comparison report of the audits given.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option(
    "--allow-changed",
    is_flag=True,
    help="Export a signed-off audit that changed after sign-off, marked as such (refused "
    "otherwise).",
)
@pass_context
def export(
    ctx: Context,
    audits: tuple[str, ...],
    output: str | None,
    fmt: str,
    with_evidence: bool,
    compare: bool,
    force: bool,
    allow_changed: bool,
) -> None:
    """Export a scored report of each AUDIT (or, with --compare, one comparison)."""
    from vaudit.audits.report import export_audits, export_comparison

    if compare:
        if output is None:
            raise click.UsageError("--compare needs -o FILE")
        if with_evidence:
            raise click.UsageError("--with-evidence goes with the audits' own reports")
        done = export_comparison(
            ctx.service, list(audits), Path(output), fmt=fmt, force=force, lang=ctx.lang
        )
        say(f"wrote {done.path}  sha256 {done.digest}")
        return
    show_progress = len(audits) > 1 and sys.stderr.isatty()

    def progress(n: int, total: int, written: object) -> None:
        if show_progress:
            click.echo(f"\r{n}/{total} exported", nl=n == total, err=True)

    results = export_audits(
        ctx.service,
        list(audits),
        output,
        fmt=fmt,
        with_evidence=with_evidence,
        force=force,
        allow_changed=allow_changed,
        lang=ctx.lang,
        progress=progress,
    )
    for done in results:
        extra = f"  ({done.evidence_files} evidence file(s) written)" if with_evidence else ""
        say(f"wrote {done.path}  sha256 {done.digest}{extra}")
        if done.changed_after_sign_off:
            say(
                f"warning: audit {done.audit_id} changed after sign-off; {done.path.name} says so",
                err=True,
            )


@cli.group()
def report() -> None:
    """Check and import exported reports."""


@report.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_context
def report_verify(ctx: Context, files: tuple[Path, ...]) -> None:
    """Check each report's digest and the evidence files beside it; exit 0 only if all hold."""
    from vaudit.audits.report import verify_file

    failed = False
    for path in files:
        check = verify_file(path)
        if check.ok:
            evidence = (
                f", {check.evidence_checked} evidence file(s) match"
                if check.evidence_checked
                else ""
            )
            say(f"{path}: intact (sha256 {check.digest}){evidence}")
        else:
            failed = True
            say(f"{path}: NOT intact", err=True)
            for problem in check.problems:
                say(f"  {problem}", err=True)
        for note in check.notes:
            say(f"  note: {note}")
    if failed:
        click.get_current_context().exit(1)


@report.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Import a changed report anyway, marked as such.")
@pass_context
def report_import(ctx: Context, file: Path, force: bool) -> None:
    """Restore the audit in FILE (with its vendor, selection, checklists and evidence)."""
    from vaudit.audits.report import import_report

    done = import_report(ctx.service, file, force=force)
    if done.already:
        say(f"audit {done.audit_id} is already here: nothing imported")
    else:
        say(f"imported as audit {done.audit_id}")
    for note in done.notes:
        say(f"  note: {note}")
