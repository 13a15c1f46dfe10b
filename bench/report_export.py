"""Export 1,000 audits of ~60 applicable items, and compare with tomli-w alone.

    python bench/report_export.py [--db FILE] [--audits N]

Without --db, a database is built first with bench/scale_db.py (1,000 audits; not timed). The
figures, all in the same run:

- export to disk: `export_audits` of every audit to a temp folder, as `vaudit export` does it
  (database reads, scoring, findings, building, tomli-w, digests, atomic durable writes);
- export in memory: the same without the files (reads, building, tomli-w, digests);
- tomli-w only: `tomli_w.dumps` of the same report bodies, already in memory;
- the ratios; issue #4's target is that reads and building cost at most as much again as
  tomli-w (in memory <= 2x tomli-w only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from vaudit.audits.db import open_store  # noqa: E402
from vaudit.audits.models import Audit  # noqa: E402
from vaudit.audits.report import build, collect_many, export_audits, render  # noqa: E402
from vaudit.audits.service import Service  # noqa: E402

GENERATED_AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing database (else one is built)")
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db
        if db is None:
            db = Path(scratch) / "bench.sqlite"
            print(f"building a database of {args.audits} audits…", file=sys.stderr)
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "scale_db.py"),
                    str(db),
                    "--audits",
                    str(args.audits),
                    "--vendors",
                    str(max(10, args.audits // 3)),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        service = Service(open_store(str(db)), "bench", today=dt.date(2026, 11, 24))
        with service.store.read() as session:
            ids = list(session.exec(select(Audit.id).order_by(col(Audit.id))).all())[: args.audits]
        service.warm()

        exports, in_memory, dumps = [], [], []
        bodies = []
        for run in range(args.repeat):
            out = Path(scratch) / f"out{run}"
            start = time.perf_counter()
            export_audits(service, ids, f"{out}/", generated_at=GENERATED_AT)
            exports.append(time.perf_counter() - start)
            # The same work without the disk: reads, scoring, building, tomli-w, digests. Each
            # body is dropped once rendered, as an export does (keeping a thousand trees alive
            # would time the garbage collector walking them instead).
            start = time.perf_counter()
            for source in collect_many(service, ids):
                render(build(source, generated_at=GENERATED_AT, generated_by="bench"))
            in_memory.append(time.perf_counter() - start)
            if not bodies:  # the baseline's input, built once and not timed
                bodies = [
                    build(source, generated_at=GENERATED_AT, generated_by="bench")
                    for source in collect_many(service, ids)
                ]
            start = time.perf_counter()
            for body in bodies:
                tomli_w.dumps(body)
            dumps.append(time.perf_counter() - start)

        items = statistics.mean(sum(1 for i in body["items"] if i["applicable"]) for body in bodies)
        size = statistics.mean(len(tomli_w.dumps(b)) for b in bodies[:50])
        n = len(ids)
        export_s, memory_s, dumps_s = (statistics.median(x) for x in (exports, in_memory, dumps))

        def line(label: str, seconds: float) -> None:
            print(f"{label:<34}{seconds:6.2f} s  {seconds / n * 1000:5.1f} ms/audit")

        print(f"audits: {n}, ~{items:.0f} applicable items and ~{size / 1024:.0f} KiB each")
        line("export to disk (vaudit export)", export_s)
        line("export in memory (reads+build+digest)", memory_s)
        line("tomli_w.dumps of the same bodies", dumps_s)
        print(f"ratio in memory / tomli-w only    {memory_s / dumps_s:6.2f}x  (target <= 2x)")
        print(
            f"ratio to disk / tomli-w only      {export_s / dumps_s:6.2f}x  (fsync of every file)"
        )
        service.store.dispose()


if __name__ == "__main__":
    main()
