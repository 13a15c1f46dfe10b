"""A writer to be killed (tests/test_faults.py): records answers and evidence notes until SIGKILL.

    python -m tests.support.crash_writer DB AUDIT

Each write is one committed service call; after it returns, the writer prints what it wrote as
one JSON line (its acknowledgement). It never stops on its own.
"""

from __future__ import annotations

import itertools
import json
import sys

from tests.helpers import MINI
from vaudit.audits.checklist import build_set, sources_in
from vaudit.audits.db import open_store
from vaudit.audits.service import Service


def main(argv: list[str]) -> int:
    target, audit_text = argv
    audit_id = int(audit_text)
    service = Service(open_store(target), "crash", checklists=build_set(sources_in(MINI)))
    for n in itertools.count():
        note = f"write {n}"
        if n % 2:
            service.add_evidence_note(audit_id, "beta.misc.review", note)
            kind = "evidence"
        else:
            service.record_answer(audit_id, "beta.misc.review", result="pass", note=note)
            kind = "answer"
        print(json.dumps({"kind": kind, "note": note}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
