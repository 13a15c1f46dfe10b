"""Operating history: how long the vendor has really traded, whether its tax
certificates run unbroken, and what its association membership says.

The usual traps: a registration date is not the start of real business (check it against
the first customer contract); a bought shell has a long history but no tax paid (ask for five
consecutive years of tax certificates); membership of the China Communications Enterprise
Association needs three consecutive years of compliant operation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from vaudit.audits.regulatory import Finding, Report, failed, passed, warned

REAL_START_GAP_DAYS = 365  # registration and first contract further apart than this: warn
GAP_NOTE = "history.gap_note"  # that warning: it explains the count, it does not lower it
MEMBERSHIP_NEEDS_YEARS = 3  # the association admits after 3 consecutive compliant years
TAX_YEAR_GRACE = (3, 31)  # until Mar 31 last year's certificate may not be issued yet


def whole_years(start: dt.date, end: dt.date) -> int:
    """Whole years from start to end, a year counted once its anniversary has come."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def check_operating_years(
    founded_on: dt.date | None,
    first_contract_on: dt.date | None,
    today: dt.date,
    years: int,
    partial_from_years: int | None = None,
) -> Report:
    """Years since the real start of business.

    The real start is the later of the two dates when both are known: a company trades neither
    before it is registered nor before its first contract (the shell trap is an old registration
    with recent contracts). Only the registration date known: it is used, with a warning.
    """
    findings: list[Finding] = []
    if founded_on is None and first_contract_on is None:
        return Report(
            (
                warned(
                    "history.start",
                    "成立日期和首份客户合同日期均未记录",
                    "neither the registration date nor the first customer contract is recorded",
                ),
            )
        )
    if founded_on is not None and first_contract_on is not None:
        gap = (first_contract_on - founded_on).days
        if gap < 0:
            findings.append(
                warned(
                    "history.gap",
                    f"首份合同（{first_contract_on}）早于成立日期（{founded_on}）：请核对签约主体",
                    f"the first contract ({first_contract_on}) predates the registration "
                    f"({founded_on}): check who signed it",
                )
            )
        elif gap > REAL_START_GAP_DAYS:
            # A note, not a shortfall: the years are counted from the later date anyway.
            findings.append(
                warned(
                    GAP_NOTE,
                    f"成立于 {founded_on}，首份合同却在 {first_contract_on}，相隔超过一年："
                    "按首份合同计算真实年限",
                    f"registered on {founded_on} but the first contract is from "
                    f"{first_contract_on}, over a year later: the real history counts from the "
                    "contract",
                )
            )
        start = max(founded_on, first_contract_on)
    elif first_contract_on is not None:
        start = first_contract_on
        findings.append(
            warned("history.gap", "成立日期未记录", "the registration date is not recorded")
        )
    else:
        assert founded_on is not None
        start = founded_on
        findings.append(
            warned(
                "history.gap",
                "首份客户合同日期未记录：登记日期不等于真实经营起点",
                "the first customer contract is not recorded: registration is not the real start",
            )
        )
    if start > today:
        findings.append(
            warned("history.years", f"日期 {start} 在未来，请核对", f"{start} is in the future")
        )
        return Report(tuple(findings))
    span = whole_years(start, today)
    if span >= years:
        findings.append(
            passed(
                "history.years",
                f"自 {start} 起实际经营满 {span} 年（要求 ≥ {years} 年）",
                f"{span} years of real business since {start} (at least {years} required)",
            )
        )
    else:
        near = partial_from_years is not None and span >= partial_from_years
        findings.append(
            (warned if near else failed)(
                "history.years",
                f"自 {start} 起实际经营仅 {span} 年，不足 {years} 年",
                f"only {span} years of real business since {start}; {years} required",
            )
        )
    return Report(tuple(findings))


def _span(years: Sequence[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def check_tax_years(
    years: Sequence[int], today: dt.date, need: int, partial_from: int | None = None
) -> Report:
    """Consecutive years of tax certificates, counted back from the last full year."""
    check = "history.tax_years"
    if not years:
        return Report(
            (
                warned(
                    check,
                    "未记录任何年度的完税证明",
                    "no year with a tax payment certificate is recorded",
                ),
            )
        )
    seen = set(years)
    last = today.year - 1
    if last not in seen and today <= dt.date(today.year, *TAX_YEAR_GRACE):
        last -= 1  # early in the year: last year's certificate may not exist yet
    run: list[int] = []
    year = last
    while year in seen:
        run.insert(0, year)
        year -= 1
    window = list(range(last - need + 1, last + 1))
    missing = [y for y in window if y not in seen]
    if len(run) >= need:
        return Report(
            (
                passed(
                    check,
                    f"{_span(run)} 年连续 {len(run)} 年有完税证明（要求 {need} 年）",
                    f"tax certificates for {_span(run)}, {len(run)} consecutive years "
                    f"({need} required)",
                ),
            )
        )
    lacking_zh = "、".join(map(str, missing))
    lacking_en = ", ".join(map(str, missing))
    near = partial_from is not None and len(run) >= partial_from
    return Report(
        (
            (warned if near else failed)(
                check,
                f"截至 {last} 年连续完税仅 {len(run)} 年，缺 {lacking_zh} 年；要求连续 {need} 年",
                f"only {len(run)} consecutive years of tax certificates up to {last}; "
                f"missing {lacking_en}; {need} consecutive years required",
            ),
        )
    )


def check_association(
    member_since: int | None, founded_on: dt.date | None, today: dt.date
) -> Report:
    """Association membership as side evidence: information, or a warning when it cannot be."""
    check = "history.association"
    if member_since is None:
        return Report(
            (
                warned(
                    check,
                    "未记录行业协会会员资格（仅作参考，不单独决定结论）",
                    "no association membership is recorded (for reference; it decides nothing "
                    "on its own)",
                ),
            )
        )
    if member_since > today.year:
        return Report(
            (warned(check, f"入会年份 {member_since} 在未来", f"{member_since} is in the future"),)
        )
    if founded_on is not None and member_since < founded_on.year + MEMBERSHIP_NEEDS_YEARS:
        return Report(
            (
                warned(
                    check,
                    f"{member_since} 年入会，但公司 {founded_on.year} 年才成立，"
                    f"不满入会所需的连续 {MEMBERSHIP_NEEDS_YEARS} 年合规经营：请在协会名录核实",
                    f"member since {member_since}, but the company was registered in "
                    f"{founded_on.year}, short of the {MEMBERSHIP_NEEDS_YEARS} compliant years "
                    "membership needs: check the association's directory",
                ),
            )
        )
    span = today.year - member_since
    return Report(
        (
            passed(
                check,
                f"{member_since} 年起为协会会员（{span} 年）；入会需连续 "
                f"{MEMBERSHIP_NEEDS_YEARS} 年合规经营",
                f"an association member since {member_since} ({span} years); admission needs "
                f"{MEMBERSHIP_NEEDS_YEARS} consecutive years of compliant operation",
            ),
        )
    )
