"""TUI speed against a scaled database, with the bare Textual baseline in the same run.

    python bench/tui_timings.py [--audits 3000] [--db FILE | --pg] [--runs 7] [--opens 20]
                                [--records 100]

Start-up, as whole processes alternated with the baseline (bare, vaudit, bare, vaudit …),
medians: the bare Textual app with a 1,000-row DataTable (bench/bare_table_app.py) to its first
paint, against vaudit's home *filled*: the first frame that shows the audits' rows (the
`home_loaded` milestone, marked after the refresh that drew them), with vaudit's peak memory.
Targets: 3,000 audits ≤ 1.5× bare; 30,000 ≤ 2× and under 200 MiB.

Then, in one process driving the real app (timings taken inside the app through its opt-in
`VauditApp.timing` hook, not around Pilot's own waits):
- opening an audit (Enter on home → the audit screen drawn with its items), p50 and p95
  (target p95 < 150 ms);
- recording a result (key → saved by the writer → screen redrawn), p50 and p95 (target p95
  < 50 ms), with the number of full garbage collections that ran meanwhile.
The database is a scale_db.py one (`--audits`, kept in ~/.cache/vaudit-bench), a given file,
or with --pg one built on a local PostgreSQL server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchlib import alternate, cores, median, p95, postgresql, scaled_db

HERE = Path(__file__).resolve().parent

# Runs in a fresh interpreter: the clock starts before anything is imported, as for the bare app.
PROBE = r"""
import time
STARTED = time.perf_counter()
import json, sys
from pathlib import Path
from vaudit.tui.app import VauditApp

app = VauditApp(db_target=sys.argv[1], actor="bench", lang="en",
                config_file=Path(sys.argv[2]), started_at=STARTED)
figures = {}

def timing(what, seconds):
    figures[what] = seconds
    if what == "home_loaded":
        app.exit()

app.timing = timing
app.run(headless=True, size=(120, 40))
import resource
figures["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({k: v for k, v in figures.items() if k in ("home_shown", "home_loaded",
                                                            "peak_kib")}))
"""


def bare_run() -> float:
    out = subprocess.run(
        [sys.executable, str(HERE / "bare_table_app.py"), "--headless"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip().split("=")[1]) / 1000


def vaudit_run(db: str, config: Path, figures: list[dict[str, float]]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, db, str(config)],
        capture_output=True,
        text=True,
        check=True,  # the probe imports vaudit as this process does (same environment)
    ).stdout
    figures.append(json.loads(out.strip().splitlines()[-1]))
    return figures[-1]["home_loaded"]


async def drive(db: str, config: Path, opens: int, records: int) -> dict[str, list[float]]:
    from textual.widgets import DataTable

    from vaudit.tui.app import make_app
    from vaudit.tui.screens.audit import AuditScreen
    from vaudit.tui.screens.home import HomeScreen

    app = make_app(db_target=db, actor="bench", lang="en", config_file=config)
    full: list[float] = []  # the seconds each full collection took
    began = [0.0]

    def count_full(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                began[0] = time.perf_counter()
            else:
                full.append(time.perf_counter() - began[0])

    timings: list[tuple[str, float]] = []
    app.timing = lambda what, seconds: timings.append((what, seconds))
    async with app.run_test(size=(120, 40)) as pilot:

        async def until(check: Callable[[], bool]) -> None:
            # Plain sleeps: Pilot.pause would make every widget process a message each time,
            # and that work would land in the figures being measured.
            for _ in range(4000):
                if check():
                    return
                await asyncio.sleep(0.005)
            raise RuntimeError("timed out")

        await until(lambda: "home_loaded" in app.milestones)
        gc.callbacks.append(count_full)  # from here on: the UI path
        home = app.screen
        assert isinstance(home, HomeScreen)
        table = home.query_one("#rows", DataTable)
        # Open audits spread over the table (draft ones, so results can be recorded).
        rows = [
            n for n, r in enumerate(home.shown[:PAGE_LIMIT]) if r.audit_id and r.status == "draft"
        ]
        step = max(1, len(rows) // opens)
        for index in rows[::step][:opens]:
            table.move_cursor(row=index)
            before = len([k for k, _ in timings if k == "open_audit"])
            app.simulate_key("enter")
            await until(
                lambda before=before: len([k for k, _ in timings if k == "open_audit"]) > before
            )
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, HomeScreen))
        # Record results in the last audit opened: p, then u to clear, over and over.
        table.move_cursor(row=rows[0])
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, AuditScreen) and app.screen.view is not None)
        screen = app.screen
        # Items without a rule proposal, so "p" never stops for an override note.
        free = [
            item.id
            for item in screen.view.checklists.items()
            if item.applies_to(screen.view.scenario)
            and not (screen.answers.get(item.id) and screen.answers[item.id].proposed_result)
        ]
        for n in range(records):
            # "p" on an item, then "u" on the same item to clear it: two recorded changes.
            screen._go_to(free[(n // 2) % len(free)])
            await asyncio.sleep(0.05)  # let the move (maybe to another section) be drawn first
            done = len([k for k, _ in timings if k == "record"])
            app.simulate_key("p" if n % 2 == 0 else "u")
            try:
                await until(lambda done=done: len([k for k, _ in timings if k == "record"]) > done)
            except RuntimeError:
                raise RuntimeError(
                    f"no record after key {n} on {screen.item_id} ({type(app.screen).__name__})"
                ) from None
        await pilot.pause(0.1)
    gc.callbacks.remove(count_full)
    return {
        "full_gc": full,
        "open_audit": [v for k, v in timings if k == "open_audit"],
        "record": [v for k, v in timings if k == "record"],
        "record_write": [v for k, v in timings if k == "record_write"],
    }


PAGE_LIMIT = 180  # stay within the first page of the home table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=3000, help="audits in the scaled database")
    parser.add_argument("--db", type=Path, help="a SQLite database built by bench/scale_db.py")
    parser.add_argument("--pg", action="store_true", help="build it on a local PostgreSQL")
    parser.add_argument("--url", help="a database URL already built by scale_db.py (written to)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--opens", type=int, default=20)
    parser.add_argument("--records", type=int, default=100)
    args = parser.parse_args()
    if args.url:
        measure(args.url, args.url.split(":")[0], args)
        return
    if args.pg:
        with postgresql() as fresh:
            measure(scaled_db(args.audits, url=fresh()), f"postgresql, {args.audits}", args)
        return
    source = args.db or Path(scaled_db(args.audits))
    with tempfile.TemporaryDirectory(prefix="vaudit-bench-") as work:
        scratch = Path(work) / "scratch.sqlite"
        # The record test writes: never into the source. Copied in blocks: a bench holding the
        # whole file would hand its memory to every probe it forks (misread as the probe's).
        shutil.copyfile(source, scratch)
        measure(str(scratch), f"sqlite, {source.name}", args)


def measure(db: str, label: str, args: argparse.Namespace) -> None:
    config = Path(tempfile.mkdtemp(prefix="vaudit-bench-")) / "tui.toml"
    print(f"{cores()} cores; {label}; start-up medians of {args.runs} runs alternated with bare")
    figures: list[dict[str, float]] = []
    filled, bare = alternate(lambda: vaudit_run(db, config, figures), bare_run, args.runs)
    bare_ms, filled_ms = median(bare) * 1000, median(filled) * 1000
    shown_ms = median([f["home_shown"] for f in figures]) * 1000
    peak = max(f["peak_kib"] for f in figures) / 1024
    print(f"bare DataTable app, 1,000 rows, first paint  {bare_ms:7.0f} ms")
    print(f"vaudit home shown (loading frame)            {shown_ms:7.0f} ms")
    print(
        f"vaudit home filled (rows drawn)              {filled_ms:7.0f} ms  "
        f"= {filled_ms / bare_ms:.2f}× bare  (target ≤ 1.5× at 3,000, ≤ 2× at 30,000)"
    )
    print(f"vaudit peak memory at home filled            {peak:7.0f} MiB (target < 200 at 30,000)")
    started = time.perf_counter()
    timings = asyncio.run(drive(db, config, args.opens, args.records))
    opened, recorded, full = timings["open_audit"], timings["record"], timings["full_gc"]
    print(
        f"open an audit, {len(opened)} audits                   "
        f"p50 {median(opened) * 1000:5.0f} ms  p95 {p95(opened) * 1000:5.0f} ms  (target < 150)"
    )
    print(
        f"record a result, {len(recorded)} keys                 "
        f"p50 {median(recorded) * 1000:5.0f} ms  p95 {p95(recorded) * 1000:5.0f} ms  "
        "(target < 50)"
    )
    print(
        f"full garbage collections once home was filled: {len(full)} in "
        f"{time.perf_counter() - started:.0f} s, longest {max(full, default=0) * 1000:.0f} ms"
    )
    if os.environ.get("BENCH_VERBOSE"):
        print("record ms:", [round(x * 1000) for x in recorded])
        print("  of which the write:", [round(x * 1000) for x in timings["record_write"]])


if __name__ == "__main__":
    main()
