"""Writing files so that a reader sees the old content or the new, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class FileExists(Exception):
    """The target exists and the caller did not ask to overwrite it."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path} exists; use --force to overwrite it")


def write_atomically(
    target: Path, content: bytes, *, overwrite: bool = True, sync_dir: bool = True
) -> None:
    """Temp file in the target's folder, fsync, then rename (or link, when not overwriting:
    a link fails if the name was taken meanwhile, so two writers cannot both win).

    A caller writing many files into one folder passes sync_dir=False and calls
    sync_folder() once at the end."""
    directory = target.parent if str(target.parent) else Path(".")
    if not overwrite and target.exists():
        raise FileExists(target)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temp, target)
        else:
            try:
                os.link(temp, target)
            except FileExistsError:
                raise FileExists(target) from None
            Path(temp).unlink()
        if sync_dir:
            sync_folder(directory)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def sync_folder(directory: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too (POSIX).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
