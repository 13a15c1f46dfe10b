"""Type-check the package with mypy (strict, configured in pyproject.toml).

python scripts/typecheck.py

The repository keeps `audits/`, `tui/` and `checklists/` as top-level folders that setuptools
installs as `vaudit.audits`, `vaudit.tui` and `vaudit.checklists`. mypy knows no such mapping,
so it reads the package through a temporary folder `vaudit/` of symlinks to those folders.
Its cache stays in `.mypy_cache/` at the repository root, so a rerun takes seconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBPACKAGES = ("audits", "tui", "checklists")


def run_mypy(work: Path) -> subprocess.CompletedProcess[str]:
    """mypy over the package `vaudit`, assembled in `work` (an empty folder); its output names
    files by their path in the repository (`audits/db.py`, not `vaudit/audits/db.py`)."""
    package = work / "vaudit"
    package.mkdir()
    for name in SUBPACKAGES:
        (package / name).symlink_to(ROOT / name, target_is_directory=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            "-p",
            "vaudit",
        ],
        cwd=work,
        env={**os.environ, "MYPYPATH": str(work)},
        capture_output=True,
        text=True,
    )
    done.stdout = re.sub(r"^vaudit/", "", done.stdout, flags=re.MULTILINE)
    return done


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vaudit-mypy-") as work:
        done = run_mypy(Path(work))
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
