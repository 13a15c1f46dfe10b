"""The checklists and migrations must come from a built wheel, not only from this checkout."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    # Built from a clean copy: setuptools packs whatever an earlier build left in build/lib,
    # so a checkout's stale build folder could put removed modules into the wheel.
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".dev", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(work / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        cwd=work,
    )
    [wheel] = list((work / "dist").glob("vaudit-*.whl"))
    (work / "wheel-path").write_text(str(wheel))
    env_dir = work / "venv"
    # A plain venv (no --system-site-packages: from inside a venv that would reach the base
    # Python, not the environment the tests run in). The running environment's site-packages
    # are appended by a .pth file so the dependencies are found offline; the venv's own
    # site-packages come first, so the wheel installed there is what gets imported.
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, capture_output=True)
    inner = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    outer = {
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
        *site.getsitepackages(),
    }
    (Path(inner) / "outer-environment.pth").write_text("\n".join(sorted(outer)) + "\n")
    pip = [
        str(env_dir / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--force-reinstall",
        str(wheel),
    ]
    subprocess.run(pip, check=True, capture_output=True)
    return env_dir


def clean_env(cwd: Path) -> dict[str, str]:
    """No PYTHONPATH (it could put a source checkout before the wheel) and no user's database."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VAUDIT_DB")}
    env["XDG_DATA_HOME"] = str(cwd / "data")
    env["XDG_CONFIG_HOME"] = str(cwd / "config")
    return env


def run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "vaudit"), *args],
        cwd=cwd,
        env=clean_env(cwd),
        capture_output=True,
        text=True,
    )


def test_the_installed_wheel_has_its_checklists_and_migrations(venv: Path, tmp_path: Path) -> None:
    located = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import vaudit.checklists, vaudit.audits.migrations; print(vaudit.checklists.__file__)",
        ],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert located.startswith(str(venv)), located
    listing = run(venv, tmp_path, "checklists", "list", "--json")
    assert listing.returncode == 0, listing.stderr
    data = json.loads(listing.stdout)
    assert len(data["checklists"]) == 7
    assert all(c["source"].startswith("shipped:") for c in data["checklists"])
    assert sum(c["items"] for c in data["checklists"]) >= 50
    # A database is created and migrated from the wheel's own migration scripts.
    db = tmp_path / "w.sqlite"
    made = run(venv, tmp_path, "--db", str(db), "vendors", "add", "Wheel Co")
    assert made.returncode == 0, made.stderr
    assert run(venv, tmp_path, "--db", str(db), "verify").stdout.startswith("event log intact")


def test_the_installed_wheel_opens_the_tui(venv: Path, tmp_path: Path) -> None:
    """The screens and their CSS ship in the wheel: the app starts and shows home from it."""
    db = tmp_path / "w.sqlite"
    made = run(venv, tmp_path, "--db", str(db), "vendors", "add", "Wheel Co")
    assert made.returncode == 0, made.stderr
    script = f"""
import asyncio
import vaudit.tui as tui
from pathlib import Path
from vaudit.tui.app import make_app
async def main():
    app = make_app(db_target={str(db)!r}, actor="w", lang="en",
                   config_file=Path({str(tmp_path / "tui.toml")!r}))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(500):
            if "home_loaded" in app.milestones:
                break
            await pilot.pause(0.02)
        table = app.screen.query_one("#rows")
        print(tui.__file__, table.row_count)
asyncio.run(main())
"""
    shown = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    location, rows = shown.stdout.split()
    assert location.startswith(str(venv)) and rows == "1"


def test_the_wheel_installs_one_import_package(venv: Path) -> None:
    """Only `vaudit` (and its dist-info) at the top of site-packages: no `audits`, `tui`, ..."""
    wheel = Path((venv.parent / "wheel-path").read_text())
    with zipfile.ZipFile(wheel) as archive:
        top = {name.split("/", 1)[0] for name in archive.namelist()}
        names = archive.namelist()
    assert top == {"vaudit", "vaudit-0.1.0.dist-info"}, top
    assert "vaudit/audits/service/facade.py" in names and "vaudit/tui/app.tcss" in names
    assert any(n.startswith("vaudit/checklists/") and n.endswith(".toml") for n in names)
    entry = [n for n in names if n.endswith("entry_points.txt")]
    with zipfile.ZipFile(wheel) as archive:
        assert "vaudit = vaudit.audits.cli:main" in archive.read(entry[0]).decode()
