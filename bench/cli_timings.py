"""Wall-clock timings of the command line at 1k, 10k and 30k audits, as a user runs it.

    python bench/cli_timings.py [--sizes 1000,10000,30000] [--runs 5] [--pg]

For each size (a database built by scale_db.py, kept in ~/.cache/vaudit-bench or
$VAUDIT_BENCH_CACHE), every list/show/score/verify/watch command runs as a whole process,
alternately with the bare baseline `python -c "import sqlmodel"` (what any command that reads
the database must load): baseline, command, baseline, command … Printed: the command's median
and peak memory, the baseline's median, and the ratio of the medians. `--pg` runs the same on
a local PostgreSQL server (VAUDIT_TEST_PG_URL's, or a throw-away cluster) beside SQLite;
`--url URL` measures one database already built (scale_db.py URL --audits N).
Targets: `audits list --json` at 10,000 audits ≤ 2× the baseline; verify at 180,000 events
(the 3,000-audit database) ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys

from benchlib import alternate, cores, median, postgresql, run_process, scaled_db

BASELINE = [sys.executable, "-c", "import sqlmodel"]
VAUDIT = [sys.executable, "-m", "vaudit.audits.cli"]


def commands(db: str) -> list[tuple[str, list[str]]]:
    """Every list, show, score, verify and watch command, against audit 1 where one is named."""
    return [
        ("audits list", ["audits", "list"]),
        ("audits list --json", ["audits", "list", "--json"]),
        ("audits show 1", ["audits", "show", "1"]),
        ("audits show 1 --json", ["audits", "show", "1", "--json"]),
        ("score 1", ["score", "1"]),
        ("verify", ["verify"]),
        ("watch", ["watch"]),
        ("vendors list", ["vendors", "list"]),
        ("selections list", ["selections", "list"]),
        ("followups list", ["followups", "list"]),
        ("evidence list 1", ["evidence", "list", "1"]),
    ]


def measure(label: str, db: str, runs: int, env: dict[str, str]) -> None:
    for name, args in commands(db):
        memory: list[int] = []

        def once(args: list[str] = args, memory: list[int] = memory) -> float:
            seconds, kib = run_process([*VAUDIT, "--db", db, *args], env)
            memory.append(kib)
            return seconds

        got, bare = alternate(once, lambda: run_process(BASELINE, env)[0], runs)
        mid, base = median(got), median(bare)
        print(
            f"{label:<16} {name:<22} {mid:7.3f} s  {max(memory) / 1024:6.0f} MiB   "
            f"baseline {base:6.3f} s   {mid / base:5.2f}×",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,30000", help="audits per database")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", action="store_true", help="also on a local PostgreSQL server")
    parser.add_argument("--url", help="only this database (e.g. a PostgreSQL one already built)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    env = {**os.environ, "VAUDIT_LANG": "en"}
    env.pop("VAUDIT_DB", None)
    print(f"{cores()} cores; medians of {args.runs} runs, each alternated with the baseline")
    print('baseline: python -c "import sqlmodel"; ratio = command median / baseline median')
    if args.url:
        measure(args.url.split(":")[0].split("+")[0], args.url, args.runs, env)
        return
    for size in sizes:
        measure(f"sqlite {size}", scaled_db(size), args.runs, env)
    if args.pg:
        with postgresql() as fresh:
            for size in sizes:
                measure(f"postgresql {size}", scaled_db(size, url=fresh()), args.runs, env)


if __name__ == "__main__":
    main()
