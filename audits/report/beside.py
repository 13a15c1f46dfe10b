"""Reading the files exported beside a report: only from the report's own evidence folder.

A report comes from outside, so nothing in it says where files are read from: a `file` entry
is a name inside `evidence/` next to the report, whatever the header says (the header's
`evidence_folder` may be missing, changed or absent on purpose). Absolute paths, `..`, symlinks
(the folder itself, or any step inside it) and anything but a regular file are refused, and
every file is checked against the SHA-256 the report gives it before its bytes are used.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

from vaudit.audits.report.format import EVIDENCE_FOLDER, ReportError, sha256_hex
from vaudit.audits.service.evidence import MAX_EVIDENCE_BYTES

_SHA256 = re.compile(r"[0-9a-f]{64}")


class MissingBeside(ReportError):
    """The report names a file that is not in its evidence folder."""


def beside_path(report: Path, relative: object) -> Path:
    """Where the report's entry `relative` is: a regular file inside `evidence/` beside it,
    reached without following a symlink. ReportError names anything else."""
    if not isinstance(relative, str) or not relative:
        raise ReportError(f"bad file path {relative!r}: not a name in {EVIDENCE_FOLDER}/")
    posix, windows = PurePosixPath(relative), PureWindowsPath(relative)
    parts = posix.parts
    if (
        "\0" in relative
        or "\\" in relative
        or posix.is_absolute()
        or windows.is_absolute()
        or windows.drive
        or len(parts) < 2
        or parts[0] != EVIDENCE_FOLDER
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ReportError(
            f"bad file path {relative!r}: files are read only from {EVIDENCE_FOLDER}/ "
            "beside the report"
        )
    step = report.resolve().parent
    for part in parts:
        step = step / part
        try:
            mode = os.lstat(step).st_mode
        except OSError:
            raise MissingBeside(f"{relative} is missing") from None
        if stat.S_ISLNK(mode):
            raise ReportError(f"{relative} goes through a symlink ({step.name}): not read")
    if not stat.S_ISREG(mode):
        raise ReportError(f"{relative} is not a regular file: not read")
    return step


def read_beside(report: Path, relative: object, sha256: object) -> bytes:
    """The bytes of a file beside the report, refused unless their SHA-256 is `sha256`."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ReportError(f"{relative}: {sha256!r} is not a SHA-256 (64 lowercase hex digits)")
    path = beside_path(report, relative)
    try:
        # O_NOFOLLOW: a symlink put in place after the check above is refused, not followed.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise ReportError(f"cannot read {relative}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ReportError(f"{relative} is not a regular file: not read")
        if info.st_size > MAX_EVIDENCE_BYTES:
            raise ReportError(
                f"{relative} is {info.st_size / 1e6:.0f} MB; evidence files may be at most "
                f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"
            )
        content = handle.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES or sha256_hex(content) != sha256:
        raise ReportError(f"{relative} does not match its SHA-256 (the file was changed)")
    return content
