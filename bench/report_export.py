"""Export 1,000 audits of ~70 applicable items written to disk, against tomli-w alone.

    python bench/report_export.py [--db FILE] [--audits 1000] [--repeat 3]

Without --db, the scale_db.py database of that many audits is used (built once, kept in
~/.cache/vaudit-bench). Measured in turn, round after round (baseline, export, in memory …),
medians quoted:

- tomli-w only (the baseline): `tomli_w.dumps` of the same report bodies, already in memory;
- export to disk: `export_audits` of every audit to a fresh folder, as `vaudit export` does it
  (database reads, scoring, findings, building, tomli-w, digests, atomic fsync'd writes);
- export in memory: the same without the files.
Target: export to disk ≤ 2× tomli-w only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import tomli_w
from benchlib import cores, median, scaled_db
from sqlmodel import col, select

from vaudit.audits.db import open_store
from vaudit.audits.models import Audit
from vaudit.audits.report import build, collect_many, export_audits, render
from vaudit.audits.service import Service

GENERATED_AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing database (else one is built)")
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure (median)")
    args = parser.parse_args()
    db = str(args.db) if args.db else scaled_db(args.audits)
    with tempfile.TemporaryDirectory() as scratch:
        service = Service(open_store(db), "bench", today=dt.date(2026, 11, 24))
        with service.store.read() as session:
            ids = list(session.exec(select(Audit.id).order_by(col(Audit.id))).all())[: args.audits]
        service.warm()
        # The baseline's input, built once and not timed.
        bodies = [
            build(source, generated_at=GENERATED_AT, generated_by="bench")
            for source in collect_many(service, ids)
        ]

        exports, in_memory, dumps = [], [], []
        for run in range(args.repeat):
            start = time.perf_counter()
            for body in bodies:
                tomli_w.dumps(body)
            dumps.append(time.perf_counter() - start)

            out = Path(scratch) / f"out{run}"
            start = time.perf_counter()
            export_audits(service, ids, f"{out}/", generated_at=GENERATED_AT)
            exports.append(time.perf_counter() - start)

            # The same work without the disk. Each body is dropped once rendered, as an export
            # does (keeping a thousand trees alive would time the garbage collector instead).
            start = time.perf_counter()
            for source in collect_many(service, ids):
                render(build(source, generated_at=GENERATED_AT, generated_by="bench"))
            in_memory.append(time.perf_counter() - start)

        items = statistics.mean(sum(1 for i in body["items"] if i["applicable"]) for body in bodies)
        size = statistics.mean(len(tomli_w.dumps(b)) for b in bodies[:50])
        n = len(ids)
        export_s, memory_s, dumps_s = (median(x) for x in (exports, in_memory, dumps))

        def line(label: str, seconds: float) -> None:
            print(f"{label:<40}{seconds:6.2f} s  {seconds / n * 1000:5.1f} ms/audit")

        print(f"{cores()} cores; medians of {args.repeat} rounds, each measure in turn")
        print(f"audits: {n}, ~{items:.0f} applicable items and ~{size / 1024:.0f} KiB each")
        line("tomli_w.dumps of the same bodies (base)", dumps_s)
        line("export to disk (vaudit export)", export_s)
        line("export in memory (reads+build+digest)", memory_s)
        print(f"ratio to disk / tomli-w only      {export_s / dumps_s:6.2f}×  (target ≤ 2×)")
        print(f"ratio in memory / tomli-w only    {memory_s / dumps_s:6.2f}×")
        service.store.dispose()


if __name__ == "__main__":
    main()
