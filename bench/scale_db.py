"""A large, realistic benchmark database, scaled up from `vaudit demo`.

    python bench/scale_db.py OUT.sqlite [--vendors N] [--audits N] [--seed N] [--replace]
    python bench/scale_db.py postgresql+psycopg://USER@HOST/EMPTYDB --audits N

The demo is loaded first through the service (so its rows, events and scores are genuine); the
rest is bulk-inserted with SQLAlchemy Core, copying the demo's patterns: vendor facts, a few more
selections, candidates at every stage, audits linked to the demo's checklist snapshots, and
answers copied from the demo audits' answers. Audits go in chunks, one write transaction each,
so memory stays flat at 100,000 audits.

Each bulk audit gets the events the service would append (audit.start, one `answer` per answer,
audit.in_review, audit.signed_off carrying the sign-off digest), chained and hashed with the
service's own functions (events.hash_of, tamper.row_hash), so `vaudit verify` checks the whole
database. A signed-off audit is inserted in review, its answers added, then signed off: the
order the immutability triggers (migration 0008) accept. The cached score columns are filled
with the real scoring code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from vaudit.audits import events, tamper
from vaudit.audits.checklist import ChecklistSet, Item
from vaudit.audits.db import open_store
from vaudit.audits.demo import load_demo
from vaudit.audits.demo_answers import value_for
from vaudit.audits.models import (
    ANSWER_FIELDS,
    Answer,
    Audit,
    AuditChecklist,
    AuditStatus,
    Candidate,
    ChainHead,
    ChecklistSnapshot,
    Event,
    Selection,
    Stage,
    Vendor,
    new_uid,
    utcnow,
)
from vaudit.audits.regulatory.credit_code import credit_code_check_character
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import score
from vaudit.audits.service import Service, count_rows
from vaudit.audits.service.facts import propose
from vaudit.audits.values import parse_value, to_canonical
from vaudit.audits.vendor_records import CodeRecord, code_records_from, records_json

ACTOR = "bench"
SIGNER = "王敏（示例审核人）"

# Extra selections, cycled (with a number once they repeat). The scenarios differ from the
# demo's so applicability varies: some items apply only to education, finance or marketing.
EXTRA_SELECTIONS: tuple[tuple[str, Scenario, str], ...] = (
    (
        "示例：在线教育平台验证码",
        Scenario("education", "national", frozenset({"verification"}), 1_200_000),
        "Fictional bench selection: an online school's login codes.",
    ),
    (
        "示例：医院预约挂号通知",
        Scenario("healthcare", "provincial", frozenset({"verification", "notification"}), 250_000),
        "Fictional bench selection: a provincial hospital group's appointment reminders.",
    ),
    (
        "示例：政务服务短信平台",
        Scenario("government", "national", frozenset({"notification"}), 5_000_000),
        "Fictional bench selection: a government service portal's notices.",
    ),
    (
        "示例：零售会员营销短信",
        Scenario("ecommerce", "national", frozenset({"marketing", "notification"}), 8_000_000),
        "Fictional bench selection: a retailer's member campaigns.",
    ),
    (
        "示例：保险公司全国通知",
        Scenario("finance", "national", frozenset({"verification", "notification"}), 2_000_000),
        "Fictional bench selection: an insurer's policy notices.",
    ),
)

# Candidate stages for audited vendors, weighted like a funnel (most still early on).
STAGE_WEIGHTS: tuple[tuple[Stage, int], ...] = (
    (Stage.SCREENING, 35),
    (Stage.TECHNICAL_TEST, 25),
    (Stage.NEGOTIATION, 15),
    (Stage.FINALIST, 10),
    (Stage.REJECTED, 15),
)
REJECT_REASONS = (
    "offers a review-free channel (免审通道): knockout",
    "delivery rate below the test threshold",
    "price far above the other finalists",
    "no disaster-recovery site",
)
# Columns the bulk rows set themselves; everything else of a copied row is kept as is.
ANSWER_COPY_SKIP = {"id", "audit_id", "answered_by", "answered_at", "version"}


def _table(model: type[SQLModel]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _insert(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
    # Core executemany: no ORM identity map or unit of work, which is ~10× faster.
    if rows:
        session.connection().execute(_table(model).insert(), list(rows))


def _next_id(session: Session, model: type[SQLModel]) -> int:
    # Explicit ids let rows reference each other without RETURNING; the write transaction
    # (BEGIN IMMEDIATE) keeps anyone else from taking the same ids meanwhile.
    table = _table(model)
    top = session.connection().execute(sa.select(sa.func.max(table.c.id))).scalar()
    return int(top or 0) + 1


def _rows(session: Session, model: type[SQLModel]) -> list[dict[str, Any]]:
    table = _table(model)
    result = session.connection().execute(sa.select(table).order_by(*table.primary_key.columns))
    return [dict(r) for r in result.mappings()]


@contextmanager
def _timed(timings: dict[str, float], label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[label] = timings.get(label, 0.0) + time.perf_counter() - started  # summed over chunks


def _credit_code(region: str, n: int) -> str:
    # A well-formed, unique (fictional) code: 91 + region + MA + 7 digits + check character.
    first17 = f"91{region}MA{n:07d}"
    return first17 + credit_code_check_character(first17)


def _own_code(template_records: Any, code: str) -> str:
    records = code_records_from(template_records)[:1] or [CodeRecord(code)]
    return records_json([replace(records[0], code=code)])


def _vendor_rows(
    templates: Sequence[dict[str, Any]], first_id: int, count: int, rng: random.Random
) -> list[dict[str, Any]]:
    now = utcnow()
    rows = []
    for k in range(count):
        n = first_id + k
        src = templates[k % len(templates)]
        created = now - dt.timedelta(days=rng.randrange(30, 900), seconds=rng.randrange(86_400))
        region = (src["credit_code"] or "91110108")[2:8]
        rows.append(
            src
            | {
                "id": n,
                "uid": new_uid(),
                "name": f"示例供应商 {n:04d} 有限公司",
                "credit_code": _credit_code(region, n),
                "licence_number": f"B2-20{rng.randrange(10, 24)}{n % 10_000:04d}",
                "access_codes": json.dumps([f"1069{n:05d}"]),
                # The template's code details, moved onto this vendor's own code.
                "code_records": _own_code(src.get("code_records"), f"1069{n:05d}"),
                "contact_email": f"bd@vendor{n:04d}-demo.example" if src["contact_email"] else None,
                "website": f"https://vendor{n:04d}-demo.example" if src["website"] else None,
                "notes": None,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
    return rows


def _selection_rows(first_id: int, count: int) -> list[tuple[dict[str, Any], Scenario]]:
    rows = []
    for k in range(count):
        name, scenario, notes = EXTRA_SELECTIONS[k % len(EXTRA_SELECTIONS)]
        if k >= len(EXTRA_SELECTIONS):
            name = f"{name} {k // len(EXTRA_SELECTIONS) + 1}"
        data = json.loads(scenario.to_json())
        row = {
            "id": first_id + k,
            "uid": new_uid(),
            "name": name,
            "industry": scenario.industry,
            "coverage": scenario.coverage,
            "message_kinds": json.dumps(data["message_kinds"]),
            "monthly_volume": scenario.monthly_volume,
            "notes": notes,
            "created_at": utcnow(),
            "version": 1,
        }
        rows.append((row, scenario))
    return rows


def _scenario_of(row: Mapping[str, Any]) -> Scenario:
    return Scenario(
        industry=row["industry"],
        coverage=row["coverage"],
        message_kinds=frozenset(json.loads(row["message_kinds"])),
        monthly_volume=row["monthly_volume"],
    )


def _made_up_answer(service: Service, item: Item, rng: random.Random) -> dict[str, Any]:
    """An answer for an item no demo audit answered (education/finance-only gates), as the
    demo would write it: a value meant to pass, and the rule's proposal accepted."""
    raw = value_for(item, Result.PASS, service.current_date(), rng)
    value = (
        None if raw is None or item.input.value == "none" else to_canonical(parse_value(item, raw))
    )
    proposal = propose(item, value, service.current_date())
    return {
        "item_id": item.id,
        "result": proposal.result.value if proposal else Result.PASS.value,
        "value": value,
        "note": None,
        "rule": item.rule.kind if item.rule else None,
        "proposed_result": proposal.result.value if proposal else None,
        "proposal_reason_zh": proposal.reason.zh if proposal else None,
        "proposal_reason_en": proposal.reason.en if proposal else None,
        "overridden": False,
    }


def _completion_share(rng: random.Random) -> float:
    # A third of audits are finished; the rest anywhere between 30% and (nearly) done.
    return 1.0 if rng.random() < 0.35 else rng.uniform(0.3, 1.0)


class _Chain:
    """The event log's head as the bulk builder appends to it, hashed as events.append does."""

    def __init__(self, session: Session) -> None:
        head = session.get(ChainHead, 1)
        self.last_id = head.last_event_id if head else 0
        self.last_hash = head.last_hash if head else ""
        self.db_user = events.database_user(session)
        self.rows: list[dict[str, Any]] = []

    def append(
        self,
        at: dt.datetime,
        action: str,
        entity: str,
        entity_id: str | int,
        audit_id: int,
        before: Any = None,
        after: Any = None,
    ) -> None:
        row = {
            "prev_hash": self.last_hash,
            "id": self.last_id + 1,
            "at": at,
            "actor": ACTOR,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "audit_id": audit_id,
            "before": None if before is None else events.canonical_json(before),
            "after": None if after is None else events.canonical_json(after),
            "db_user": self.db_user,
        }
        row["hash"] = events.hash_of([row[name] for name in events.HASHED_COLUMNS])
        self.rows.append(row)
        self.last_id, self.last_hash = row["id"], row["hash"]

    def flush(self, session: Session) -> None:
        _insert(session, Event, self.rows)
        self.rows = []
        session.connection().execute(
            sa.update(_table(ChainHead))
            .where(_table(ChainHead).c.id == 1)
            .values(last_event_id=self.last_id, last_hash=self.last_hash)
        )


def _digest(answers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    # What tamper.audit_digest computes from the stored rows, from the rows about to be stored.
    return {
        "answers": {
            a["item_id"]: tamper.row_hash([a[name] for name in tamper.ANSWER_DIGEST_FIELDS])
            for a in sorted(answers, key=lambda a: a["item_id"])
        },
        "evidence": {},
    }


def build_scaled_db(
    target: str | Path,
    vendors: int = 1000,
    audits: int = 3000,
    seed: int = 7,
    chunk: int = 2000,
) -> dict[str, Any]:
    """Create the demo at `target` (a SQLite path or a database URL), then bulk-add vendors and
    audits up to the given totals, `chunk` audits per write transaction.

    Returns the row counts found afterwards, the total seconds and a per-phase breakdown.
    """
    started = time.perf_counter()
    timings: dict[str, float] = defaultdict(float)
    rng = random.Random(seed)

    with _timed(timings, "demo"):
        store = open_store(str(target))
        if count_rows(store):
            raise ValueError(f"{target} already holds data; the bench database starts empty")
        service = Service(store, ACTOR)
        load_demo(service)

    with store.write() as session:
        with _timed(timings, "read_demo"):
            demo_vendors = _rows(session, Vendor)
            demo_selections = _rows(session, Selection)
            demo_candidates = _rows(session, Candidate)
            demo_audits = _rows(session, Audit)
            demo_links = _rows(session, AuditChecklist)
            demo_answers = _rows(session, Answer)
            snapshots = {s.id: s for s in session.exec(select(ChecklistSnapshot)).all()}

        links_by_audit: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for link in demo_links:
            links_by_audit[link["audit_id"]].append(link)
        answers_by_audit: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
        pool: dict[str, list[dict[str, Any]]] = defaultdict(list)  # every demo answer per item
        for answer in demo_answers:
            copy = {k: v for k, v in answer.items() if k not in ANSWER_COPY_SKIP}
            answers_by_audit[answer["audit_id"]][answer["item_id"]] = copy
            pool[answer["item_id"]].append(copy)
        # Answer sources: the demo audits that answered most items, each with its own verdict style.
        sources = [a for a in demo_audits if len(answers_by_audit[a["id"]]) >= 30]
        template_links = links_by_audit[demo_audits[0]["id"]]
        template_snapshots = [snapshots[link["snapshot_id"]] for link in template_links]
        checklists: ChecklistSet = service.snapshots.checklist_set(template_snapshots)
        checklist_hashes = [s.sha256 for s in template_snapshots]

        with _timed(timings, "plan"):
            # Vendors.
            vendor_rows = _vendor_rows(
                demo_vendors,
                _next_id(session, Vendor),
                max(0, vendors - len(demo_vendors)),
                rng,
            )
            vendor_ids = [v["id"] for v in demo_vendors] + [v["id"] for v in vendor_rows]

            # Selections: enough that each vendor is audited in a few of them, as the
            # (selection, vendor) pair is unique.
            new_audits = max(0, audits - len(demo_audits))
            wanted = math.ceil(1.3 * new_audits / max(1, len(vendor_ids)))
            extra = max(len(EXTRA_SELECTIONS), wanted - len(demo_selections)) if new_audits else 0
            selection_plan = _selection_rows(_next_id(session, Selection), extra)
            scenarios = {s["id"]: _scenario_of(s) for s in demo_selections}
            scenarios |= {row["id"]: sc for row, sc in selection_plan}

            # Candidates: random free (selection, vendor) pairs; audited ones first.
            taken = {(c["selection_id"], c["vendor_id"]) for c in demo_candidates}
            free = [(s, v) for s in scenarios for v in vendor_ids if (s, v) not in taken]
            unaudited = min(len(free) - new_audits, new_audits // 10)
            if unaudited < 0:
                raise ValueError(
                    f"{new_audits} more audits do not fit in {len(free)} free "
                    "(selection, vendor) pairs; ask for more vendors"
                )
            pairs = rng.sample(free, new_audits + unaudited)
            now = utcnow()
            candidate_rows = []
            stages, weights = zip(*STAGE_WEIGHTS, strict=True)
            for k, (selection_id, vendor_id) in enumerate(pairs):
                audited = k < new_audits
                stage = rng.choices(stages, weights)[0] if audited else Stage.SCREENING
                candidate_rows.append(
                    {
                        "selection_id": selection_id,
                        "vendor_id": vendor_id,
                        "stage": stage.value,
                        "reason": rng.choice(REJECT_REASONS) if stage is Stage.REJECTED else None,
                        "stage_changed_at": now - dt.timedelta(minutes=rng.randrange(200_000)),
                        "stage_changed_by": ACTOR,
                    }
                )
            applicable = {
                sid: [i for i in checklists.items() if i.applies_to(sc)]
                for sid, sc in scenarios.items()
            }

        with _timed(timings, "insert"):
            _insert(session, Vendor, vendor_rows)
            _insert(session, Selection, [row for row, _ in selection_plan])
            _insert(session, Candidate, candidate_rows)
        first_audit = _next_id(session, Audit)

    def plan_audit(
        audit_id: int, selection_id: int, vendor_id: int, chain: _Chain
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
        """One audit's row, its answers and its events; the sign-off to apply, if signed."""
        source = answers_by_audit[rng.choice(sources)["id"]]
        items = applicable[selection_id]
        share = _completion_share(rng)
        count = min(len(items), max(math.ceil(0.3 * len(items)), round(share * len(items))))
        chosen = rng.sample(items, count)
        begun = now - dt.timedelta(days=rng.randrange(10, 400), minutes=rng.randrange(1440))
        chain.append(
            begun,
            "audit.start",
            "audit",
            audit_id,
            audit_id,
            after={"vendor": vendor_id, "selection": selection_id, "checklists": checklist_hashes},
        )
        touched = begun
        answers: list[dict[str, Any]] = []
        results: dict[str, Result | None] = {}
        for item in chosen:
            answer = source.get(item.id)
            if answer is None and pool[item.id]:
                answer = rng.choice(pool[item.id])
            if answer is None:
                answer = _made_up_answer(service, item, rng)
                pool[item.id].append(answer)
            touched += dt.timedelta(minutes=rng.randrange(1, 90))
            row = answer | {
                "audit_id": audit_id,
                "answered_by": ACTOR,
                "answered_at": touched,
                "version": 1,
            }
            answers.append(row)
            chain.append(
                touched,
                "answer",
                "answer",
                f"{audit_id}:{item.id}",
                audit_id,
                after={name: row[name] for name in ANSWER_FIELDS},
            )
            result = answer["result"]
            results[item.id] = Result(result) if result else None
        finished = count == len(items)
        roll = rng.random()
        if finished and roll < 0.35:
            status = AuditStatus.SIGNED_OFF
        elif (finished and roll < 0.65) or roll < 0.05:
            status = AuditStatus.IN_REVIEW
        else:
            status = AuditStatus.DRAFT
        sign_off = None
        if status is not AuditStatus.DRAFT:
            chain.append(
                touched,
                "audit.in_review",
                "audit",
                audit_id,
                audit_id,
                before={"status": AuditStatus.DRAFT},
                after={"status": AuditStatus.IN_REVIEW},
            )
        if status is AuditStatus.SIGNED_OFF:
            signed_at = touched + dt.timedelta(days=1)
            chain.append(
                signed_at,
                "audit.signed_off",
                "audit",
                audit_id,
                audit_id,
                before={"status": AuditStatus.IN_REVIEW},
                after={
                    "status": AuditStatus.SIGNED_OFF,
                    "signed_off_by": SIGNER,
                    tamper.DIGEST_KEY: _digest(answers),
                },
            )
            sign_off = {"b_id": audit_id, "b_at": signed_at}
        audit_score = score(checklists, scenarios[selection_id], results)
        audit_row = {
            "id": audit_id,
            "uid": new_uid(),
            "vendor_id": vendor_id,
            "selection_id": selection_id,
            # Signed-off audits are stored in review first: signed off once answered.
            "status": AuditStatus.IN_REVIEW.value if sign_off else status.value,
            "revision": 1,
            "previous_id": None,
            "scenario": scenarios[selection_id].to_json(),
            "started_at": begun,
            "started_by": ACTOR,
            "signed_off_at": None,
            "signed_off_by": None,
            "updated_at": touched + dt.timedelta(days=1) if sign_off else touched,
            "version": {AuditStatus.DRAFT: 1, AuditStatus.IN_REVIEW: 2}.get(status, 3),
            "score_total": audit_score.total,
            "completion": audit_score.completion,
            "verdict": audit_score.verdict.value,
            "answered_count": audit_score.answered,
            "applicable_count": audit_score.applicable,
        }
        return audit_row, answers, sign_off

    a = _table(Audit)
    signing = (
        sa.update(a)
        .where(a.c.id == sa.bindparam("b_id"))
        .values(
            status=AuditStatus.SIGNED_OFF.value,
            signed_off_by=SIGNER,
            signed_off_at=sa.bindparam("b_at"),
        )
    )
    audited = pairs[:new_audits]
    for offset in range(0, len(audited), chunk):
        with store.write() as session:
            chain = _Chain(session)
            audit_rows: list[dict[str, Any]] = []
            answer_rows: list[dict[str, Any]] = []
            sign_offs: list[dict[str, Any]] = []
            with _timed(timings, "plan"):
                for k, (selection_id, vendor_id) in enumerate(
                    audited[offset : offset + chunk], start=offset
                ):
                    audit_row, answers, sign_off = plan_audit(
                        first_audit + k, selection_id, vendor_id, chain
                    )
                    audit_rows.append(audit_row)
                    answer_rows.extend(answers)
                    if sign_off:
                        sign_offs.append(sign_off)
            with _timed(timings, "insert"):
                _insert(session, Audit, audit_rows)
                _insert(
                    session,
                    AuditChecklist,
                    [
                        {
                            "audit_id": row["id"],
                            "position": link["position"],
                            "snapshot_id": link["snapshot_id"],
                        }
                        for row in audit_rows
                        for link in template_links
                    ],
                )
                _insert(session, Answer, answer_rows)
                chain.flush(session)
                if sign_offs:
                    session.connection().execute(signing, sign_offs)
            commit_started = time.perf_counter()
        timings["commit"] += time.perf_counter() - commit_started

    with store.read() as session:
        connection = session.connection()
        counts = {
            model.__name__.lower(): connection.execute(
                sa.select(sa.func.count()).select_from(_table(model))
            ).scalar_one()
            for model in (Vendor, Selection, Candidate, Audit, AuditChecklist, Answer, Event)
        }
    store.dispose()
    return counts | {
        "seconds": round(time.perf_counter() - started, 2),
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the SQLite file to create, or an empty database's URL")
    parser.add_argument("--vendors", type=int, default=1000, help="total vendors (default 1000)")
    parser.add_argument("--audits", type=int, default=3000, help="total audits (default 3000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--replace", action="store_true", help="delete OUT (and its -wal/-shm) first"
    )
    args = parser.parse_args(argv)
    out: str = args.out
    if "://" not in out:
        if args.replace:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{out}{suffix}").unlink(missing_ok=True)
        elif Path(out).exists():
            print(f"{out} exists; pass --replace to overwrite it", file=sys.stderr)
            return 2
    built = build_scaled_db(out, vendors=args.vendors, audits=args.audits, seed=args.seed)
    timings = built.pop("timings")
    seconds = built.pop("seconds")
    print(f"built {out}: " + ", ".join(f"{n} {name}" for name, n in built.items()))
    print(f"took {seconds:.2f}s (" + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
