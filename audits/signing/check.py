"""Checking a file's signature (FILE.sig beside it) against an allowed_signers file, as
`ssh-keygen -Y verify` does: the signature holds, and a principal there may sign with that key
for vaudit reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vaudit.audits.signing.keys import read_allowed_signers
from vaudit.audits.signing.manifest import signature_path
from vaudit.audits.signing.sshsig import NAMESPACE, SignatureError, verify


@dataclass(frozen=True)
class SignatureCheck:
    signers: tuple[str, ...]  # the principals allowed to sign with the key that signed
    fingerprint: str


def check_signature(path: Path, allowed_signers: Path) -> SignatureCheck:
    """Who signed PATH, by PATH.sig; SignatureError (saying why) when it does not hold."""
    sig = signature_path(path)
    try:
        armoured = sig.read_text(encoding="ascii")
    except FileNotFoundError:
        raise SignatureError(f"no signature {sig.name} beside it") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SignatureError(f"cannot read {sig.name}: {exc}") from None
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SignatureError(f"cannot read {path}: {exc.strerror or exc}") from None
    signed = verify(armoured, content, NAMESPACE)
    signers = tuple(
        principal
        for entry in read_allowed_signers(allowed_signers)
        if entry.public_blob == signed.public_key and entry.allows(NAMESPACE)
        for principal in entry.principals
    )
    if not signers:
        raise SignatureError(
            f"the signature is good, but its key {signed.fingerprint} is not in "
            f"{allowed_signers.name} for namespace {NAMESPACE}"
        )
    return SignatureCheck(signers, signed.fingerprint)
