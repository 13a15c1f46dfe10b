"""Read-only and broken storage (issue 14, item 10): a database on read-only media opens for
reading; backup, export and demo clean up after a failure; files to read or write that are
not regular files (a FIFO, a device, a folder) are named as such, never waited on or
replaced."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import vaudit
from vaudit.audits import backup as backup_module
from vaudit.audits import demo as demo_module
from vaudit.audits.backup import BackupError


@contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """The folder and every file in it made read-only, as on read-only media: by mode, or
    (root ignores modes) `chattr +i`."""
    files = [folder, *folder.iterdir()]
    if os.geteuid() != 0:
        for path in files:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path in files:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("as root a read-only folder needs chattr, which is not installed")
    made = subprocess.run(["chattr", "+i", *map(str, files)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i is not allowed here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, files)], check=True)


def one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_database_on_read_only_media_opens_for_reading(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    db = folder / "vaudit.sqlite"
    vaudit(db, "vendors", "add", "示例通信", ok=True)
    with read_only_folder(folder):
        listed = vaudit(db, "vendors", "list", ok=True)
        assert "示例通信" in listed.stdout
        assert "event log intact" in vaudit(db, "verify", ok=True).stdout
        refused = one_line_error(vaudit(db, "vendors", "add", "Other"))
        assert refused.startswith("error: the database is read-only, so nothing was saved")
        assert sorted(p.name for p in folder.iterdir()) == ["vaudit.sqlite"]


def test_a_failed_backup_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "vaudit.sqlite"
    vaudit(db, "vendors", "add", "V", ok=True)
    out = tmp_path / "backups"
    out.mkdir()

    def damaged(path: Path) -> tuple[str | None, int]:
        # The copy is open (WAL mode, as its source) when the check fails.
        import sqlite3

        held = sqlite3.connect(path)
        held.execute("SELECT count(*) FROM event").fetchone()
        monkeypatch.setattr(backup_module, "_held", held, raising=False)
        raise BackupError(f"{path} is damaged (integrity check: injected)")

    monkeypatch.setattr(backup_module, "_check_copy", damaged)
    one_line_error(vaudit(db, "db", "backup", str(out / "copy.sqlite")))
    backup_module._held.close()  # type: ignore[attr-defined]
    assert list(out.iterdir()) == []


def test_a_failed_export_leaves_no_empty_folders(tmp_path: Path) -> None:
    db = tmp_path / "vaudit.sqlite"
    vaudit(db, "vendors", "add", "V", ok=True)
    vaudit(db, "selections", "add", "S", ok=True)
    vaudit(db, "audits", "start", "V", "S", ok=True)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF scan")
    vaudit(db, "evidence", "add", "1", "qualification.licence.validity", str(scan), ok=True)
    conn = sqlite3.connect(db)  # the stored bytes no longer match their hash
    with conn:
        conn.execute("UPDATE blob SET content = X'00'")
    conn.close()
    target = tmp_path / "new" / "folders" / "report.toml"
    exported = vaudit(db, "export", "1", "-o", str(target), "--with-evidence")
    assert "does not match its hash" in one_line_error(exported)
    assert not (tmp_path / "new").exists()


def test_force_never_replaces_a_device_or_a_fifo(tmp_path: Path) -> None:
    db = tmp_path / "vaudit.sqlite"
    vaudit(db, "vendors", "add", "V", ok=True)
    vaudit(db, "selections", "add", "S", ok=True)
    vaudit(db, "audits", "start", "V", "S", ok=True)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF scan")
    vaudit(db, "evidence", "add", "1", "qualification.licence.validity", str(scan), ok=True)
    targets = [tmp_path / "fifo"]
    os.mkfifo(targets[0])
    if os.geteuid() == 0:
        targets.append(tmp_path / "null")
        os.mknod(targets[1], 0o666 | 0o020000, os.makedev(1, 3))  # a character device
    for target in targets:
        before = target.lstat()
        error = one_line_error(vaudit(db, "evidence", "get", "1", "-o", str(target), "--force"))
        assert "is not a regular file" in error and "never replaced" in error
        error = one_line_error(vaudit(db, "export", "1", "-o", str(target), "--force"))
        assert "is not a regular file" in error
        after = target.lstat()
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_evidence_add_names_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "vaudit.sqlite"
    vaudit(db, "vendors", "add", "V", ok=True)
    vaudit(db, "selections", "add", "S", ok=True)
    vaudit(db, "audits", "start", "V", "S", ok=True)
    if kind == "fifo":
        path, said = tmp_path / "pipe", "a FIFO (named pipe)"
        os.mkfifo(path)
    elif kind == "device":
        path, said = Path("/dev/zero"), "a device"
    else:
        path, said = tmp_path, "a folder"
    added = vaudit(db, "evidence", "add", "1", "qualification.licence.validity", str(path))
    assert one_line_error(added) == f"error: {path} is not a regular file ({said})"


def test_an_interrupted_demo_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "vaudit.sqlite"
    calls = []
    attach = demo_module.attach_evidence

    def fails_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return attach(*args, **kwargs)

    monkeypatch.setattr(demo_module, "attach_evidence", fails_on_the_third)
    assert one_line_error(vaudit(db, "demo")) == "error: No space left on device"
    assert "(none)" in vaudit(db, "vendors", "list", ok=True).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vaudit.sqlite"]
    monkeypatch.setattr(demo_module, "attach_evidence", attach)
    vaudit(db, "demo", ok=True)  # no --reset needed: nothing was half-built
