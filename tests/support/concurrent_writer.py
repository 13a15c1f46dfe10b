"""One auditor writing answers to one audit, for the two-process test in tests/test_concurrency.py.

    python -m tests.support.concurrent_writer DB AUDIT NAME ROUNDS ITEM [ITEM...]

Prints `ready`, waits for a line on stdin (so both processes start together), then for each
round and item: reads the item's current version (as a screen would), and records a result with
a note unique to this write, either based on that version (a stale one is refused) or blind
(last writer wins, as `vaudit answer` without --if-version). Every outcome is printed as one
JSON line: what was written, and whether it was saved (with the version it got) or refused.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time

from vaudit.audits.db import DatabaseError, open_store
from vaudit.audits.service import Service, StaleWrite


def main(argv: list[str]) -> int:
    target, audit_text, name, rounds_text, *items = argv
    audit_id, rounds = int(audit_text), int(rounds_text)
    service = Service(open_store(target), name, today=dt.date(2026, 11, 24))
    service.view(audit_id)  # parse the checklists before the start, not during the race
    rng = random.Random(name)
    print("ready", flush=True)
    sys.stdin.readline()
    for round_no in range(rounds):
        for item in rng.sample(items, len(items)):
            note = f"{name} round {round_no} {item}"
            read = service.view(audit_id).answers.get(item)
            expected = read.version if read else 0
            blind = rng.random() < 0.25
            time.sleep(rng.random() * 0.004)  # think time: lets the other process get in between
            outcome = {"item": item, "note": note, "based_on": None if blind else expected}
            try:
                saved = service.record_answer(
                    audit_id,
                    item,
                    result=rng.choice(["pass", "partial", "fail"]),
                    note=note,
                    expected_version=None if blind else expected,
                )
            except StaleWrite as refused:
                outcome |= {"saved": False, "error": str(refused)}
            except DatabaseError as refused:
                outcome |= {"saved": False, "error": str(refused)}
            else:
                outcome |= {"saved": True, "version": saved.version}
            print(json.dumps(outcome, ensure_ascii=False), flush=True)
    service.store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
