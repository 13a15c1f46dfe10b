"""Mainland working days, and the timeline that follows an unfiled change of sending port."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from vaudit.audits.regulatory import Finding, Report, failed, passed, report, warned

# The enforcement timeline after an unfiled port change, as industry accounts report it (no
# regulation states it): the regulator's inquiry comes within 3 *working* days; "7 days" and
# "two more weeks" carry no "working", so they are read as calendar days.
INQUIRY_WORKING_DAYS = 3
THROTTLE_AFTER_DAYS = 7  # calendar days after the inquiry deadline: volume cut by >= 50 %
SUSPEND_AFTER_DAYS = 14  # calendar days after throttling: all 106 channels suspended
SATURDAY = 5


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # make-up working days (调休上班) on weekends
    years: frozenset[int]  # years the table covers; outside them only weekends are known


def parse_calendar(text: str) -> Calendar:
    data = tomllib.loads(text)
    holidays: set[dt.date] = set()
    workdays: set[dt.date] = set()
    years: set[int] = set()
    for year, entry in data.get("years", {}).items():
        years.add(int(year))
        for first, last in entry.get("holidays", []):
            holidays.update(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
        workdays.update(entry.get("workdays", []))
    return Calendar(frozenset(holidays), frozenset(workdays), frozenset(years))


@cache
def load_calendar() -> Calendar:
    """The packaged holiday table (read once; the file ships inside vaudit.audits.regulatory)."""
    text = resources.files("vaudit.audits.regulatory").joinpath("holidays.toml").read_text("utf-8")
    return parse_calendar(text)


def is_working_day(
    day: dt.date, holidays: frozenset[dt.date], workdays: frozenset[dt.date] = frozenset()
) -> bool:
    if day in workdays:
        return True
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(
    start: dt.date,
    n: int,
    holidays: frozenset[dt.date],
    workdays: frozenset[dt.date] = frozenset(),
) -> dt.date:
    """The n-th working day after start (before it when n < 0); start itself is not counted."""
    step = dt.timedelta(days=1 if n >= 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        if is_working_day(day, holidays, workdays):
            left -= 1
    return day


def check_holiday(day: dt.date, calendar: Calendar | None = None) -> Finding:
    """Whether a test said to run "on a holiday" did: a public holiday or a weekend rest day
    passes, a working day (a make-up working day included) fails, and a year the table does
    not hold yet warns, plainly."""
    cal = calendar or load_calendar()
    check = "holiday.slot"
    if day.year not in cal.years:
        return warned(
            check,
            f"vaudit 的节假日表尚未收录 {day.year} 年的国务院节假日安排（通常于前一年 11 月"
            f"公布）：无法核对 {day} 是否为节假日，请按已公布的安排核对",
            f"vaudit's holiday table does not yet hold the State Council's schedule for "
            f"{day.year} (usually published the November before): whether {day} was a holiday "
            "cannot be checked; check it against the published schedule",
        )
    if day in cal.holidays:
        return passed(check, f"{day} 为法定节假日", f"{day} was a public holiday")
    if is_working_day(day, cal.holidays, cal.workdays):
        makeup = day in cal.workdays
        return failed(
            check,
            f"{day} 是{'调休上班日' if makeup else '工作日'}，不是节假日",
            f"{day} was a {'make-up working day' if makeup else 'working day'}, not a holiday",
        )
    return passed(check, f"{day} 为周末休息日", f"{day} was a weekend rest day")


@dataclass(frozen=True)
class PortChangeTimeline:
    report: Report
    inquiry_by: dt.date | None = None
    throttle_from: dt.date | None = None
    suspension_from: dt.date | None = None


def port_change_timeline(
    changed_on: dt.date, filed: bool, today: dt.date, calendar: Calendar | None = None
) -> PortChangeTimeline:
    if filed:
        done = passed("port_change.filed", "发送端口变更已备案。", "The port change was filed.")
        return PortChangeTimeline(Report((done,)))
    if changed_on > dt.date.max - dt.timedelta(days=60):  # no room for the timeline
        bad = failed("port_change.date", "未能识别变更日期。", "The change date is not recognised.")
        return PortChangeTimeline(Report((bad,)))
    cal = calendar or load_calendar()
    inquiry = add_working_days(changed_on, INQUIRY_WORKING_DAYS, cal.holidays, cal.workdays)
    throttle = inquiry + dt.timedelta(days=THROTTLE_AFTER_DAYS)
    suspend = throttle + dt.timedelta(days=SUSPEND_AFTER_DAYS)
    findings = _unfiled(changed_on, today, inquiry, throttle, suspend)
    uncovered = sorted({changed_on.year, inquiry.year} - cal.years)
    if uncovered:
        years = "、".join(map(str, uncovered))
        findings.append(
            warned(
                "port_change.calendar",
                f"vaudit 的节假日表尚未收录 {years} 年的国务院节假日安排（通常于前一年 11 月"
                "公布），工作日仅按周末计算，日期可能提前：请按已公布的安排核对。",
                f"vaudit's holiday table does not yet hold the State Council's schedule for "
                f"{', '.join(map(str, uncovered))} (usually published the November before); "
                "working days count weekends only, so dates may come early: check against the "
                "published schedule.",
            )
        )
    return PortChangeTimeline(report(findings), inquiry, throttle, suspend)


def _unfiled(
    changed_on: dt.date, today: dt.date, inquiry: dt.date, throttle: dt.date, suspend: dt.date
) -> list[Finding]:
    if changed_on > today:
        # A planned change: nothing has gone wrong yet, but it must be filed before switching.
        return [
            warned(
                "port_change.filed",
                f"计划于 {changed_on} 变更发送端口，尚未备案：须先备案再切换；否则 {inquiry} 前收到"
                f"问询函，{throttle} 起限流 50% 以上，{suspend} 起停发。",
                f"A port change planned for {changed_on} is not filed: file it before switching; "
                f"otherwise an inquiry comes by {inquiry}, throttling of 50 % or more from "
                f"{throttle}, and suspension from {suspend}.",
            )
        ]
    findings = [
        failed(
            "port_change.filed",
            f"{changed_on} 变更了发送端口但未备案：端口变更须重新备案，否则面临限流和停发。",
            f"The sending port changed on {changed_on} without filing: a port change must be "
            "re-filed, or the codes face throttling and suspension.",
        )
    ]
    if today >= suspend:
        stage = failed(
            "port_change.stage",
            f"按来源所述时间线，自 {suspend} 起该代码的 106 通道可能已全部停发。",
            f"On the source's timeline, all 106 channels of the code may be suspended "
            f"since {suspend}.",
        )
    elif today >= throttle:
        stage = failed(
            "port_change.stage",
            f"自 {throttle} 起发送量可能已被限流 50% 以上；若仍未补齐材料，{suspend} 起停发。",
            f"Sending may be throttled by 50 % or more since {throttle}; without the materials, "
            f"suspension follows from {suspend}.",
        )
    else:
        stage = warned(
            "port_change.stage",
            f"预计 {inquiry}（3 个工作日内）前收到问询函；{throttle} 起限流 50% 以上，"
            f"{suspend} 起停发。",
            f"Expect an inquiry letter by {inquiry} (within 3 working days), throttling of "
            f"50 % or more from {throttle}, and suspension from {suspend}.",
        )
    findings.append(stage)
    return findings
