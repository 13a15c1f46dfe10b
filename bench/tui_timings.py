"""TUI speed against a large database (1,000 vendors, 3,000 audits), with the baseline measured
in the same run.

    python bench/tui_timings.py [--db BIG.sqlite] [--runs 7] [--opens 20] [--records 100]

Prints, as medians over separate processes:
- the bare Textual app with a 1,000-row DataTable (bench/bare_table_app.py), first paint;
- vaudit: the home screen shown and taking keys, and the home table filled with every audit;
and, in one process driving the real app:
- opening an audit (Enter on home → the audit screen drawn with its items);
- recording a result (key → saved by the writer → screen redrawn), p50 and p95.
The timings are taken inside the app, through its opt-in `VauditApp.timing` hook, not around
Pilot's own waits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

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
print(json.dumps({k: v for k, v in figures.items() if k in ("home_shown", "home_loaded")}))
"""


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p95_ms(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000


def bare_runs(runs: int) -> list[float]:
    figures = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, str(HERE / "bare_table_app.py"), "--headless"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures.append(float(out.strip().split("=")[1]) / 1000)
    return figures


def vaudit_runs(db: Path, runs: int, config: Path) -> tuple[list[float], list[float]]:
    shown, loaded = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(db), str(config)],
            capture_output=True,
            text=True,
            check=True,  # the probe imports vaudit as this process does (same environment)
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        shown.append(figures["home_shown"])
        loaded.append(figures["home_loaded"])
    return shown, loaded


async def drive(db: Path, config: Path, opens: int, records: int) -> dict[str, list[float]]:
    from textual.widgets import DataTable

    from vaudit.tui.app import make_app
    from vaudit.tui.screens.audit import AuditScreen
    from vaudit.tui.screens.home import HomeScreen

    app = make_app(db_target=str(db), actor="bench", lang="en", config_file=config)
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
        home = app.screen
        assert isinstance(home, HomeScreen)
        table = home.query_one("#rows", DataTable)
        # Open audits spread over the table (draft ones, so results can be recorded).
        rows = [n for n, r in enumerate(home.shown) if r.audit_id and r.status == "draft"]
        step = max(1, len(rows[:PAGE_LIMIT]) // opens)
        for index in rows[:PAGE_LIMIT:step][:opens]:
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
    return {
        "open_audit": [v for k, v in timings if k == "open_audit"],
        "record": [v for k, v in timings if k == "record"],
        "record_write": [v for k, v in timings if k == "record_write"],
    }


PAGE_LIMIT = 180  # stay within the first page of the home table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a database built by bench/scale_db.py")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--opens", type=int, default=20)
    parser.add_argument("--records", type=int, default=100)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vaudit-bench-"))
    config = work / "tui.toml"
    db = args.db
    if db is None:
        sys.path.insert(0, str(HERE))
        from scale_db import build_scaled_db

        db = work / "big.sqlite"
        built = build_scaled_db(db)
        print(f"built {db}: {built['seconds']:.1f} s")
    scratch = work / "scratch.sqlite"
    scratch.write_bytes(db.read_bytes())  # the record test writes: never into the given file

    bare = bare_runs(args.runs)
    shown, loaded = vaudit_runs(scratch, args.runs, config)
    bare_ms = median_ms(bare)
    print(
        f"bare DataTable app, 1,000 rows, first paint   {bare_ms:7.0f} ms  (median of {args.runs})"
    )
    print(
        f"vaudit home shown, taking keys                 {median_ms(shown):7.0f} ms  "
        f"= {median_ms(shown) / bare_ms:.2f}× bare (target ≤ 1.5×)"
    )
    print(
        f"vaudit home filled (3,000 audits, first page)  {median_ms(loaded):7.0f} ms  "
        f"= {median_ms(loaded) / bare_ms:.2f}× bare"
    )
    figures = asyncio.run(drive(scratch, config, args.opens, args.records))
    opened = figures["open_audit"]
    print(
        f"open an audit (~70 items), {len(opened)} audits        "
        f"p50 {median_ms(opened):5.0f} ms  p95 {p95_ms(opened):5.0f} ms  (target < 200 ms)"
    )
    recorded = figures["record"]
    print(
        f"record a result, {len(recorded)} keys               "
        f"p50 {median_ms(recorded):5.0f} ms  p95 {p95_ms(recorded):5.0f} ms  (target < 50 ms p95)"
    )
    if os.environ.get("BENCH_VERBOSE"):
        print("record ms:", [round(x * 1000) for x in recorded])
        print("  of which the write:", [round(x * 1000) for x in figures["record_write"]])


if __name__ == "__main__":
    main()
