"""Writing reports to files: one per audit (with its evidence beside it, if asked), or one
comparison; each file is written atomically."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from vaudit.audits.files import (
    FileExists,
    missing_folders,
    refuse_non_regular,
    remove_empty_folders,
    sync_folder,
    write_atomically,
)
from vaudit.audits.models import EvidenceKind, Vendor
from vaudit.audits.report.body import build
from vaudit.audits.report.compare import build_comparison
from vaudit.audits.report.digest import render
from vaudit.audits.report.format import (
    CHANGED_MARK,
    CHECKLIST_FOLDER,
    EVIDENCE_FOLDER,
    ReportError,
    checklist_file,
    evidence_file,
    sha256_hex,
)
from vaudit.audits.report.markdown import render_comparison_markdown
from vaudit.audits.report.renderings import RecordStamp, render_readable
from vaudit.audits.report.source import ReportSource, collect_many
from vaudit.audits.rows import row_id
from vaudit.audits.service.lookups import audit_by_id
from vaudit.audits.signing.keys import SigningKey
from vaudit.audits.signing.manifest import MANIFEST, sign_file, write_manifest
from vaudit.audits.text import Lang

if TYPE_CHECKING:
    from vaudit.audits.service import Service


@dataclass(frozen=True)
class Written:
    audit_id: int | None
    path: Path  # the first file written: the TOML record when it was asked for
    digest: str  # the content digest ([digest] value), not the file's SHA-256
    evidence_files: int = 0
    file_sha256: str = ""  # the TOML file's SHA-256, what `sha256sum` prints
    files: tuple[Path, ...] = ()  # every report and rendering written, in the formats' order
    evidence_paths: tuple[Path, ...] = ()  # evidence and checklist files beside the report
    signatures: tuple[Path, ...] = ()  # FILE.sig of each file written
    manifest: Path | None = None  # the signed SHA256SUMS of the export's folder
    changed_after_sign_off: bool = False  # exported with --allow-changed, and marked so


FORMATS = ("toml", "md", "html", "docx")
READABLE = ("md", "html", "docx")  # renderings for people, made from the record's data


def parse_formats(value: str | Sequence[str]) -> tuple[str, ...]:
    """`toml,html,docx` (or a list) as the formats asked for, each once, in the order given."""
    names = value.split(",") if isinstance(value, str) else list(value)
    chosen: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in FORMATS:
            raise ReportError(f"unknown format {name!r} (any of {', '.join(FORMATS)}, by commas)")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise ReportError(f"name at least one format ({', '.join(FORMATS)})")
    return tuple(chosen)


# A file name may hold 255 bytes (NAME_MAX on Linux, macOS and Windows). The vendor's part is
# cut to this many bytes of UTF-8 (60 Chinese characters), leaving room for the audit and
# revision, a suffix and the temporary name (`.NAME.xxxxxxxx.part`) the atomic write uses.
VENDOR_NAME_BYTES = 180


def report_name(vendor_name: str, audit_id: int, revision: int) -> str:
    """`<vendor>-audit<id>-r<revision>`: readable, unique by the audit's id, and short enough
    in bytes for any file system however long the vendor's name."""
    safe = re.sub(r"[^\w.-]+", "_", vendor_name, flags=re.UNICODE).strip("._") or "vendor"
    cut = safe.encode("utf-8")[:VENDOR_NAME_BYTES].decode("utf-8", errors="ignore")
    return f"{cut.rstrip('._') or 'vendor'}-audit{audit_id}-r{revision}"


def targets_for(names: Mapping[int, str], output: str | Path | None, suffix: str) -> list[Path]:
    """One file per audit: OUTPUT itself for one audit, else OUTPUT as a folder (as it is
    when it exists as one, or is written with a trailing slash)."""
    as_folder = output is not None and (
        len(names) > 1 or Path(output).is_dir() or str(output).endswith(("/", os.sep))
    )
    if output is not None and not as_folder:
        return [Path(output)]
    folder = Path(output) if output is not None else Path(".")
    return [folder / f"{stem}.{suffix}" for stem in names.values()]


def _side_by_side(target: Path, formats: Sequence[str]) -> dict[str, Path]:
    """One audit's files, one per format, named alike: a.toml, a.html, a.docx. A target named
    by the user with one of the formats' suffixes keeps its stem."""
    stem = target.name
    for fmt in FORMATS:
        if stem.endswith(f".{fmt}"):
            stem = stem[: -len(fmt) - 1]
            break
    if len(formats) == 1 and stem == target.name:
        return {formats[0]: target}  # one format, a name without a known suffix: as given
    return {fmt: target.with_name(f"{stem}.{fmt}") for fmt in (*formats, "toml")}


def export_audits(
    service: Service,
    audit_refs: Sequence[int | str],
    output: str | Path | None,
    *,
    fmt: str | Sequence[str] = "toml",
    with_evidence: bool = False,
    force: bool = False,
    allow_changed: bool = False,
    lang: Lang = "en",
    generated_at: dt.datetime | None = None,
    progress: Callable[[int, int, Written], None] | None = None,
    signer: SigningKey | None = None,
) -> list[Written]:
    """Export each audit to its own file; the first problem stops the run (files already
    written stay, each one complete).

    A signed-off audit is checked first against its sign-off digest and its events in the
    chain: one that changed after sign-off is refused, or with `allow_changed` exported with
    `audit.changed_after_sign_off` naming what changed."""
    formats = parse_formats(fmt)
    if not audit_refs:
        raise ReportError("name at least one audit")
    # Every audit is looked up before anything is written: a wrong id writes nothing.
    names = _report_names(service, audit_refs)
    targets = targets_for(names, output, formats[0])
    per_audit = [_side_by_side(target, formats) for target in targets]
    every = [path for files in per_audit for fmt_, path in files.items() if fmt_ in formats]
    if len(set(every)) != len(every):
        raise ReportError("two audits would be written to the same file; name each once")
    changed = service.changes_after_sign_off(list(names))
    if changed and not allow_changed:
        raise ReportError(_changed_message(changed))
    for target in targets:  # a device or FIFO named as the report: refused before writing
        refuse_non_regular(target)
    # Folders this export creates are removed again if it fails before filling them.
    created = missing_folders(targets[0].parent)
    if with_evidence:
        evidence_folder = targets[0].parent / EVIDENCE_FOLDER
        created = [*missing_folders(evidence_folder / CHECKLIST_FOLDER), *created]
    _prepare_folder(targets[0].parent)
    when = generated_at or dt.datetime.now(dt.UTC)
    written: list[Written] = []
    try:
        sources = collect_many(service, list(names))
        try:
            for n, (source, files) in enumerate(zip(sources, per_audit, strict=True), start=1):
                problems = changed.get(source.view.audit.id) if source.view.audit.id else None
                done = _export_one(
                    service, source, files, formats, with_evidence, force, lang, when, problems
                )
                if signer is not None:
                    done = replace(done, signatures=_sign_each(signer, done.files, force))
                written.append(done)
                if progress is not None:
                    progress(n, len(targets), done)
            if signer is not None:
                manifest = _sign_manifest(signer, targets[0].parent, written, force)
                written = [replace(done, manifest=manifest) for done in written]
        except (ReportError, FileExists, OSError) as exc:
            if not written:
                raise
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ReportError(
                f"{reason}\nstopped after {len(written)} of {len(targets)} report(s); "
                "these were written, each complete:\n"
                + "\n".join(f"{done.path}  sha256 {done.digest}" for done in written)
            ) from None
    except BaseException:
        remove_empty_folders(created)
        raise
    finally:
        # The files are on disk already; their names are once the folder is synced (once).
        for folder_path in {t.parent for t in targets}:
            sync_folder(folder_path)
    return written


def _changed_message(changed: Mapping[int, list[str]]) -> str:
    lines = [
        f"audit {audit_id} no longer holds what was signed off: " + "; ".join(problems)
        for audit_id, problems in sorted(changed.items())
    ]
    return (
        "\n".join(lines) + "\nnothing exported: a report must not vouch for a sign-off that "
        "no longer holds (`vaudit verify` checks the whole database; --allow-changed exports "
        "it marked as changed after sign-off)"
    )


def _export_one(
    service: Service,
    source: ReportSource,
    files: Mapping[str, Path],
    formats: Sequence[str],
    with_evidence: bool,
    force: bool,
    lang: Lang,
    when: dt.datetime,
    changed_problems: list[str] | None = None,
) -> Written:
    folder = EVIDENCE_FOLDER if with_evidence else None
    body = build(source, generated_at=when, generated_by=service.actor, evidence_folder=folder)
    if changed_problems:
        body["audit"][CHANGED_MARK] = changed_problems
    text, digest = render(body)
    record = text.encode("utf-8")
    record_name = files.get("toml", next(iter(files.values()))).name
    evidence: list[Path] = []
    copied = 0
    target = next(iter(files.values()))
    if with_evidence:
        copied, evidence = _write_evidence(service, source, target.parent / EVIDENCE_FOLDER, force)
    stamp = RecordStamp(record_name, sha256_hex(record), digest)
    paths = []
    for fmt in formats:
        path = files[fmt]
        content = record if fmt == "toml" else render_readable(fmt, body, stamp, lang)
        try:
            write_atomically(path, content, overwrite=force, sync_dir=False)
        except OSError as exc:
            raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None
        paths.append(path)
    return Written(
        source.view.audit.id,
        paths[0],
        digest,
        copied,
        stamp.file_sha256,
        tuple(paths),
        evidence_paths=tuple(evidence),
        changed_after_sign_off=bool(changed_problems),
    )


def _sign_each(signer: SigningKey, files: Sequence[Path], force: bool) -> tuple[Path, ...]:
    try:
        return tuple(sign_file(signer, path, force=force) for path in files)
    except OSError as exc:
        raise ReportError(f"cannot write a signature: {exc.strerror or exc}") from None


def _sign_manifest(
    signer: SigningKey, folder: Path, written: Sequence[Written], force: bool
) -> Path:
    """SHA256SUMS of everything this export wrote (or found in place), and its signature."""
    listed = {p for done in written for p in (*done.files, *done.evidence_paths)}
    try:
        return write_manifest(signer, folder, sorted(listed), force=force)
    except OSError as exc:
        raise ReportError(f"cannot write {MANIFEST}: {exc.strerror or exc}") from None


def _report_names(service: Service, audit_refs: Sequence[int | str]) -> dict[int, str]:
    """Audit id -> the report's file stem, in the order given; NotFound for a wrong id."""
    names: dict[int, str] = {}
    with service.store.read() as session:
        for ref in audit_refs:
            audit = audit_by_id(session, ref)
            vendor = session.get(Vendor, audit.vendor_id)
            assert audit.id is not None and vendor is not None
            names[audit.id] = report_name(vendor.name, audit.id, audit.revision)
    return names


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder")


def _write_evidence(
    service: Service, source: ReportSource, folder: Path, force: bool
) -> tuple[int, list[Path]]:
    """Evidence files and checklist snapshots beside the report, named by hash. A file already
    there with the right content is kept; one with other content is an error (unless force).
    How many evidence files were written, and every file the report's folder now needs."""
    (folder / CHECKLIST_FOLDER).mkdir(parents=True, exist_ok=True)
    written = 0
    present: list[Path] = []
    for rows in source.view.evidence.values():
        for evidence in rows:
            if evidence.kind != EvidenceKind.FILE or not evidence.sha256:
                continue
            target = folder.parent / evidence_file(folder.name, evidence.sha256, evidence.name)
            present.append(target)
            if _holds(target, evidence.sha256) and not force:
                continue
            _, content = service.evidence_content(row_id(evidence))
            _write_hashed(target, content, force)
            written += 1
    for snapshot in source.view.snapshots:
        target = folder.parent / checklist_file(folder.name, snapshot.sha256)
        present.append(target)
        if not _holds(target, snapshot.sha256):
            _write_hashed(target, snapshot.text.encode("utf-8"), force)
    return written, present


def _holds(path: Path, sha256: str) -> bool:
    return path.is_file() and sha256_hex(path.read_bytes()) == sha256


def _write_hashed(target: Path, content: bytes, force: bool) -> None:
    if target.exists() and not force:
        raise ReportError(
            f"{target} exists with other content than its name says; move it away or use --force"
        )
    write_atomically(target, content, overwrite=True)


def export_comparison(
    service: Service,
    audit_refs: Sequence[int | str],
    output: Path,
    *,
    fmt: str = "toml",
    force: bool = False,
    lang: Lang = "en",
    generated_at: dt.datetime | None = None,
) -> Written:
    if fmt not in ("toml", "md"):
        raise ReportError(f"unknown format {fmt!r} (toml or md)")
    sources = list(collect_many(service, list(_report_names(service, audit_refs))))
    when = generated_at or dt.datetime.now(dt.UTC)
    body = build_comparison(sources, generated_at=when, generated_by=service.actor)
    text, digest = render(body)
    content = text if fmt == "toml" else render_comparison_markdown(body, digest, lang)
    if output.is_dir():
        raise ReportError(f"{output} is a folder; give the comparison's file name")
    _prepare_folder(output.parent)
    try:
        write_atomically(output, content.encode("utf-8"), overwrite=force)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from None
    return Written(None, output, digest)
