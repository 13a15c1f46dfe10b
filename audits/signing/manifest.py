"""The signed files of an export: FILE.sig beside each report and rendering, and SHA256SUMS,
the folder's manifest in the format `sha256sum -c` reads, signed in its turn."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from vaudit.audits.files import write_atomically
from vaudit.audits.signing.keys import SigningKey
from vaudit.audits.signing.sshsig import SignatureError, sign

MANIFEST = "SHA256SUMS"
SIGNATURE_SUFFIX = ".sig"  # what ssh-keygen -Y sign writes beside the file


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def sign_file(key: SigningKey, path: Path, *, force: bool) -> Path:
    """Write PATH.sig: the SSHSIG signature of PATH's bytes as they are on disk now."""
    target = signature_path(path)
    signature = sign(key.private, path.read_bytes())
    write_atomically(target, signature.encode("ascii"), overwrite=force, sync_dir=False)
    return target


def manifest_text(folder: Path, files: Iterable[Path]) -> str:
    """One `HASH  PATH` line per file, PATH relative to the folder with forward slashes, in
    name order; `sha256sum -c SHA256SUMS` run in the folder checks every one."""
    lines = {}
    for path in files:
        relative = path.resolve().relative_to(folder.resolve()).as_posix()
        if "\n" in relative or "\\" in relative:
            # sha256sum escapes such names; vaudit's own names never hold them.
            raise SignatureError(f"cannot list {relative!r} in {MANIFEST}")
        lines[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(lines.items()))


def write_manifest(key: SigningKey, folder: Path, files: Iterable[Path], *, force: bool) -> Path:
    """Write the folder's SHA256SUMS of `files` and its signature; the manifest's path."""
    manifest = folder / MANIFEST
    text = manifest_text(folder, files)
    write_atomically(manifest, text.encode("utf-8"), overwrite=force, sync_dir=False)
    sign_file(key, manifest, force=force)
    return manifest
