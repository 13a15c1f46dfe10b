"""The expiry and follow-up watch: what has lapsed or will soon, across every vendor.

Covers what vendors' facts record today: licence expiry and its renewal window, the security
(MLPS) re-evaluation due by level, the licence annual report due by March 31, each access
code's validity end, the throttling and suspension dates of an unfiled sending-port change,
evidence documents with an expiry date (on each audit's newest revision), and open follow-up
actions (done ones never show).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vaudit.audits.regulatory.licence import ANNUAL_REPORT_DEADLINE, RENEWAL_LEAD_DAYS
from vaudit.audits.regulatory.mlps import REPORT_MAX_AGE_MONTHS, add_months
from vaudit.audits.text import Text

DEFAULT_WITHIN_DAYS = 90


@dataclass(frozen=True)
class WatchItem:
    due: dt.date
    vendor_id: int
    vendor: str
    # licence_expiry | licence_renewal | mlps_reevaluation | annual_report | code_validity |
    # port_change_throttle | port_change_suspension | evidence_expiry | follow_up
    kind: str
    what: Text
    # Set for what belongs to one audit's item (evidence, follow-ups); None for vendor facts.
    audit_id: int | None = None
    item_id: str | None = None
    ref_id: int | None = None  # the evidence or follow-up id

    def overdue(self, today: dt.date) -> bool:
        return self.due < today

    def as_json(self, today: dt.date) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(),
            "overdue": self.overdue(today),
            "vendor_id": self.vendor_id,
            "vendor": self.vendor,
            "kind": self.kind,
            "what": self.what.as_dict(),
            "audit_id": self.audit_id,
            "item_id": self.item_id,
            "ref_id": self.ref_id,
        }


@dataclass(frozen=True)
class WatchedEvidence:
    evidence_id: int
    audit_id: int
    vendor_id: int
    item_id: str
    name: str
    expires_on: dt.date


@dataclass(frozen=True)
class WatchedFollowUp:
    follow_up_id: int
    audit_id: int
    vendor_id: int
    item_id: str
    what: str
    owed_by: str
    due_on: dt.date


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


def watch(
    vendors: Iterable[Mapping[str, Any]],
    today: dt.date,
    within_days: int = DEFAULT_WITHIN_DAYS,
    evidence: Iterable[WatchedEvidence] = (),
    follow_ups: Iterable[WatchedFollowUp] = (),
) -> list[WatchItem]:
    """Everything due before today + within_days (overdue included), sorted by date.

    Evidence and follow-ups are named by the vendor of their audit, looked up in `vendors`.
    """
    horizon = today + dt.timedelta(days=within_days)
    found: list[WatchItem] = []
    names: dict[int, str] = {}
    for facts in vendors:
        vid, name = int(facts["id"]), str(facts["name"])
        names[vid] = name
        expiry = _date(facts.get("licence_expiry"))
        if expiry is not None:
            found.append(
                WatchItem(
                    expiry,
                    vid,
                    name,
                    "licence_expiry",
                    Text("增值电信业务经营许可证到期", "value-added telecom licence expires"),
                )
            )
            opens = expiry - dt.timedelta(days=RENEWAL_LEAD_DAYS)
            found.append(
                WatchItem(
                    opens,
                    vid,
                    name,
                    "licence_renewal",
                    Text(
                        f"许可证续期申请截止（到期前 {RENEWAL_LEAD_DAYS} 天）",
                        f"licence renewal must be applied for ({RENEWAL_LEAD_DAYS} days before "
                        "expiry)",
                    ),
                )
            )
        level, report_on = facts.get("mlps_level"), _date(facts.get("mlps_report_on"))
        if level in REPORT_MAX_AGE_MONTHS and report_on is not None:
            months = REPORT_MAX_AGE_MONTHS[level]
            found.append(
                WatchItem(
                    add_months(report_on, months),
                    vid,
                    name,
                    "mlps_reevaluation",
                    Text(
                        f"等保 {level} 级需重新测评（报告有效 {months} 个月）",
                        f"MLPS level {level} re-evaluation due (a report holds {months} months)",
                    ),
                )
            )
        year = facts.get("annual_report_year")
        if year is not None:
            month, day = ANNUAL_REPORT_DEADLINE
            due = dt.date(int(year) + 2, month, day)  # year N+1's report is due by Mar 31, N+2
            found.append(
                WatchItem(
                    due,
                    vid,
                    name,
                    "annual_report",
                    Text(
                        f"{int(year) + 1} 年度许可证年报应报送",
                        f"licence annual report for {int(year) + 1} due",
                    ),
                )
            )
        found.extend(_code_ends(facts, vid, name, expiry))
        found.extend(_unfiled_port_changes(facts, vid, name, today))
    for ev in evidence:
        found.append(
            WatchItem(
                ev.expires_on,
                ev.vendor_id,
                names.get(ev.vendor_id, f"vendor {ev.vendor_id}"),
                "evidence_expiry",
                Text(
                    f"审计 {ev.audit_id} · {ev.item_id}：证据「{ev.name}」到期",
                    f"audit {ev.audit_id} · {ev.item_id}: evidence “{ev.name}” expires",
                ),
                ev.audit_id,
                ev.item_id,
                ev.evidence_id,
            )
        )
    for fu in follow_ups:
        found.append(
            WatchItem(
                fu.due_on,
                fu.vendor_id,
                names.get(fu.vendor_id, f"vendor {fu.vendor_id}"),
                "follow_up",
                Text(
                    f"审计 {fu.audit_id} · {fu.item_id}：待办「{fu.what}」（{fu.owed_by}）",
                    f"audit {fu.audit_id} · {fu.item_id}: follow-up “{fu.what}” owed by "
                    f"{fu.owed_by}",
                ),
                fu.audit_id,
                fu.item_id,
                fu.follow_up_id,
            )
        )
    return sorted(
        (item for item in found if item.due <= horizon),
        key=lambda item: (item.due, item.vendor, item.kind),
    )


def _code_ends(
    facts: Mapping[str, Any], vid: int, name: str, licence_expiry: dt.date | None
) -> Iterable[WatchItem]:
    """Each code's validity end where the certificate or (commercial codes) the licence gives
    one; the unconfirmed five-year estimate is left to the rule, not put on the watch."""
    from vaudit.audits.regulatory.code_life import code_end
    from vaudit.audits.vendor_records import code_records_from

    for record in code_records_from(facts.get("code_records")):
        end, source = code_end(record, licence_expiry)
        if end is None or source == "estimate":
            continue
        via = Text("（随许可证）", " (with the licence)") if source == "licence" else Text("", "")
        yield WatchItem(
            end,
            vid,
            name,
            "code_validity",
            Text(
                f"短信接入代码 {record.code} 有效期届满{via.zh}",
                f"SMS access code {record.code} reaches its validity end{via.en}",
            ),
        )


def _unfiled_port_changes(
    facts: Mapping[str, Any], vid: int, name: str, today: dt.date
) -> Iterable[WatchItem]:
    """An unfiled port change that has happened: the dates it brings throttling, suspension."""
    from vaudit.audits.regulatory.working_days import port_change_timeline
    from vaudit.audits.vendor_records import port_changes_from

    for change in port_changes_from(facts.get("port_changes")):
        if change.filed or change.changed_on > today:
            continue
        timeline = port_change_timeline(change.changed_on, False, today)
        ports = f"{change.old_port} → {change.new_port}"
        if timeline.throttle_from is not None:
            yield WatchItem(
                timeline.throttle_from,
                vid,
                name,
                "port_change_throttle",
                Text(
                    f"{change.changed_on} 未备案的端口变更（{ports}）：发送量限流 50% 以上",
                    f"unfiled port change of {change.changed_on} ({ports}): sending throttled "
                    "by 50 % or more",
                ),
            )
        if timeline.suspension_from is not None:
            yield WatchItem(
                timeline.suspension_from,
                vid,
                name,
                "port_change_suspension",
                Text(
                    f"{change.changed_on} 未备案的端口变更（{ports}）：106 通道全部停发",
                    f"unfiled port change of {change.changed_on} ({ports}): all 106 channels "
                    "suspended",
                ),
            )
