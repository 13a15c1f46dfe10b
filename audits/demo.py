"""`vaudit demo`: a realistic, clearly fictional selection to explore every feature with.

Every name, code and document here is invented (names carry 示例 / "demo", web addresses use
.example). Answers go through the same service calls an auditor's would, so the demo's audits
are scored, proposed and logged exactly like real ones.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import delete, select

from vaudit.audits.checklist import Item
from vaudit.audits.db import Store, backup_sqlite, sqlite_path
from vaudit.audits.models import (
    Answer,
    Audit,
    AuditChecklist,
    Blob,
    Candidate,
    ChainHead,
    ChecklistSnapshot,
    Event,
    Evidence,
    FollowUp,
    Selection,
    Vendor,
)
from vaudit.audits.regulatory.credit_code import credit_code_check_character
from vaudit.audits.rules import Result
from vaudit.audits.rules.channel import VALUE_FALLBACK
from vaudit.audits.scenario import Scenario
from vaudit.audits.scoring import Verdict
from vaudit.audits.service import AuditError, Service


class DemoRefused(AuditError):
    pass


def credit_code(region: str, body: str) -> str:
    """A well-formed (fictional) unified social credit code: 91 + region + 9 + check."""
    first17 = f"91{region}{body}"
    return first17 + credit_code_check_character(first17)


@dataclass
class Profile:
    """How an audit of this vendor should come out, and how far it has got."""

    verdict: Verdict
    answered_share: float = 1.0  # of applicable items
    failed_gate: str | None = None  # an item id (or a prefix) that fails
    status: str = "draft"  # draft, in_review, signed_off
    revise: bool = False
    stage: str = "screening"
    reason: str | None = None


@dataclass
class DemoVendor:
    facts: dict[str, str]
    profile: Profile | None
    extra: dict[str, Any] = field(default_factory=dict)


def _days(today: dt.date, n: int) -> str:
    return (today + dt.timedelta(days=n)).isoformat()


def _vendors(today: dt.date) -> list[DemoVendor]:
    vendors = _vendor_cards(today)
    for vendor, extra in zip(vendors, _regulatory_facts(today), strict=True):
        vendor.facts.update(extra)
        # A licence runs five years: its issue date follows from its expiry.
        expiry = dt.date.fromisoformat(vendor.facts["licence_expiry"])
        vendor.facts["licence_issued_on"] = expiry.replace(year=expiry.year - 5).isoformat()
    return vendors


def _regulatory_facts(today: dt.date) -> list[dict[str, str]]:
    """Facts the named rules read, varied so that each rule passes, warns and fails somewhere."""
    y = today.year

    def ago(days: int) -> str:
        return (today - dt.timedelta(days=days)).isoformat()

    def ahead(days: int) -> str:
        return (today + dt.timedelta(days=days)).isoformat()

    def years(first: int, last: int) -> str:
        return f"{y - first}-{y - last}"

    return [
        # 星河: everything in order; its one port change was filed before the switch.
        {
            "annual_report_year": str(y - 1),
            "mlps_level": "3",
            "mlps_report_on": ago(200),
            "mlps_conclusion": "符合",
            "staff_insured": "45",
            "major_violation_3y": "no",
            "first_contract_on": f"{y - 12}-09-01",
            "access_codes": (
                f"10690587 {y - 8}-04-02 mobile,unicom,telecom valid:{ahead(700)} active "
                f"used:{ago(1)}\n10660587 {y - 5}-06-01 mobile,unicom,telecom active used:{ago(2)}"
            ),
            "port_changes": f"{ago(200)} SP0587A -> SP0587B filed:{ago(210)} # 新网关，先备案",
            "tax_years": years(6, 1),
            "association_member_since": str(y - 8),
        },
        # 蓝鲸: basically conforming, licence near renewal.
        {
            "annual_report_year": str(y - 1),
            "mlps_level": "3",
            "mlps_report_on": ago(300),
            "mlps_conclusion": "基本符合",
            "staff_insured": "20",
            "major_violation_3y": "no",
            "first_contract_on": f"{y - 9}-02-10",
            # The code certificate runs out soon; the port change was filed after the switch.
            "access_codes": (
                f"10690388 {y - 10}-03-01 mobile,unicom,telecom valid:{ahead(45)} active "
                f"used:{ago(1)}"
            ),
            "port_changes": f"{ago(90)} SP0388 -> SP0388-2 filed:{ago(80)} # 补报",
            "tax_years": years(5, 1),
        },
        # 青禾: annual report a year behind; a second code never opened; four tax years.
        {
            "annual_report_year": str(y - 2),
            "mlps_level": "3",
            "mlps_report_on": ago(330),
            "mlps_conclusion": "符合",
            "staff_insured": "12",
            "major_violation_3y": "no",
            "first_contract_on": f"{y - 6}-09-01",
            "access_codes": (
                f"10690912 {y - 6}-10-01 mobile,unicom valid:{ahead(500)} active used:{ago(3)}\n"
                f"10690913 {y - 3}-05-01 none"
            ),
            "tax_years": years(4, 1),
            "association_member_since": str(y - 2),
        },
        # 极速: provincial licence, small capital, a major violation, code fees unpaid, and a
        # port switched five days ago without filing.
        {
            "annual_report_year": str(y - 1),
            "mlps_level": "3",
            "mlps_report_on": ago(100),
            "mlps_conclusion": "符合",
            "staff_insured": "8",
            "major_violation_3y": "yes",
            "first_contract_on": f"{y - 4}-06-01",
            "access_codes": f"10620456 {y - 4}-07-01 mobile active used:{ago(1)}",
            "port_changes": f"{ago(5)} 10620456 -> 10620456-GW2 unfiled",
            "code_fees_unpaid": "yes",
            "tax_years": years(2, 1),
            "association_member_since": str(y - 3),
        },
        # 北辰: no MLPS evaluation recorded yet; its code certificate has run out and a second
        # code is suspended for over a year.
        {
            "annual_report_year": str(y - 1),
            "staff_insured": "30",
            "major_violation_3y": "no",
            "first_contract_on": f"{y - 9}-05-20",
            "access_codes": (
                f"10690220 {y - 9}-04-01 mobile,unicom,telecom valid:{ago(20)} active "
                f"used:{ago(1)}\n10690221 {y - 4}-04-01 mobile suspended used:{ago(400)}"
            ),
            "tax_years": years(6, 1),
            "association_member_since": str(y - 5),
        },
        # 海川: the evaluation report is out of date; the first contract predates the company
        # and an unfiled port change is weeks old.
        {
            "annual_report_year": str(y - 1),
            "mlps_level": "3",
            "mlps_report_on": ago(520),
            "mlps_conclusion": "基本符合",
            "staff_insured": "6",
            "major_violation_3y": "no",
            "first_contract_on": f"{y - 7}-01-15",
            "access_codes": (
                f"10690615 {y - 6}-10-10 mobile,unicom valid:{ahead(300)} active used:{ago(1)}"
            ),
            "port_changes": f"{ago(40)} SP0615 -> SP0615-NEW unfiled # 称材料在准备中",
            "tax_years": years(5, 1),
        },
        # 远帆: level 2 only, two staff insured, real business only two years old.
        {
            "annual_report_year": str(y - 3),
            "mlps_level": "2",
            "mlps_report_on": ago(400),
            "mlps_conclusion": "符合",
            "staff_insured": "2",
            "major_violation_3y": "no",
            "first_contract_on": f"{y - 2}-08-01",
        },
        # 橙石: not audited yet.
        {
            "annual_report_year": str(y - 1),
            "mlps_level": "3",
            "mlps_report_on": ago(60),
            "mlps_conclusion": "符合",
            "staff_insured": "15",
            "major_violation_3y": "no",
        },
    ]


def _vendor_cards(today: dt.date) -> list[DemoVendor]:
    y = today.year
    return [
        DemoVendor(
            {
                "name": "星河云讯科技有限公司（示例）",
                "credit_code": credit_code("110108", "MA01AB3C7"),
                "licence_number": "B2-20160731",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 900),
                "access_codes": "10690587 10660587",
                "registered_capital_yuan": "5000万",
                "founded_on": f"{y - 12}-03-15",
                "contact_name": "林晓（示例）",
                "contact_phone": "010-5555-0101",
                "contact_email": "bd@xinghe-demo.example",
                "website": "https://xinghe-demo.example",
            },
            Profile(Verdict.RECOMMENDED, status="signed_off", revise=True, stage="finalist"),
        ),
        DemoVendor(
            {
                "name": "蓝鲸信使网络科技有限公司（示例）",
                "credit_code": credit_code("310115", "MA1FL2D8X"),
                "licence_number": "B2-20140388",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 60),
                "access_codes": "10690388",
                "registered_capital_yuan": "2000万",
                "founded_on": f"{y - 10}-07-01",
                "contact_name": "周楠（示例）",
                "contact_phone": "021-5555-0202",
                "contact_email": "sales@lanjing-demo.example",
                "website": "https://lanjing-demo.example",
            },
            Profile(Verdict.RECOMMENDED, status="in_review", stage="finalist"),
        ),
        DemoVendor(
            {
                "name": "青禾短信服务有限公司（示例）",
                "credit_code": credit_code("440106", "MA59QH1K3"),
                "licence_number": "B2-20180912",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 500),
                "access_codes": "10690912",
                "registered_capital_yuan": "1200万",
                "founded_on": f"{y - 7}-11-20",
                "contact_name": "陈露（示例）",
                "contact_phone": "020-5555-0303",
                "website": "https://qinghe-demo.example",
            },
            Profile(Verdict.CONDITIONAL, stage="negotiation"),
        ),
        DemoVendor(
            {
                "name": "极速通道传媒有限公司（示例）",
                "credit_code": credit_code("330106", "MA2JT7T0P"),
                "licence_number": "浙B2-20210456",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 700),
                "access_codes": "10620456",
                "registered_capital_yuan": "500万",
                "founded_on": f"{y - 4}-05-09",
                "contact_name": "吴越（示例）",
                "contact_phone": "0571-5555-0404",
                "notes": "报价极低，声称“营销短信免审秒发”。",
            },
            Profile(
                Verdict.DISQUALIFIED,
                failed_gate="legal_compliance",
                stage="rejected",
                reason="offers a review-free channel (免审通道): knockout",
            ),
        ),
        DemoVendor(
            {
                "name": "北辰移动信息技术有限公司（示例）",
                "credit_code": credit_code("120116", "MA06BC9E2"),
                "licence_number": "B2-20170220",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 300),
                "access_codes": "10690220",
                "registered_capital_yuan": "3000万",
                "founded_on": f"{y - 9}-02-28",
                "contact_name": "赵航（示例）",
                "website": "https://beichen-demo.example",
            },
            Profile(Verdict.INCOMPLETE, answered_share=0.55, stage="technical_test"),
        ),
        DemoVendor(
            {
                "name": "海川数据通信有限公司（示例）",
                "credit_code": credit_code("370202", "MA3HC4W6N"),
                "licence_number": "B2-20190615",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 400),
                "access_codes": "10690615",
                "registered_capital_yuan": "1000万",
                "founded_on": f"{y - 6}-09-01",
                "contact_name": "孙洋（示例）",
            },
            Profile(Verdict.NOT_RECOMMENDED, stage="technical_test"),
        ),
        DemoVendor(
            {
                "name": "远帆网络有限公司（示例）",
                "credit_code": credit_code("510107", "MA6YF8R1L"),
                "licence_number": "川B2-20200811",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 1200),
                "access_codes": "10620811",
                "registered_capital_yuan": "800万",
                "founded_on": f"{y - 5}-06-18",
            },
            Profile(Verdict.INCOMPLETE, answered_share=0.15, stage="screening"),
        ),
        DemoVendor(
            {
                "name": "橙石科技有限公司（示例）",
                "credit_code": credit_code("320106", "MA1CR5G2Q"),
                "licence_number": "B2-20221103",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": _days(today, 1500),
                "access_codes": "10691103",
                "registered_capital_yuan": "1500万",
                "founded_on": f"{y - 3}-01-12",
            },
            None,
        ),
    ]


# Value hooks: where an item asks for a fact the vendor record holds, use the vendor's fact so
# the demo reads consistently (filled per item id; anything else gets a value matching the goal).
FACT_VALUES: dict[str, Callable[[dict[str, str]], str | None]] = {
    "qualification.licence.validity": lambda facts: facts.get("licence_expiry"),
    "operating_history.registration.founded": lambda facts: facts.get("founded_on"),
    "operating_history.registration.first_contract": lambda facts: facts.get("first_contract_on"),
    "qualification.security.mlps_level": lambda facts: facts.get("mlps_level"),
    "qualification.security.evaluation_report": lambda facts: facts.get("mlps_report_on"),
    "operating_history.registration.capital": lambda facts: (
        facts["registered_capital_yuan"].removesuffix("万")
        if facts.get("registered_capital_yuan", "").endswith("万")
        else None
    ),
}


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
            return _days(today, warn + 200 + rng.randrange(400))
        if goal is Result.PARTIAL and warn > 1:
            return _days(today, max(1, warn // 2))
        return _days(today, -30 - rng.randrange(60))
    if kind == "date_recent":
        limit = int(p["max_age_days"])
        return _days(today, -(limit // 3) if goal is not Result.FAIL else -(limit + 90))
    if kind == "years_since_at_least":
        years = float(p["years"])
        partial = p.get("partial_from_years")
        if goal is Result.PASS:
            span = years + 2
        elif goal is Result.PARTIAL and partial is not None:
            span = (years + float(partial)) / 2
        else:
            span = max(0.5, float(partial or years) - 2)
        return _days(today, -int(span * 365.25) - 10)
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
        return _days(today, -rng.randrange(30, 700))
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
    roll = rng.random()
    if profile.verdict is Verdict.RECOMMENDED:
        return Result.PASS if roll < 0.9 else Result.PARTIAL
    if profile.verdict is Verdict.CONDITIONAL:
        return Result.PASS if roll < 0.55 else Result.PARTIAL if roll < 0.85 else Result.FAIL
    if profile.verdict is Verdict.NOT_RECOMMENDED:
        return Result.PASS if roll < 0.25 else Result.PARTIAL if roll < 0.45 else Result.FAIL
    return Result.PASS if roll < 0.7 else Result.PARTIAL if roll < 0.9 else Result.FAIL


def _answer_audit(
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
        hook = FACT_VALUES.get(item.id)
        value = (hook(vendor.facts) if hook else None) or value_for(item, goal, today, rng)
        if item.input.value == "none":
            value = None
        proposes = item.rule is not None and VALUE_FALLBACK.get(item.rule.kind, "") is not None
        result = "auto" if proposes and value is not None else goal.value
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


def _attach_evidence(service: Service, audit_id: int, vendor: DemoVendor, n: int) -> None:
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


def _follow_up_demo(service: Service, audit_id: int, today: dt.date) -> None:
    """One evidence file with an expiry date and two follow-ups (one overdue, one done), so the
    watch and the audit screen show them."""
    view = service.view(audit_id)
    files = [e for rows in view.evidence.values() for e in rows if e.kind == "file"]
    if files:
        service.set_evidence_expiry(files[0].id, today + dt.timedelta(days=45))  # type: ignore[arg-type]
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
    service.set_follow_up_done(done.id, expected_version=done.version)  # type: ignore[arg-type]


@dataclass
class DemoSummary:
    vendors: int = 0
    selections: int = 0
    audits: int = 0
    answers: int = 0
    evidence: int = 0
    channel_runs: int = 0

    def __str__(self) -> str:
        return (
            f"{self.vendors} vendors, {self.selections} selections, {self.audits} audits, "
            f"{self.answers} answers, {self.evidence} evidence items, "
            f"{self.channel_runs} channel run(s)"
        )


MAIN_SELECTION = "示例：2026 年短信服务商选型"
FINANCE_SELECTION = "示例：城商行省内通知短信"


def load_demo(service: Service, seed: int = 2026) -> DemoSummary:
    """Fill an empty database with the demo (the caller checks that it is empty)."""
    today = service.today or dt.date.today()
    rng = random.Random(seed)
    vendors = _vendors(today)
    for v in vendors:
        service.add_vendor(v.facts)
    service.add_selection(
        MAIN_SELECTION,
        Scenario(
            industry="ecommerce",
            coverage="national",
            message_kinds=frozenset({"verification", "notification", "marketing"}),
            monthly_volume=3_000_000,
        ),
        notes="Fictional demo: an online retailer choosing a primary and a backup vendor.",
    )
    service.add_selection(
        FINANCE_SELECTION,
        Scenario(
            industry="finance",
            coverage="provincial",
            message_kinds=frozenset({"verification", "notification"}),
            monthly_volume=400_000,
        ),
        notes="Fictional demo: a city commercial bank's provincial notifications.",
    )
    follow_ups_added = False
    for n, v in enumerate(vendors):
        name = v.facts["name"]
        profile = v.profile
        if profile is None:
            service.add_candidate(MAIN_SELECTION, name)
            continue
        audit = service.start_audit(name, MAIN_SELECTION)
        assert audit.id is not None
        _answer_audit(service, audit.id, v, profile, today, rng)
        _attach_evidence(service, audit.id, v, n)
        if not follow_ups_added:
            _follow_up_demo(service, audit.id, today)
            follow_ups_added = True
        if profile.stage != "screening":
            service.move_stage(MAIN_SELECTION, name, profile.stage, profile.reason)
        if profile.status == "in_review":
            service.submit_for_review(audit.id)
        if profile.status == "signed_off":
            service.submit_for_review(audit.id)
            service.sign_off(audit.id, "王敏（示例审核人）")
            if profile.revise:
                revision = service.revise(audit.id)
                assert revision.id is not None
                first = service.view(revision.id).checklists.checklists[0].items[-1]
                service.record_answer(revision.id, first.id, note="Re-checked after sign-off.")
        if profile.stage == "technical_test" and profile.answered_share == 1:
            # A vendor under technical test has its channel measured: one finished run.
            from vaudit.audits.channel.demo import load_channel_demo

            load_channel_demo(service.store, service.actor, audit.id)
    # The finance selection: two candidates, one audit under way.
    service.add_candidate(FINANCE_SELECTION, vendors[1].facts["name"])
    finance = service.start_audit(vendors[0].facts["name"], FINANCE_SELECTION)
    assert finance.id is not None
    _answer_audit(
        service, finance.id, vendors[0], Profile(Verdict.INCOMPLETE, answered_share=0.3), today, rng
    )
    return _summarise(service.store)


def _summarise(store: Store) -> DemoSummary:
    from vaudit.audits.channel.models import ChannelRun

    with store.read() as session:
        return DemoSummary(
            vendors=len(session.exec(select(Vendor.id)).all()),
            selections=len(session.exec(select(Selection.id)).all()),
            audits=len(session.exec(select(Audit.id)).all()),
            answers=len(session.exec(select(Answer.id)).all()),
            evidence=len(session.exec(select(Evidence.id)).all()),
            channel_runs=len(session.exec(select(ChannelRun.id)).all()),
        )


def reset_database(store: Store) -> str | None:
    """Empty every table (SQLite: after a backup copy); returns the backup's path if any."""
    backup = None
    path = sqlite_path(store.url)
    if path is not None and path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = path.with_name(f"{path.stem}.before-demo-{stamp}{path.suffix or '.sqlite'}")
        backup_sqlite(path, target)
        backup = str(target)
    from vaudit.audits.channel.models import (
        ChannelMessage,
        ChannelRun,
        DeliveryReport,
        HandsetReceipt,
        TestCard,
    )

    models = (
        HandsetReceipt,
        DeliveryReport,
        ChannelMessage,
        ChannelRun,
        TestCard,
        FollowUp,
        Evidence,
        Blob,
        Answer,
        AuditChecklist,
        Audit,
        ChecklistSnapshot,
        Candidate,
        Selection,
        Vendor,
        Event,
    )
    with store.write() as session:
        # The signed-off guard (migration 0008) refuses deleting a signed-off audit's answers
        # row by row. Emptying everything is a deliberate act taken after a backup, so:
        # PostgreSQL truncates (row triggers do not fire), SQLite deletes the audits first,
        # with foreign keys checked at commit, when every row that pointed to them is gone.
        if store.engine.dialect.name == "postgresql":
            names = ", ".join(model.__tablename__ for model in models)  # type: ignore[attr-defined]
            session.connection().exec_driver_sql(f"TRUNCATE {names}")
        else:
            session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            session.exec(delete(Audit))  # type: ignore[call-overload]
            for model in models:
                session.exec(delete(model))  # type: ignore[call-overload]
        head = session.get(ChainHead, 1)
        if head is not None:
            head.last_event_id, head.last_hash = 0, ""
            session.add(head)
    return backup
