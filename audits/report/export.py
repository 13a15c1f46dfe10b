"""Writing reports to files: one per audit (with its evidence beside it, if asked), or one
comparison; each file is written atomically."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaudit.audits.files import sync_folder, write_atomically
from vaudit.audits.models import EvidenceKind, Vendor
from vaudit.audits.report.body import build
from vaudit.audits.report.compare import build_comparison
from vaudit.audits.report.digest import render
from vaudit.audits.report.format import (
    CHECKLIST_FOLDER,
    EVIDENCE_FOLDER,
    ReportError,
    checklist_file,
    evidence_file,
    sha256_hex,
)
from vaudit.audits.report.markdown import render_comparison_markdown, render_markdown
from vaudit.audits.report.source import ReportSource, collect_many
from vaudit.audits.rows import row_id
from vaudit.audits.service.lookups import audit_by_id
from vaudit.audits.text import Lang

if TYPE_CHECKING:
    from vaudit.audits.service import Service


# Report files handed to the writer thread and not yet known to be written.
WRITES_AHEAD = 2


@dataclass(frozen=True)
class Written:
    audit_id: int | None
    path: Path
    digest: str
    evidence_files: int = 0


def report_name(vendor_name: str, audit_id: int, revision: int) -> str:
    safe = re.sub(r"[^\w.-]+", "_", vendor_name, flags=re.UNICODE).strip("._") or "vendor"
    return f"{safe}-audit{audit_id}-r{revision}"


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


def export_audits(
    service: Service,
    audit_refs: Sequence[int | str],
    output: str | Path | None,
    *,
    fmt: str = "toml",
    with_evidence: bool = False,
    force: bool = False,
    lang: Lang = "en",
    generated_at: dt.datetime | None = None,
    progress: Callable[[int, int, Written], None] | None = None,
) -> list[Written]:
    """Export each audit to its own file; the first problem stops the run (files already
    written stay, each one complete)."""
    if fmt not in ("toml", "md"):
        raise ReportError(f"unknown format {fmt!r} (toml or md)")
    if not audit_refs:
        raise ReportError("name at least one audit")
    # Every audit is looked up before anything is written: a wrong id writes nothing.
    names = _report_names(service, audit_refs)
    targets = targets_for(names, output, fmt)
    if len(set(targets)) != len(targets):
        raise ReportError("two audits would be written to the same file; name each once")
    _prepare_folder(targets[0].parent)
    when = generated_at or dt.datetime.now(dt.UTC)
    written: list[Written] = []
    # Each file is written (fsync, rename) on a writer thread while the next report is built:
    # the disk wait no longer adds to the building. At most WRITES_AHEAD files are in flight.
    pending: deque[tuple[Future[None], Path, Written]] = deque()

    def finish() -> None:
        future, target, done = pending.popleft()
        try:
            future.result()
        except OSError as exc:
            raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(done)
        if progress is not None:
            progress(len(written), len(targets), done)

    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vaudit-export")
    try:
        sources = collect_many(service, list(names))
        for source, target in zip(sources, targets, strict=True):
            audit_id = source.view.audit.id
            folder = EVIDENCE_FOLDER if with_evidence else None
            body = build(
                source, generated_at=when, generated_by=service.actor, evidence_folder=folder
            )
            text, digest = render(body)
            copied = 0
            if with_evidence:
                copied = _write_evidence(service, source, target.parent / EVIDENCE_FOLDER, force)
            content = text if fmt == "toml" else render_markdown(body, digest, lang)
            future = writer.submit(
                write_atomically, target, content.encode("utf-8"), overwrite=force, sync_dir=False
            )
            pending.append((future, target, Written(audit_id, target, digest, copied)))
            while pending and (pending[0][0].done() or len(pending) > WRITES_AHEAD):
                finish()
        while pending:
            finish()
    finally:
        # The first problem stops the run: writes not begun are dropped, the one under way
        # completes (each file is whole or absent).
        writer.shutdown(wait=True, cancel_futures=True)
        # The files are on disk already; their names are once the folder is synced (once).
        for folder_path in {t.parent for t in targets}:
            sync_folder(folder_path)
    return written


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


def _write_evidence(service: Service, source: ReportSource, folder: Path, force: bool) -> int:
    """Evidence files and checklist snapshots beside the report, named by hash. A file already
    there with the right content is kept; one with other content is an error (unless force)."""
    (folder / CHECKLIST_FOLDER).mkdir(parents=True, exist_ok=True)
    written = 0
    for rows in source.view.evidence.values():
        for evidence in rows:
            if evidence.kind != EvidenceKind.FILE or not evidence.sha256:
                continue
            target = folder.parent / evidence_file(folder.name, evidence.sha256, evidence.name)
            if _holds(target, evidence.sha256) and not force:
                continue
            _, content = service.evidence_content(row_id(evidence))
            _write_hashed(target, content, force)
            written += 1
    for snapshot in source.view.snapshots:
        target = folder.parent / checklist_file(folder.name, snapshot.sha256)
        if not _holds(target, snapshot.sha256):
            _write_hashed(target, snapshot.text.encode("utf-8"), force)
    return written


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
