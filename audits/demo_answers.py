"""How the demo fills an audit through the service, as an auditor would: a value per item that
makes its rule propose the result the vendor's profile calls for, small real evidence files
(PNG, PDF), and follow-ups."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from decimal import Decimal

from vaudit.audits.checklist import Item
from vaudit.audits.demo_vendors import DemoVendor, Profile, days_from
from vaudit.audits.rows import row_id
from vaudit.audits.rules import Result
from vaudit.audits.rules.channel import VALUE_FALLBACK
from vaudit.audits.scoring import Verdict
from vaudit.audits.service import AuditError, Service


def value_for(item: Item, goal: Result, today: dt.date, rng: random.Random) -> str | None:
    """A value for `item` that makes its rule propose `goal` (or a plausible value without rule)."""
    rule = item.rule
    if rule is None or VALUE_FALLBACK.get(rule.kind, rule.kind) is None:
        return _plain_value(item, goal, today, rng)
    p = rule.params
    # A channel rule judges a typed value like its generic counterpart when no run exists.
    kind = VALUE_FALLBACK.get(rule.kind) or rule.kind
    if kind == "at_least":
        t = Decimal(str(p["threshold"]))
        low = Decimal(str(p.get("partial_from", t * Decimal("0.9"))))
        if goal is Result.PASS:
            return str(t + max(Decimal(1), abs(t) * Decimal("0.02")).quantize(Decimal(1)))
        if goal is Result.PARTIAL and "partial_from" in p:
            return str((t + low) / 2)
        return str((low - max(Decimal(1), abs(low) * Decimal("0.1"))).quantize(Decimal(1)))
    if kind == "at_most":
        t = Decimal(str(p["threshold"]))
        high = Decimal(str(p.get("partial_to", t * Decimal("1.1"))))
        if goal is Result.PASS:
            return str(max(Decimal(0), (t * Decimal("0.5")).quantize(Decimal(1))))
        if goal is Result.PARTIAL and "partial_to" in p:
            return str((t + high) / 2)
        return str((high + max(Decimal(1), high * Decimal("0.5"))).quantize(Decimal(1)))
    if kind == "date_not_passed":
        warn = int(p["warn_within_days"])
        if goal is Result.PASS:
            return days_from(today, warn + 200 + rng.randrange(400))
        if goal is Result.PARTIAL and warn > 1:
            return days_from(today, max(1, warn // 2))
        return days_from(today, -30 - rng.randrange(60))
    if kind == "date_recent":
        limit = int(p["max_age_days"])
        return days_from(today, -(limit // 3) if goal is not Result.FAIL else -(limit + 90))
    if kind == "years_since_at_least":
        years = float(p["years"])
        partial = p.get("partial_from_years")
        if goal is Result.PASS:
            span = years + 2
        elif goal is Result.PARTIAL and partial is not None:
            span = (years + float(partial)) / 2
        else:
            span = max(0.5, float(partial or years) - 2)
        return days_from(today, -int(span * 365.25) - 10)
    if kind == "must_be_yes":
        return "yes" if goal is Result.PASS else "no"
    if kind == "must_be_no":
        return "no" if goal is Result.PASS else "yes"
    return None


def _plain_value(item: Item, goal: Result, today: dt.date, rng: random.Random) -> str | None:
    kind = item.input.value
    if kind == "yesno":
        return "yes" if goal is not Result.FAIL else "no"
    if kind == "choice":
        choices = item.choices
        index = (
            0 if goal is Result.PASS else min(len(choices) - 1, 1 if goal is Result.PARTIAL else 2)
        )
        return choices[index].value
    if kind == "date":
        return days_from(today, -rng.randrange(30, 700))
    if kind == "number":
        return str(rng.randrange(1, 100))
    if kind == "text":
        return {
            Result.PASS: "材料齐全，与原件一致。",
            Result.PARTIAL: "部分材料待补充。",
            Result.FAIL: "未能提供材料。",
        }.get(goal, "已核对。")
    return None


NOTES = {
    Result.PARTIAL: "Partly met; follow-up requested from the vendor.",
    Result.FAIL: "Not met; see the evidence.",
}


def _goal_for(item: Item, profile: Profile, rng: random.Random) -> Result:
    if profile.failed_gate and item.gate and item.id.startswith(profile.failed_gate):
        return Result.FAIL
    if item.gate:
        return Result.PASS
    if item.critical:
        return Result(profile.critical_findings.get(item.id, Result.PASS.value))
    roll = rng.random()
    if profile.verdict is Verdict.RECOMMENDED:
        return Result.PASS if roll < 0.9 else Result.PARTIAL
    if profile.verdict is Verdict.CONDITIONAL:
        return Result.PASS if roll < 0.55 else Result.PARTIAL if roll < 0.85 else Result.FAIL
    if profile.verdict is Verdict.NOT_RECOMMENDED:
        return Result.PASS if roll < 0.25 else Result.PARTIAL if roll < 0.45 else Result.FAIL
    return Result.PASS if roll < 0.7 else Result.PARTIAL if roll < 0.9 else Result.FAIL


def answer_audit(
    service: Service,
    audit_id: int,
    vendor: DemoVendor,
    profile: Profile,
    today: dt.date,
    rng: random.Random,
) -> None:
    view = service.view(audit_id)
    applicable = [s.item for sec in view.score.sections for s in sec.items if s.applicable]
    count = round(len(applicable) * profile.answered_share)
    gate_done = False
    for item in applicable[:count] if profile.answered_share < 1 else applicable:
        goal = _goal_for(item, profile, rng)
        if goal is Result.FAIL and item.gate:
            if gate_done:
                goal = Result.PASS
            gate_done = True
        # An item that asks for a vendor fact takes it as the vendor records it (typing a value
        # would rewrite the vendor's record); with nothing recorded it is answered like the rest.
        recorded = item.fact is not None and item.id in view.fact_values
        value = None if recorded else value_for(item, goal, today, rng)
        if item.input.value == "none":
            value = None
        proposes = item.rule is not None and VALUE_FALLBACK.get(item.rule.kind, "") is not None
        result = "auto" if proposes and (value is not None or recorded) else goal.value
        if item.id in profile.critical_findings:
            # The finding the profile names is the auditor's word (a yes/no value cannot say
            # "partial"), recorded with its note.
            result = goal.value
        note = NOTES.get(goal)
        try:
            service.record_answer(audit_id, item.id, result=result, value=value, note=note)
        except AuditError:
            # A vendor fact that makes the rule disagree with the goal: keep the rule's word.
            service.record_answer(audit_id, item.id, result="auto", value=value, note=note)


def _png(width: int = 64, height: int = 40, seed: int = 0) -> bytes:
    """A small real PNG (a coloured card) so evidence opens in any viewer."""
    r, g, b = (seed * 53) % 256, (seed * 97) % 256, (seed * 151) % 256
    raw = b"".join(b"\x00" + bytes((r, g, b)) * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str) -> bytes:
    """A minimal one-page PDF carrying a line of (ASCII) text."""
    text = title.encode("ascii", "replace").decode()
    stream = f"BT /F1 14 Tf 40 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def attach_evidence(service: Service, audit_id: int, vendor: DemoVendor, n: int) -> None:
    view = service.view(audit_id)
    answered = [i for i in view.checklists.items() if i.id in view.answers]
    slug = vendor.facts.get("website", "https://vendor-demo.example").split("//")[1]
    for k, item in enumerate(answered[:4]):
        if k % 2 == 0:
            service.add_evidence_bytes(
                audit_id,
                item.id,
                f"{item.group}-scan-demo.pdf",
                _pdf(f"DEMO ONLY - fictional document {item.id} #{n}"),
            )
        else:
            service.add_evidence_bytes(
                audit_id, item.id, f"{item.group}-screenshot-demo.png", _png(seed=n * 10 + k)
            )
    if answered:
        service.add_evidence_url(
            audit_id,
            answered[0].id,
            f"https://{slug}/licence-demo",
            note="Fictional page for the demo",
        )


def add_follow_ups(service: Service, audit_id: int, today: dt.date) -> None:
    """One evidence file with an expiry date and two follow-ups (one overdue, one done), so the
    watch and the audit screen show them."""
    view = service.view(audit_id)
    files = [e for rows in view.evidence.values() for e in rows if e.kind == "file"]
    if files:
        service.set_evidence_expiry(row_id(files[0]), today + dt.timedelta(days=45))
    items = [i for i in view.checklists.items() if i.id in view.answers]
    if len(items) < 2:
        return
    service.add_follow_up(
        audit_id,
        items[0].id,
        "Send the renewed certificate scan (demo)",
        "李娜（供应商联系人，示例）",
        today - dt.timedelta(days=10),
    )
    done = service.add_follow_up(
        audit_id,
        items[1].id,
        "Confirm the complaint hotline number (demo)",
        "李娜（供应商联系人，示例）",
        today - dt.timedelta(days=20),
    )
    service.set_follow_up_done(row_id(done), expected_version=done.version)
