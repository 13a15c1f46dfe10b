"""The SSHSIG signature format of OpenSSH (`ssh-keygen -Y sign|verify`), written to its
published specification: https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.sshsig

A signature covers the message's hash, the namespace and the hash algorithm, so a signature
made for vaudit reports cannot be passed off as one for, say, git commits. Only Ed25519 keys:
they need no parameters and every OpenSSH since 6.5 reads them.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAGIC = b"SSHSIG"
VERSION = 1
NAMESPACE = "vaudit-report"
HASH_ALGORITHM = "sha512"  # what ssh-keygen uses by default; sha256 is read as well
KEY_TYPE = "ssh-ed25519"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
_LINE = 70  # the width ssh-keygen wraps the armour's base64 at
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}


class SignatureError(Exception):
    """A signature or key that cannot be made, read or trusted; the message says why."""


def ssh_string(data: bytes) -> bytes:
    """The SSH wire encoding of a string (RFC 4251 section 5): uint32 length, then the bytes."""
    return struct.pack(">I", len(data)) + data


def public_key_blob(key: Ed25519PublicKey) -> bytes:
    """The public key as SSH writes it (RFC 8709): string "ssh-ed25519", string key."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return ssh_string(KEY_TYPE.encode()) + ssh_string(raw)


def fingerprint(blob: bytes) -> str:
    """The key's fingerprint as `ssh-keygen -l` prints it: SHA256:base64, unpadded."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _signed_data(
    namespace: str, hash_algorithm: str, message_hash: bytes, reserved: bytes = b""
) -> bytes:
    """What the key signs (PROTOCOL.sshsig): the reserved field as it was sent."""
    return (
        MAGIC
        + ssh_string(namespace.encode())
        + ssh_string(reserved)
        + ssh_string(hash_algorithm.encode())
        + ssh_string(message_hash)
    )


def sign(key: Ed25519PrivateKey, message: bytes, namespace: str = NAMESPACE) -> str:
    """The armoured signature of `message`, as `ssh-keygen -Y sign` writes it to FILE.sig."""
    message_hash = _HASHES[HASH_ALGORITHM](message).digest()
    signature = key.sign(_signed_data(namespace, HASH_ALGORITHM, message_hash))
    blob = (
        MAGIC
        + struct.pack(">I", VERSION)
        + ssh_string(public_key_blob(key.public_key()))
        + ssh_string(namespace.encode())
        + ssh_string(b"")
        + ssh_string(HASH_ALGORITHM.encode())
        + ssh_string(ssh_string(KEY_TYPE.encode()) + ssh_string(signature))
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + _LINE] for i in range(0, len(text), _LINE)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


@dataclass(frozen=True)
class Signed:
    """What a good signature says: which key made it, for which namespace."""

    public_key: bytes  # the SSH public key blob
    namespace: str
    hash_algorithm: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise SignatureError("the signature is cut short")
        part = self.data[self.at : self.at + n]
        self.at += n
        return part

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())

    def text(self) -> str:
        try:
            return self.string().decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureError("the signature holds a name that is not text") from None

    def done(self) -> None:
        if self.at != len(self.data):
            raise SignatureError("the signature has bytes after its end")


def _unarmour(armoured: str) -> bytes:
    lines = [line.strip() for line in armoured.strip().splitlines()]
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise SignatureError("not an SSH signature (no BEGIN/END SSH SIGNATURE lines)")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except ValueError:
        raise SignatureError("the signature's base64 is damaged") from None


def ed25519_key(blob: bytes) -> Ed25519PublicKey:
    """The Ed25519 key in an SSH public key blob; SignatureError for any other kind."""
    reader = _Reader(blob)
    kind = reader.text()
    if kind != KEY_TYPE:
        raise SignatureError(f"the key is {kind}: vaudit checks Ed25519 signatures only")
    raw = reader.string()
    reader.done()
    if len(raw) != 32:
        raise SignatureError("the Ed25519 key is not 32 bytes long")
    return Ed25519PublicKey.from_public_bytes(raw)


def verify(armoured: str, message: bytes, namespace: str = NAMESPACE) -> Signed:
    """Check an armoured SSHSIG signature of `message`: its format, its namespace and the
    signature itself. Whether the key is one you trust is the caller's question."""
    reader = _Reader(_unarmour(armoured))
    if reader.take(6) != MAGIC:
        raise SignatureError("not an SSHSIG signature (no SSHSIG preamble)")
    version = reader.uint32()
    if version != VERSION:
        raise SignatureError(f"SSHSIG version {version} is not one vaudit reads ({VERSION})")
    public_key = reader.string()
    signed_namespace = reader.text()
    reserved = reader.string()
    hash_algorithm = reader.text()
    signature_blob = reader.string()
    reader.done()
    if signed_namespace != namespace:
        raise SignatureError(
            f"the signature is for namespace {signed_namespace!r}, not {namespace!r}"
        )
    if hash_algorithm not in _HASHES:
        raise SignatureError(f"unknown hash algorithm {hash_algorithm!r} (sha256 or sha512)")
    key = ed25519_key(public_key)
    inner = _Reader(signature_blob)
    if inner.text() != KEY_TYPE:
        raise SignatureError("the signature is not an Ed25519 signature")
    signature = inner.string()
    inner.done()
    message_hash = _HASHES[hash_algorithm](message).digest()
    signed = _signed_data(signed_namespace, hash_algorithm, message_hash, reserved)
    try:
        key.verify(signature, signed)
    except InvalidSignature:
        raise SignatureError("the signature does not match the file (it was changed)") from None
    return Signed(public_key, signed_namespace, hash_algorithm)
