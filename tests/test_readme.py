"""The README's command-line walkthrough runs as written, top to bottom, on a fresh database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

SECTION = "## The command line"


def walkthrough() -> str:
    """Every `sh` block from the command-line section to the end of the README, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tail = readme[readme.index(SECTION) :]
    blocks = re.findall(r"^```sh\n(.*?)^```$", tail, flags=re.DOTALL | re.MULTILINE)
    assert blocks, "no sh block after the command-line heading"
    return "\n".join(blocks)


def test_readme_command_line_runs_as_written(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "vaudit"
    # The checkout's code, whether installed (CI) or on PYTHONPATH (development).
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m vaudit.audits.cli "$@"\n')
    shim.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VAUDIT_", "XDG_")) and k not in {"HOME", "PATH"}
    }
    env |= {"HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    script = tmp_path / "walkthrough.sh"
    # Stop at the first failing command and say which; stop the simulator whatever happens.
    prologue = "set -e -o pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"
    script.write_text(prologue + walkthrough())
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        ["bash", "-x", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    assert "Traceback" not in done.stderr
    # What the walkthrough says it makes is there.
    assert list((work / "reports").glob("*-audit1-r1.toml"))
    assert (work / "final.toml").is_file()
    assert (work / "run1.json").is_file()
