"""Signing keys: an OpenSSH private key file (the auditor's own `~/.ssh/id_ed25519` works) or
the key `vaudit key create` keeps in the config folder; public keys as `allowed_signers` lines.

A passphrase is asked for by the caller and used once; it is never stored or logged.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_ssh_private_key,
)

from vaudit.audits.files import FileExists, write_atomically
from vaudit.audits.paths import config_dir
from vaudit.audits.signing.sshsig import (
    KEY_TYPE,
    NAMESPACE,
    SignatureError,
    fingerprint,
    public_key_blob,
)

OWN_KEY = "signing_key"  # in the config folder; its public half beside it as signing_key.pub
# A principal in allowed_signers: no blanks, commas or quotes (ssh-keygen -I matches it).
_IDENTITY = re.compile(r"[^\s,\"'*?!]+")


def own_key_path() -> Path:
    return config_dir() / OWN_KEY


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    identity: str  # from the public key's comment; "" when there is none
    path: Path

    @property
    def public_blob(self) -> bytes:
        return public_key_blob(self.private.public_key())

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_blob)

    def public_line(self) -> str:
        """The key as an OpenSSH public key line (what KEY.pub holds)."""
        encoded = base64.b64encode(self.public_blob).decode()
        return f"{KEY_TYPE} {encoded}" + (f" {self.identity}" if self.identity else "")


def check_identity(identity: str) -> str:
    if not _IDENTITY.fullmatch(identity):
        raise SignatureError(
            f"identity {identity!r} cannot be an allowed_signers principal: use one word "
            "without blanks, commas, quotes or wildcards (an e-mail address is usual)"
        )
    return identity


def allowed_signers_line(identity: str, public_blob: bytes) -> str:
    """The line a reviewer puts in their allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS):
    this identity may sign vaudit reports with this key, and nothing else."""
    encoded = base64.b64encode(public_blob).decode()
    return f'{check_identity(identity)} namespaces="{NAMESPACE}" {KEY_TYPE} {encoded}'


def create_own_key(identity: str, *, force: bool = False) -> SigningKey:
    """A new Ed25519 key in the config folder, readable by its owner only (0600)."""
    check_identity(identity)
    path = own_key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not force:
        raise FileExists(path)
    key = SigningKey(Ed25519PrivateKey.generate(), identity, path)
    pem = key.private.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    write_atomically(path, pem)  # a temp file made 0600, renamed into place
    path.chmod(0o600)
    write_atomically(path.with_name(OWN_KEY + ".pub"), (key.public_line() + "\n").encode())
    return key


def load_signing_key(path: Path | None, passphrase: Callable[[], str] | None = None) -> SigningKey:
    """The private key in PATH (None: vaudit's own). `passphrase` is called only when the key
    is encrypted."""
    own = path is None
    key_path = own_key_path() if path is None else path.expanduser()
    try:
        data = key_path.read_bytes()
    except FileNotFoundError:
        if own:
            raise SignatureError(
                "no signing key yet: create one with `vaudit key create`, or give --sign KEY"
            ) from None
        raise SignatureError(f"no key file {key_path}") from None
    except OSError as exc:
        raise SignatureError(f"cannot read {key_path}: {exc.strerror or exc}") from None
    private = _load(key_path, data, passphrase)
    if not isinstance(private, Ed25519PrivateKey):
        raise SignatureError(
            f"{key_path} is not an Ed25519 key: vaudit signs with Ed25519 "
            "(make one with `ssh-keygen -t ed25519` or `vaudit key create`)"
        )
    return SigningKey(private, _comment(key_path.with_name(key_path.name + ".pub")), key_path)


def _load(key_path: Path, data: bytes, passphrase: Callable[[], str] | None) -> object:
    try:
        return load_ssh_private_key(data, None)
    except TypeError:  # encrypted: cryptography asks for the password this way
        pass
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"{key_path} is not an OpenSSH private key ({exc})") from None
    if passphrase is None:
        raise SignatureError(f"{key_path} is protected by a passphrase and none was given")
    try:
        return load_ssh_private_key(data, passphrase().encode("utf-8"))
    except (ValueError, TypeError):
        raise SignatureError(f"wrong passphrase for {key_path}") from None
    except UnsupportedAlgorithm as exc:
        raise SignatureError(f"cannot decrypt {key_path}: {exc}") from None


def _comment(public_path: Path) -> str:
    """The comment of KEY.pub (`ssh-keygen -C`), the identity the key was made for."""
    try:
        fields = public_path.read_text(encoding="utf-8").split(maxsplit=2)
    except (OSError, UnicodeDecodeError):
        return ""
    return fields[2].strip() if len(fields) == 3 else ""


@dataclass(frozen=True)
class AllowedSigner:
    principals: tuple[str, ...]
    namespaces: tuple[str, ...] | None  # None: any namespace
    public_blob: bytes

    def allows(self, namespace: str) -> bool:
        return self.namespaces is None or namespace in self.namespaces


def read_allowed_signers(path: Path) -> list[AllowedSigner]:
    """The Ed25519 entries of an allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS); other
    key kinds and certificate authorities are skipped, since vaudit signs with Ed25519 only."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SignatureError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SignatureError(f"{path} is not UTF-8 text") from None
    signers = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            fields = shlex.split(line, comments=False, posix=True)
        except ValueError:
            raise SignatureError(f"{path} line {number}: unbalanced quotes") from None
        kinds = [
            i
            for i, f in enumerate(fields)
            if f == KEY_TYPE or f.startswith(("ssh-", "ecdsa-", "sk-"))
        ]
        if len(fields) < 3 or not kinds or kinds[0] < 1:
            raise SignatureError(f"{path} line {number}: not PRINCIPALS [OPTIONS] KEYTYPE KEY")
        at = kinds[0]
        if fields[at] != KEY_TYPE or at + 1 >= len(fields):
            continue
        options = ",".join(fields[1:at])
        if "cert-authority" in options.split(","):
            continue
        try:
            blob = base64.b64decode(fields[at + 1], validate=True)
        except binascii.Error:
            raise SignatureError(f"{path} line {number}: the key's base64 is damaged") from None
        signers.append(AllowedSigner(tuple(fields[0].split(",")), _namespaces(options), blob))
    return signers


def _namespaces(options: str) -> tuple[str, ...] | None:
    # After shlex, namespaces="a,b" reads namespaces=a,b and the option list is comma-joined
    # again: the names run from namespaces= to the next known option.
    found = re.search(
        r"namespaces=([^=]*?)(?:,(?:valid-after|valid-before|cert-authority)\b|$)", options
    )
    if not found:
        return None
    return tuple(n for n in found.group(1).split(",") if n)
