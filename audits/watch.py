"""The expiry and follow-up watch: what has lapsed or will soon, across every vendor.

Covers what vendors' facts record today: licence expiry and its renewal window, the security
(MLPS) re-evaluation due by level, and the licence annual report due by March 31. Codes,
evidence with an expiry date, port changes and follow-up actions join when they are recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from audits.regulatory.licence import ANNUAL_REPORT_DEADLINE, RENEWAL_LEAD_DAYS
from audits.regulatory.mlps import REPORT_MAX_AGE_MONTHS, add_months
from audits.text import Text

DEFAULT_WITHIN_DAYS = 90


@dataclass(frozen=True)
class WatchItem:
    due: dt.date
    vendor_id: int
    vendor: str
    kind: str  # licence_expiry | licence_renewal | mlps_reevaluation | annual_report
    what: Text

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
        }


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


def watch(
    vendors: Iterable[Mapping[str, Any]], today: dt.date, within_days: int = DEFAULT_WITHIN_DAYS
) -> list[WatchItem]:
    """Everything due before today + within_days (overdue included), sorted by date."""
    horizon = today + dt.timedelta(days=within_days)
    found: list[WatchItem] = []
    for facts in vendors:
        vid, name = int(facts["id"]), str(facts["name"])
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
    return sorted(
        (item for item in found if item.due <= horizon),
        key=lambda item: (item.due, item.vendor, item.kind),
    )
