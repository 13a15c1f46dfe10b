"""Wall-clock timings of the command line, as a user runs it (whole processes).

    python bench/cli_timings.py [--runs N]

Prints the median and min of: `vaudit --help`, `vaudit demo` on a fresh database,
`vaudit audits list`, `vaudit audits list --json`, `vaudit score 1`, `vaudit verify`.
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


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run([*vaudit(), *args], env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


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
        results: dict[str, list[float]] = {}
        results["vaudit --help"] = [timed(["--help"], env, root) for _ in range(runs)]
        demo = []
        for n in range(runs):
            db = root / f"demo{n}.sqlite"
            demo.append(timed(["--db", str(db), "demo"], env, root))
        results["vaudit demo (fresh database)"] = demo
        db = str(root / "demo0.sqlite")
        for label, args in [
            ("vaudit audits list", ["audits", "list"]),
            ("vaudit audits list --json", ["audits", "list", "--json"]),
            ("vaudit score 1", ["score", "1"]),
            ("vaudit verify", ["verify"]),
        ]:
            results[label] = [timed(["--db", db, *args], env, root) for _ in range(runs)]
    width = max(len(k) for k in results)
    print(f"{'command':<{width}}  median    min   (runs={runs})")
    for label, values in results.items():
        print(f"{label:<{width}}  {statistics.median(values):6.3f}s {min(values):6.3f}s")


if __name__ == "__main__":
    main()
