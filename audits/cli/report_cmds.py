"""`vaudit export` and `vaudit report verify|import`: the scored TOML record and its checks."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.key_cmds import OWN_KEY
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
    default="toml",
    show_default=True,
    metavar="FORMATS",
    help="Any of toml,html,docx,md, by commas, written side by side: toml is the record; "
    "html (prints to PDF), docx (Word) and md are readable renderings naming it.",
)
@click.option(
    "--sign",
    "sign_key",
    is_flag=False,
    flag_value=OWN_KEY,
    default=None,
    metavar="[KEY]",
    help="Sign every file written (FILE.sig, OpenSSH SSHSIG) and a SHA256SUMS manifest, with "
    "an OpenSSH Ed25519 private key file, or without KEY the one `vaudit key create` made.",
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
    sign_key: str | None,
) -> None:
    """Export a scored report of each AUDIT (or, with --compare, one comparison)."""
    from vaudit.audits.cli.key_cmds import load_key
    from vaudit.audits.report import export_audits, export_comparison, parse_formats

    formats = parse_formats(fmt)
    if compare:
        if len(formats) > 1:
            raise click.UsageError("--compare writes one format at a time")
        fmt = formats[0]
        if output is None:
            raise click.UsageError("--compare needs -o FILE")
        if with_evidence:
            raise click.UsageError("--with-evidence goes with the audits' own reports")
        done = export_comparison(
            ctx.service, list(audits), Path(output), fmt=fmt, force=force, lang=ctx.lang
        )
        say(f"wrote {done.path}  content digest {done.digest}")
        return
    # The key is loaded (and its passphrase asked for) before anything is written.
    signer = None if sign_key is None else load_key(None if sign_key == OWN_KEY else sign_key)
    show_progress = len(audits) > 1 and sys.stderr.isatty()

    def progress(n: int, total: int, written: object) -> None:
        if show_progress:
            click.echo(f"\r{n}/{total} exported", nl=n == total, err=True)

    results = export_audits(
        ctx.service,
        list(audits),
        output,
        fmt=formats,
        with_evidence=with_evidence,
        force=force,
        allow_changed=allow_changed,
        lang=ctx.lang,
        progress=progress,
        signer=signer,
    )
    for done in results:
        extra = f"  ({done.evidence_files} evidence file(s) written)" if with_evidence else ""
        for path in done.files:
            say(f"wrote {path}")
        say(f"  record file sha256 {done.file_sha256}")
        say(f"  content digest     {done.digest}{extra}")
        if done.changed_after_sign_off:
            say(
                f"warning: audit {done.audit_id} changed after sign-off; {done.path.name} says so",
                err=True,
            )
    if signer is not None and results and results[0].manifest is not None:
        say(
            f"signed {sum(len(d.signatures) for d in results)} file(s) and "
            f"{results[0].manifest} with {signer.fingerprint}"
        )


@cli.group()
def report() -> None:
    """Check and import exported reports."""


@report.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--allowed-signers",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Also check each FILE.sig against this OpenSSH allowed_signers file, and say who "
    "signed. Any file can be checked this way (HTML, Word, SHA256SUMS); a report's digest too.",
)
@pass_context
def report_verify(ctx: Context, files: tuple[Path, ...], allowed_signers: Path | None) -> None:
    """Check each report's digest and the evidence files beside it; exit 0 only if all hold."""
    from vaudit.audits.report import verify_file

    failed = False
    for path in files:
        if allowed_signers is not None:
            failed |= not _signature_holds(path, allowed_signers)
            if not path.name.endswith(".toml"):
                continue  # a rendering or manifest: its signature is all there is to check
        check = verify_file(path)
        if check.ok:
            evidence = (
                f", {check.evidence_checked} evidence file(s) match"
                if check.evidence_checked
                else ""
            )
            say(f"{path}: intact (content digest {check.digest}){evidence}")
        else:
            failed = True
            say(f"{path}: NOT intact", err=True)
            for problem in check.problems:
                say(f"  {problem}", err=True)
        for note in check.notes:
            say(f"  note: {note}")
        if check.data is not None and allowed_signers is not None:
            say(f"  {_when(check.data)}")
    if failed:
        click.get_current_context().exit(1)


def _signature_holds(path: Path, allowed_signers: Path) -> bool:
    from vaudit.audits.signing import SignatureError
    from vaudit.audits.signing.check import check_signature

    try:
        found = check_signature(path, allowed_signers)
    except SignatureError as exc:
        click.echo(f"{path}: signature NOT good: {exc}", err=True)
        return False
    click.echo(
        f"{path}: good signature by {', '.join(found.signers)} (ED25519 key {found.fingerprint})"
    )
    return True


def _when(data: dict[str, object]) -> str:
    """When the report says it was exported and signed off (an SSH signature holds no time)."""
    header = data.get("header")
    audit = data.get("audit")
    parts = []
    if isinstance(header, dict):
        parts.append(f"exported {header.get('generated_at')} by {header.get('generated_by')}")
    if isinstance(audit, dict) and audit.get("signed_off_at"):
        parts.append(f"signed off {audit['signed_off_at']} by {audit.get('signed_off_by')}")
    elif isinstance(audit, dict):
        parts.append("not signed off")
    return "; ".join(parts)


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
