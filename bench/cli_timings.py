"""Wall-clock timings of the command line, as a user runs it (whole processes).

    python bench/cli_timings.py [--runs N]

Prints the median and min of: `vaudit --help`, `vaudit demo` on a fresh database,
`vaudit audits list`, `vaudit audits list --json`, `vaudit score 1`, `vaudit verify`; beside
each, the median of a bare baseline (`python -c "import sqlmodel"`, what any command that reads
the database must load) run alternately with it, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def vaudit() -> list[str]:
    found = shutil.which("vaudit")
    return (
        [found] if found else [sys.executable, "-c", "from vaudit.audits.cli import main; main()"]
    )


BASELINE = [sys.executable, "-c", "import sqlmodel"]


def _run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def timed(
    args: list[str], env: dict[str, str], cwd: Path, bare: list[float] | None = None
) -> float:
    """One run of `vaudit ARGS`, preceded by one of the baseline (appended to `bare`)."""
    if bare is not None:
        bare.append(_run(BASELINE, env, cwd))
    return _run([*vaudit(), *args], env, cwd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {
            **os.environ,
            "XDG_DATA_HOME": str(root / "data"),
            "XDG_CONFIG_HOME": str(root / "config"),
            "VAUDIT_LANG": "en",
        }
        env.pop("VAUDIT_DB", None)
        results: dict[str, tuple[list[float], list[float]]] = {}

        def measure(label: str, args: list[str]) -> None:
            bare: list[float] = []
            results[label] = ([timed(args, env, root, bare) for _ in range(runs)], bare)

        measure("vaudit --help", ["--help"])
        demo: list[float] = []
        demo_bare: list[float] = []
        for n in range(runs):
            db = root / f"demo{n}.sqlite"
            demo.append(timed(["--db", str(db), "demo"], env, root, demo_bare))
        results["vaudit demo (fresh database)"] = (demo, demo_bare)
        db = str(root / "demo0.sqlite")
        for label, args in [
            ("vaudit audits list", ["audits", "list"]),
            ("vaudit audits list --json", ["audits", "list", "--json"]),
            ("vaudit score 1", ["score", "1"]),
            ("vaudit verify", ["verify"]),
        ]:
            measure(label, ["--db", db, *args])
    width = max(len(k) for k in results)
    print(f"{'command':<{width}}  median    min   baseline  ratio   (runs={runs}, alternated)")
    for label, (values, bare) in results.items():
        mid, base = statistics.median(values), statistics.median(bare)
        print(
            f"{label:<{width}}  {mid:6.3f}s {min(values):6.3f}s  {base:6.3f}s  {mid / base:5.2f}×"
        )
    print('baseline: python -c "import sqlmodel"')


if __name__ == "__main__":
    main()
