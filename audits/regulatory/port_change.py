"""A vendor's recorded sending-port (SPID) changes, each against the filing timeline.

The timeline and its reading of the reported days are in working_days.py: the inquiry comes
within 3 working days of an unfiled switch; "7 days" and "two more weeks" carry no "working",
so throttling starts 7 calendar days after the inquiry deadline and suspension 14 calendar days
after that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from vaudit.audits.regulatory import Finding, Report, failed, passed, warned
from vaudit.audits.regulatory.working_days import Calendar, port_change_timeline
from vaudit.audits.vendor_records import PortChange


def _filed(change: PortChange, today: dt.date, calendar: Calendar | None) -> Finding:
    check = f"port_change.{change.changed_on}"
    ports = f"{change.old_port} → {change.new_port}"
    filed_on = change.filed_on
    if filed_on is None or filed_on <= change.changed_on:
        when_zh = f"（{filed_on}）" if filed_on else ""
        when_en = f" on {filed_on}, before the switch" if filed_on else ""
        return passed(
            check,
            f"{change.changed_on} 端口变更（{ports}）已备案{when_zh}",
            f"the port change of {change.changed_on} ({ports}) was filed{when_en}",
        )
    timeline = port_change_timeline(change.changed_on, False, today, calendar)
    late_zh, late_en = "晚于问询函期限", "after the inquiry deadline"
    if timeline.throttle_from is not None and filed_on >= timeline.throttle_from:
        late_zh = f"晚于限流起始日 {timeline.throttle_from}，期间发送量可能已被限制"
        late_en = (
            f"after throttling could start ({timeline.throttle_from}); sending may have been "
            "cut in between"
        )
    elif timeline.inquiry_by is not None and filed_on <= timeline.inquiry_by:
        late_zh, late_en = "在问询函期限内补报", "within the inquiry deadline"
    return warned(
        check,
        f"{change.changed_on} 端口变更（{ports}）先切换后于 {filed_on} 补报备案，{late_zh}",
        f"the port change of {change.changed_on} ({ports}) was switched first and filed on "
        f"{filed_on}, {late_en}",
    )


def _unfiled(change: PortChange, today: dt.date, calendar: Calendar | None) -> list[Finding]:
    timeline = port_change_timeline(change.changed_on, False, today, calendar)
    check = f"port_change.{change.changed_on}"
    ports = f"{change.old_port} → {change.new_port}"
    extra = [f for f in timeline.report.findings if f.check == "port_change.calendar"]
    if change.changed_on > today or timeline.inquiry_by is None:
        return [
            Finding(check, f.level, f.message)
            for f in timeline.report.findings
            if f.check != "port_change.calendar"
        ] + extra
    inquiry, throttle, suspend = (
        timeline.inquiry_by,
        timeline.throttle_from,
        timeline.suspension_from,
    )
    assert throttle is not None and suspend is not None
    if today >= suspend:
        now_zh = f"自 {suspend} 起可能已全部停发"
        now_en = f"all 106 channels may be suspended since {suspend}"
    elif today >= throttle:
        now_zh = f"自 {throttle} 起可能已被限流，{suspend} 起停发"
        now_en = f"sending may be throttled since {throttle}; suspension from {suspend}"
    else:
        now_zh = f"{throttle} 起限流 50% 以上，{suspend} 起停发"
        now_en = f"throttling of 50 % or more from {throttle}, suspension from {suspend}"
    return [
        failed(
            check,
            f"{change.changed_on} 变更发送端口（{ports}）未备案：{inquiry} 前会收到问询函"
            f"（3 个工作日内），{now_zh}",
            f"the sending port changed on {change.changed_on} ({ports}) without filing: an "
            f"inquiry letter by {inquiry} (within 3 working days), {now_en}",
        ),
        *extra,
    ]


def check_port_changes(
    changes: Sequence[PortChange], today: dt.date, calendar: Calendar | None = None
) -> Report:
    if not changes:
        return Report(
            (
                passed(
                    "port_change.none",
                    "服务商资料中没有发送端口变更记录（请向服务商确认）",
                    "the vendor's facts record no sending-port change (confirm with the vendor)",
                ),
            )
        )
    findings: list[Finding] = []
    for change in sorted(changes, key=lambda c: c.changed_on, reverse=True):
        if change.filed:
            findings.append(_filed(change, today, calendar))
        else:
            findings.extend(_unfiled(change, today, calendar))
    return Report(tuple(findings))
