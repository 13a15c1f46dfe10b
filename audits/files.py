"""Writing files so that a reader sees the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

# What a file given to read (a report, a checklist, a card list, a profile) may weigh at most,
# unless the caller says otherwise: far above any real one, far below what exhausts memory.
MAX_INPUT_BYTES = 64 * 1024 * 1024


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
    refuse_non_regular(target)
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


class NotRegularTarget(Exception):
    """The file to write exists and is a device, FIFO, socket or folder: never replaced, even
    with --force (renaming over /dev/null would put a plain file where the device was)."""


def refuse_non_regular(target: Path) -> None:
    try:
        mode = target.stat().st_mode
    except OSError:
        return  # missing (the usual case), or unreadable: the write itself will say
    if not stat.S_ISREG(mode):
        raise NotRegularTarget(
            f"{target} is not a regular file ({_kind(mode)}); it is never replaced, "
            "even with --force: name a file"
        )


class InputFileError(Exception):
    """A file given to read that is missing, not a regular file, unreadable or too big; the
    message is for the user."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def regular_file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a file (missing, a folder, a FIFO, a device), or None."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"no such file: {path}"
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"{path} is not a regular file ({_kind(mode)})"
    return None


def read_input(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Opened without blocking, so a
    FIFO is refused at once instead of waiting for a writer, and checked on the open file
    (not only the name), so /dev/zero or a folder is refused however it was named."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputFileError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputFileError(f"{path} is not a regular file (a folder)") from None
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError(f"{path} is not a regular file ({_kind(mode)})")
        try:
            content = handle.read(limit + 1)
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(content) > limit:
        raise InputFileError(
            f"{path} is larger than {limit / (1024 * 1024):g} MB, which is more than it may be"
        )
    return content


def missing_folders(folder: Path) -> list[Path]:
    """The folders `folder.mkdir(parents=True)` would create, deepest first: what to remove
    again if the write they were made for fails."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    return missing


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove each folder that is still empty (deepest first); keep any that holds something."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()
