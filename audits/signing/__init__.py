"""Signatures anyone can check with OpenSSH alone: Ed25519 keys, the SSHSIG envelope
(`ssh-keygen -Y sign|verify`), allowed_signers files and the signed SHA256SUMS manifest.

- sshsig: the SSHSIG format (PROTOCOL.sshsig): sign and verify
- keys: loading an OpenSSH private key, vaudit's own key, allowed_signers
- manifest: FILE.sig beside each file and the folder's SHA256SUMS
"""

from vaudit.audits.signing.keys import (
    AllowedSigner,
    SigningKey,
    allowed_signers_line,
    check_identity,
    create_own_key,
    load_signing_key,
    own_key_path,
    read_allowed_signers,
)
from vaudit.audits.signing.manifest import MANIFEST, signature_path, write_manifest
from vaudit.audits.signing.sshsig import (
    NAMESPACE,
    SignatureError,
    Signed,
    fingerprint,
    sign,
    verify,
)

__all__ = [
    "MANIFEST",
    "NAMESPACE",
    "AllowedSigner",
    "SignatureError",
    "Signed",
    "SigningKey",
    "allowed_signers_line",
    "check_identity",
    "create_own_key",
    "fingerprint",
    "load_signing_key",
    "own_key_path",
    "read_allowed_signers",
    "sign",
    "signature_path",
    "verify",
    "write_manifest",
]
