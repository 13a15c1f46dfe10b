"""Signed exports: vaudit's SSHSIG signatures checked by OpenSSH's own `ssh-keygen -Y verify`,
signatures made by `ssh-keygen -Y sign` checked by vaudit, and one changed byte failing both."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import TODAY, signed_off_audit, start_audit, vaudit
from vaudit.audits.checklist import ChecklistSet
from vaudit.audits.db import open_store
from vaudit.audits.service import AuditError, Service
from vaudit.audits.signing import (
    NAMESPACE,
    SignatureError,
    create_own_key,
    load_signing_key,
    sign,
    verify,
)

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(
    SSH_KEYGEN is None, reason="ssh-keygen (OpenSSH) is not installed: cannot cross-check"
)
IDENTITY = "carol@example.com"


def ssh_keygen(
    *args: str, data: bytes = b"", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    assert SSH_KEYGEN is not None
    return subprocess.run(
        [SSH_KEYGEN, *args], input=data, capture_output=True, cwd=cwd, check=False, timeout=60
    )


def openssh_key(folder: Path, passphrase: str = "") -> Path:
    key = folder / "id_ed25519"
    made = ssh_keygen("-q", "-t", "ed25519", "-N", passphrase, "-C", IDENTITY, "-f", str(key))
    assert made.returncode == 0, made.stderr
    return key


def allowed_signers(folder: Path, line: str) -> Path:
    path = folder / "allowed_signers"
    path.write_text(line + "\n", encoding="utf-8")
    return path


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def audit_db(db_path: Path, mini_set: ChecklistSet) -> Iterator[Path]:
    """A SQLite file holding one signed-off audit (mini checklists), for the command line."""
    store = open_store(str(db_path))
    signed_off_audit(Service(store, "alice", checklists=mini_set, today=TODAY))
    store.dispose()
    yield db_path


@pytest.fixture
def exported(tmp_path: Path, audit_db: Path) -> tuple[Path, Path, Path]:
    """A signed-off audit exported as toml, html, docx and md, signed with vaudit's own key:
    (the database, the export folder, the allowed_signers file)."""
    db = audit_db
    made = vaudit(db, "key", "create", "--identity", IDENTITY, ok=True)
    line = made.output.strip().splitlines()[-1]
    out = tmp_path / "out"
    vaudit(
        db,
        "export",
        "1",
        "--format",
        "toml,html,docx,md",
        "--with-evidence",
        "--sign",
        "-o",
        f"{out}/",
        ok=True,
    )
    return db, out, allowed_signers(tmp_path, line)


def test_own_key_is_kept_readable_by_its_owner_only(tmp_path: Path) -> None:
    key = create_own_key(IDENTITY)
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    assert load_signing_key(None).fingerprint == key.fingerprint
    assert load_signing_key(None).identity == IDENTITY


def test_export_signs_every_file_and_the_manifest(exported: tuple[Path, Path, Path]) -> None:
    _, out, _ = exported
    reports = sorted(p.name for p in out.iterdir() if p.is_file())
    stem = "V-audit1-r1"
    assert reports == sorted(
        [f"{stem}.{fmt}{sig}" for fmt in ("toml", "html", "docx", "md") for sig in ("", ".sig")]
        + ["SHA256SUMS", "SHA256SUMS.sig"]
    )
    listed = [line.split("  ", 1)[1] for line in (out / "SHA256SUMS").read_text().splitlines()]
    assert {f"{stem}.{fmt}" for fmt in ("toml", "html", "docx", "md")} <= set(listed)
    assert any(name.startswith("evidence/checklists/") for name in listed)


@needs_ssh_keygen
def test_openssh_says_good_for_each_file_and_fails_on_one_changed_byte(
    exported: tuple[Path, Path, Path],
) -> None:
    db, out, signers = exported
    names = [
        "V-audit1-r1.toml",
        "V-audit1-r1.html",
        "V-audit1-r1.docx",
        "V-audit1-r1.md",
        "SHA256SUMS",
    ]
    for name in names:
        checked = ssh_keygen(
            "-Y", "verify", "-f", str(signers), "-I", IDENTITY, "-n", NAMESPACE,
            "-s", str(out / f"{name}.sig"), data=(out / name).read_bytes(),
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr
        assert b'Good "vaudit-report" signature for carol@example.com' in checked.stdout
    assert subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out).returncode == 0
    for name in names:
        flip_one_byte(out / name)
        checked = ssh_keygen(
            "-Y", "verify", "-f", str(signers), "-I", IDENTITY, "-n", NAMESPACE,
            "-s", str(out / f"{name}.sig"), data=(out / name).read_bytes(),
        )  # fmt: skip
        assert checked.returncode != 0, name
        ours = vaudit(db, "report", "verify", str(out / name), "--allowed-signers", str(signers))
        assert ours.exit_code == 1, name
        assert "signature NOT good" in ours.stderr


def test_report_verify_says_who_signed_and_when(exported: tuple[Path, Path, Path]) -> None:
    db, out, signers = exported
    result = vaudit(
        db, "report", "verify", str(out / "V-audit1-r1.toml"), "--allowed-signers", str(signers),
        ok=True,
    )  # fmt: skip
    assert f"good signature by {IDENTITY} (ED25519 key SHA256:" in result.output
    assert "intact (content digest" in result.output
    assert "signed off" in result.output and "by Carol" in result.output


def test_a_key_not_in_allowed_signers_is_refused(
    exported: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    db, out, _ = exported
    stranger = create_own_key("mallory@example.com", force=True)
    from vaudit.audits.signing import allowed_signers_line

    other = allowed_signers(tmp_path, allowed_signers_line("mallory", stranger.public_blob))
    result = vaudit(
        db, "report", "verify", str(out / "V-audit1-r1.html"), "--allowed-signers", str(other)
    )
    assert result.exit_code == 1
    assert "is not in allowed_signers" in result.stderr


@needs_ssh_keygen
def test_vaudit_checks_signatures_made_by_ssh_keygen(tmp_path: Path) -> None:
    key = openssh_key(tmp_path)
    message = tmp_path / "report.toml"
    message.write_bytes(b'format = "vaudit-report"\n' * 50)
    made = ssh_keygen("-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(message))
    assert made.returncode == 0, made.stderr
    armoured = (tmp_path / "report.toml.sig").read_text()
    signed = verify(armoured, message.read_bytes())
    own = load_signing_key(key)
    assert signed.public_key == own.public_blob
    fingerprint = ssh_keygen("-l", "-f", f"{key}.pub").stdout.decode().split()[1]
    assert signed.fingerprint == fingerprint
    changed = bytearray(message.read_bytes())
    changed[7] ^= 0x20
    with pytest.raises(SignatureError, match="does not match"):
        verify(armoured, bytes(changed))
    with pytest.raises(SignatureError, match="namespace"):
        verify(armoured, message.read_bytes(), namespace="git")


@needs_ssh_keygen
def test_ssh_keygen_signatures_for_another_namespace_are_refused(tmp_path: Path) -> None:
    key = openssh_key(tmp_path)
    message = tmp_path / "m"
    message.write_bytes(b"hello")
    assert ssh_keygen("-Y", "sign", "-f", str(key), "-n", "git", str(message)).returncode == 0
    with pytest.raises(SignatureError, match="namespace 'git'"):
        verify((tmp_path / "m.sig").read_text(), b"hello")


@needs_ssh_keygen
def test_sign_with_a_passphrase_protected_openssh_key(audit_db: Path, tmp_path: Path) -> None:
    db = audit_db
    key = openssh_key(tmp_path, passphrase="correct horse")
    out = tmp_path / "out"
    wrong = vaudit(db, "export", "1", "--sign", str(key), "-o", f"{out}/", input="nope\n")
    assert wrong.exit_code == 1
    assert wrong.stderr.strip().splitlines()[-1] == f"error: wrong passphrase for {key}"
    assert not out.exists() or not any(out.iterdir())  # nothing written before the key opened
    done = vaudit(
        db, "export", "1", "--sign", str(key), "-o", f"{out}/", input="correct horse\n", ok=True
    )
    assert "correct horse" not in done.output + done.stderr
    line = (
        f'{IDENTITY} namespaces="{NAMESPACE}" '
        + (tmp_path / "id_ed25519.pub").read_text().rsplit(" ", 1)[0]
    )
    signers = allowed_signers(tmp_path, line)
    checked = ssh_keygen(
        "-Y", "verify", "-f", str(signers), "-I", IDENTITY, "-n", NAMESPACE,
        "-s", str(out / "V-audit1-r1.toml.sig"), data=(out / "V-audit1-r1.toml").read_bytes(),
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    # Scripts give the passphrase in the environment instead.
    os.environ["VAUDIT_KEY_PASSPHRASE"] = "correct horse"
    try:
        shown = vaudit(db, "key", "show", "--key", str(key), ok=True)
    finally:
        del os.environ["VAUDIT_KEY_PASSPHRASE"]
    assert shown.output.strip() == line


def test_sign_without_a_key_says_how_to_make_one(audit_db: Path, tmp_path: Path) -> None:
    db = audit_db
    result = vaudit(db, "export", "1", "--sign", "-o", f"{tmp_path}/out/")
    assert result.exit_code == 1
    assert "vaudit key create" in result.stderr and "Traceback" not in result.output


def test_sshsig_round_trip_and_damage() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    armoured = sign(key, b"data")
    assert verify(armoured, b"data").namespace == NAMESPACE
    for damaged in (
        armoured.replace("SSH SIGNATURE", "PGP SIGNATURE"),
        armoured[:60] + "\n" + armoured[-30:],
    ):
        with pytest.raises(SignatureError):
            verify(damaged, b"data")


def test_sign_off_records_the_signing_key_in_the_event_log(
    db_path: Path, mini_set: ChecklistSet
) -> None:
    import json

    from sqlmodel import select

    from vaudit.audits.models import Event

    store = open_store(str(db_path))
    service = Service(store, "alice", checklists=mini_set, today=TODAY)
    audit = start_audit(service)
    service.record_answer(audit, "beta.misc.review", result="pass")
    key = create_own_key(IDENTITY)
    done = vaudit(db_path, "signoff", str(audit), "--by", "Carol", "--yes", "--key", ok=True)
    assert f"signing key {key.fingerprint} recorded" in done.output
    with store.read() as session:
        events = session.exec(select(Event).where(Event.action == "audit.signed_off")).all()
    assert [json.loads(e.after or "{}").get("signer_key") for e in events] == [key.fingerprint]
    assert vaudit(db_path, "verify", ok=True).exit_code == 0  # the event chain still holds
    with pytest.raises(AuditError, match="not a key fingerprint"):
        service.sign_off(start_audit(service, "W", "T"), "Carol", signer_key="md5:abc")
