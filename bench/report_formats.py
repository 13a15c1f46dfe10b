"""Export N audits (1,000 by default) in each format beside the TOML-only export, alternately.

    python bench/report_formats.py [--db FILE] [--audits N] [--repeat R]

Without --db, a database is built first with bench/scale_db.py (not timed). Each round exports
every audit as TOML only (the baseline), then as TOML plus one readable rendering (md, html,
docx), then all four together, and once more all four signed (--sign: FILE.sig of each and a
signed SHA256SUMS), each into a fresh temp folder; the rounds alternate so that the machine's
load falls on all alike. It prints the median of each, per audit, and its ratio to the baseline.
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

from sqlmodel import col, select  # noqa: E402

from vaudit.audits.db import open_store  # noqa: E402
from vaudit.audits.models import Audit  # noqa: E402
from vaudit.audits.report import export_audits  # noqa: E402
from vaudit.audits.service import Service  # noqa: E402
from vaudit.audits.signing.keys import SigningKey  # noqa: E402

GENERATED_AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
RUNS = {  # name: (formats, signed)
    "toml only (baseline)": ("toml", False),
    "toml + md": ("toml,md", False),
    "toml + html": ("toml,html", False),
    "toml + docx": ("toml,docx", False),
    "toml + html + docx + md": ("toml,html,docx,md", False),
    "all four, signed": ("toml,html,docx,md", True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an existing database (else one is built)")
    parser.add_argument("--audits", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median)")
    args = parser.parse_args()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = SigningKey(Ed25519PrivateKey.generate(), "bench@example.com", Path("bench-key"))
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
        times: dict[str, list[float]] = {name: [] for name in RUNS}
        for round_no in range(args.repeat):
            for n, (name, (formats, signed)) in enumerate(RUNS.items()):
                out = Path(scratch) / f"r{round_no}-{n}"
                start = time.perf_counter()
                export_audits(
                    service,
                    ids,
                    f"{out}/",
                    fmt=formats,
                    generated_at=GENERATED_AT,
                    signer=signer if signed else None,
                )
                times[name].append(time.perf_counter() - start)
        count = len(ids)
        baseline = statistics.median(times["toml only (baseline)"])
        print(f"{count} audits, median of {args.repeat} alternating rounds")
        for name, values in times.items():
            seconds = statistics.median(values)
            print(
                f"{name:<26}{seconds:7.2f} s  {seconds / count * 1000:6.1f} ms/audit  "
                f"{seconds / baseline:5.2f}x"
            )


if __name__ == "__main__":
    main()
