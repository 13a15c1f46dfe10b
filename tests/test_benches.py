"""Every bench script runs, at a small size, and prints its figures beside its baseline.

The benches measure speed (bench/README.md); these runs only make sure they still work and tell
the truth about what they build: no figure is checked here, as tests never time things.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.bench_smoke

BENCH = ROOT / "bench"
SMOKE_AUDITS = 120


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cache = tmp_path_factory.mktemp("bench-cache")
    return {**os.environ, "VAUDIT_BENCH_CACHE": str(cache), "VAUDIT_LANG": "en"}


def run(script: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def smoke_db(bench_env: dict[str, str]) -> Path:
    db = Path(bench_env["VAUDIT_BENCH_CACHE"]) / f"scale-{SMOKE_AUDITS}.sqlite"
    # As benchlib.scaled_db builds it (vendors: as many as audits up to 1,000), so the other
    # scripts find it in the cache instead of building it again.
    size = str(SMOKE_AUDITS)
    out = run("scale_db.py", str(db), "--audits", size, "--vendors", size, env=bench_env)
    assert f"{SMOKE_AUDITS} audit" in out
    return db


def test_scale_db_builds_audits_whose_events_and_sign_offs_verify(
    smoke_db: Path, bench_env: dict[str, str]
) -> None:
    verified = subprocess.run(
        [sys.executable, "-m", "vaudit.audits.cli", "--db", str(smoke_db), "verify"],
        capture_output=True,
        text=True,
        env=bench_env,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    lines = verified.stdout.splitlines()
    events = int(lines[0].split(":")[1].split()[0])
    checked = int(lines[1].split(":")[1].split()[0])
    # The demo alone has a few hundred events and 2 signed-off audits; the bulk audits bring
    # their own (start, answers, review, sign-off with its digest).
    assert events > 30 * SMOKE_AUDITS and checked > 2, verified.stdout


def test_cli_timings(smoke_db: Path, bench_env: dict[str, str]) -> None:
    out = run("cli_timings.py", "--sizes", str(SMOKE_AUDITS), "--runs", "1", env=bench_env)
    assert "audits list --json" in out and "verify" in out and "baseline" in out


def test_tui_timings(smoke_db: Path, bench_env: dict[str, str]) -> None:
    out = run(
        "tui_timings.py",
        *("--audits", str(SMOKE_AUDITS), "--runs", "1", "--opens", "2", "--records", "4"),
        env=bench_env,
    )
    assert "home filled" in out and "× bare" in out and "record a result" in out


def test_report_export(smoke_db: Path, bench_env: dict[str, str]) -> None:
    out = run("report_export.py", "--audits", str(SMOKE_AUDITS), "--repeat", "1", env=bench_env)
    assert "export to disk" in out and "ratio to disk / tomli-w only" in out


def test_channel_throughput(bench_env: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = run(
        "channel_throughput.py",
        *("--messages", "150", "--rounds", "1", "--port", str(port)),
        env=bench_env,
    )
    assert "simulator alone" in out
    assert out.count("arrived 150/150, pseudo-success 0") == 2, out
