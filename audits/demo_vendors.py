"""The demo's fictional vendors: their facts (varied so every named rule passes, warns and fails
somewhere) and how each one's audit should come out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from vaudit.audits.regulatory.credit_code import credit_code_check_character
from vaudit.audits.scoring import Verdict


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
    # Critical items pass unless named here (item id → "partial" or "fail"), so each verdict
    # the demo shows has the reasons it is meant to show.
    critical_findings: dict[str, str] = field(default_factory=dict)
    status: str = "draft"  # draft, in_review, signed_off
    revise: bool = False
    stage: str = "screening"
    reason: str | None = None


@dataclass
class DemoVendor:
    facts: dict[str, str]
    profile: Profile | None
    extra: dict[str, Any] = field(default_factory=dict)


def days_from(today: dt.date, n: int) -> str:
    return (today + dt.timedelta(days=n)).isoformat()


def demo_vendors(today: dt.date) -> list[DemoVendor]:
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
            "licence_revoked": "no",
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
                "licence_expiry": days_from(today, 900),
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
                "licence_expiry": days_from(today, 60),
                "access_codes": "10690388",
                "registered_capital_yuan": "2000万",
                "founded_on": f"{y - 10}-07-01",
                "contact_name": "周楠（示例）",
                "contact_phone": "021-5555-0202",
                "contact_email": "sales@lanjing-demo.example",
                "website": "https://lanjing-demo.example",
            },
            # Its licence expires in 60 days (so do its codes) and a port change is planned but
            # not filed: open critical findings that hold it at conditional.
            Profile(Verdict.CONDITIONAL, status="in_review", stage="finalist"),
        ),
        DemoVendor(
            {
                "name": "青禾短信服务有限公司（示例）",
                "credit_code": credit_code("440106", "MA59QH1K3"),
                "licence_number": "B2-20180912",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": days_from(today, 500),
                "access_codes": "10690912",
                "registered_capital_yuan": "1200万",
                "founded_on": f"{y - 7}-11-20",
                "contact_name": "陈露（示例）",
                "contact_phone": "020-5555-0303",
                "website": "https://qinghe-demo.example",
            },
            Profile(
                Verdict.CONDITIONAL,
                stage="negotiation",
                # The entrusted-processing agreement is still being negotiated (PIPL art. 21).
                critical_findings={"legal_compliance.data.processing_agreement": "partial"},
            ),
        ),
        DemoVendor(
            {
                "name": "极速通道传媒有限公司（示例）",
                "credit_code": credit_code("330106", "MA2JT7T0P"),
                "licence_number": "浙B2-20210456",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": days_from(today, 700),
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
                "licence_expiry": days_from(today, 300),
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
                "licence_expiry": days_from(today, 400),
                "access_codes": "10690615",
                "registered_capital_yuan": "1000万",
                "founded_on": f"{y - 6}-09-01",
                "contact_name": "孙洋（示例）",
            },
            Profile(
                Verdict.NOT_RECOMMENDED,
                stage="technical_test",
                critical_findings={"operating_history.standing.abnormal_list": "fail"},
            ),
        ),
        DemoVendor(
            {
                "name": "远帆网络有限公司（示例）",
                "credit_code": credit_code("510107", "MA6YF8R1L"),
                "licence_number": "川B2-20200811",
                "licence_scope": "B25 信息服务业务（不含互联网信息服务）",
                "licence_expiry": days_from(today, 1200),
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
                "licence_expiry": days_from(today, 1500),
                "access_codes": "10691103",
                "registered_capital_yuan": "1500万",
                "founded_on": f"{y - 3}-01-12",
            },
            None,
        ),
    ]
