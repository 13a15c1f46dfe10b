"""Vendor facts that are lists of records: access codes with their details, sending-port
changes, tax certificate years. Each has a compact text form people type (the CLI options and
the vendor form), parsed here and written back the same way, and a JSON form the database keeps.

Parsers raise ValueError with a message naming the line; reading stored JSON never raises
(a malformed entry is skipped), so a rule always gets a list to work on.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from vaudit.audits.text import Text

ACCESS_CODE_PATTERN = re.compile(r"^10[0-9]{3,19}$")
FIRST_YEAR = 1990  # no SMS vendor's records go back further; earlier years are typing noise

# Carriers a code can be opened on, with the words people type for them.
CARRIERS: dict[str, Text] = {
    "mobile": Text("中国移动", "China Mobile"),
    "unicom": Text("中国联通", "China Unicom"),
    "telecom": Text("中国电信", "China Telecom"),
    "broadnet": Text("中国广电", "China Broadnet"),
}
_CARRIER_WORDS = {
    "mobile": "mobile", "cmcc": "mobile", "移动": "mobile",
    "unicom": "unicom", "cucc": "unicom", "联通": "unicom",
    "telecom": "telecom", "ctcc": "telecom", "电信": "telecom",
    "broadnet": "broadnet", "cbn": "broadnet", "广电": "broadnet",
}  # fmt: skip
NO_CARRIER = ("none", "无")  # opened on no carrier yet

CODE_STATUSES: dict[str, Text] = {
    "active": Text("使用中", "active"),
    "unused": Text("闲置", "unused"),
    "suspended": Text("暂停", "suspended"),
}
_STATUS_WORDS = {"active": "active", "unused": "unused", "suspended": "suspended"} | {
    label.zh: key for key, label in CODE_STATUSES.items()
}

CODE_SYNTAX = Text(
    "每行一个代码：代码 [分配日期] [开通运营商 mobile,unicom,telecom,broadnet 或 none] "
    "[valid:有效期至] [active|unused|suspended] [used:最近使用日期]",
    "One code per line: CODE [allocated date] [carriers opened mobile,unicom,telecom,broadnet "
    "or none] [valid:END DATE] [active|unused|suspended] [used:LAST USED]",
)
PORT_SYNTAX = Text(
    "每行一次变更：变更日期 原端口 -> 新端口 filed[:备案日期]|unfiled [# 备注]",
    "One change per line: DATE OLD -> NEW filed[:FILED ON]|unfiled [# note]",
)
TAX_SYNTAX = Text("年份，如 2021 2022 或 2021-2025", "Years, e.g. 2021 2022 or 2021-2025")


@dataclass(frozen=True)
class CodeRecord:
    code: str
    allocated_on: dt.date | None = None
    carriers: tuple[str, ...] | None = None  # None: not recorded; (): opened on no carrier
    valid_until: dt.date | None = None
    status: str | None = None  # active | unused | suspended
    last_used_on: dt.date | None = None

    @property
    def has_details(self) -> bool:
        return self != CodeRecord(self.code)


@dataclass(frozen=True)
class PortChange:
    changed_on: dt.date
    old_port: str
    new_port: str
    filed: bool
    filed_on: dt.date | None = None
    note: str | None = None


# ---------------------------------------------------------------------- parsing


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date for {what} (use YYYY-MM-DD)") from None


def _carriers(parts: list[str]) -> tuple[str, ...] | None:
    """The carriers named, in the usual order; None when a part is not a carrier word."""
    if len(parts) == 1 and parts[0].lower() in NO_CARRIER:
        return ()
    keys = [_CARRIER_WORDS.get(p.lower()) for p in parts]
    if not keys or None in keys:
        return None
    return tuple(k for k in CARRIERS if k in keys)


def _set(fields: dict[str, Any], name: str, value: Any, token: str) -> None:
    if name in fields:
        raise ValueError(f"{token!r} gives the {name.replace('_', ' ')} a second time")
    fields[name] = value


def _detail(fields: dict[str, Any], token: str) -> None:
    """One detail token of a code line, stored into fields (raises when not recognised)."""
    key, sep, rest = token.partition(":")
    key = key.lower()
    if sep and key in ("allocated", "valid", "used", "status", "carriers"):
        if key == "allocated":
            _set(fields, "allocated_on", _date(rest, "the allocation"), token)
        elif key == "valid":
            _set(fields, "valid_until", _date(rest, "the validity end"), token)
        elif key == "used":
            _set(fields, "last_used_on", _date(rest, "the last use"), token)
        elif key == "status":
            if rest.lower() not in _STATUS_WORDS:
                raise ValueError(f"{rest!r} is not a status (active, unused or suspended)")
            _set(fields, "status", _STATUS_WORDS[rest.lower()], token)
        else:
            carriers = _carriers(re.split(r"[,，、]", rest))
            if carriers is None:
                raise ValueError(f"{rest!r} is not a list of carriers ({', '.join(CARRIERS)})")
            _set(fields, "carriers", carriers, token)
        return
    if re.fullmatch(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}", token):
        _set(fields, "allocated_on", _date(token, "the allocation"), token)
        return
    if token.lower() in _STATUS_WORDS:
        _set(fields, "status", _STATUS_WORDS[token.lower()], token)
        return
    carriers = _carriers(re.split(r"[,，、]", token))
    if carriers is not None:
        _set(fields, "carriers", carriers, token)
        return
    if token.isdigit():
        raise ValueError(f"{token!r} is not an SMS access code (digits starting 10, 5–21 long)")
    raise ValueError(
        f"{token!r} is not recognised: expected an allocation date, carriers "
        f"({','.join(CARRIERS)} or none), valid:DATE, used:DATE or a status (active, unused, "
        "suspended)"
    )


def _code_record(code: str, fields: dict[str, Any]) -> CodeRecord:
    record = CodeRecord(code, **fields)
    if record.allocated_on and record.valid_until and record.valid_until <= record.allocated_on:
        raise ValueError(f"{code}: valid:{record.valid_until} is not after its allocation")
    if record.allocated_on and record.last_used_on and record.last_used_on < record.allocated_on:
        raise ValueError(f"{code}: used:{record.last_used_on} is before its allocation")
    return record


def _add_record(records: dict[str, CodeRecord], code: str, fields: dict[str, Any]) -> None:
    record = _code_record(code, fields)
    earlier = records.get(code)
    if earlier is not None and earlier.has_details and record.has_details:
        raise ValueError(f"{code} is listed twice")
    if earlier is None or record.has_details:  # a bare repeat adds nothing
        records[code] = record


def _line_groups(line: str) -> list[tuple[str, dict[str, Any]]]:
    """A line's codes, each with the detail fields that follow it."""
    groups: list[tuple[str, dict[str, Any]]] = []
    for token in (t for t in re.split(r"[\s;；]+", line.strip()) if t):
        parts = [p for p in re.split(r"[,，、]", token) if p]
        if parts and all(ACCESS_CODE_PATTERN.match(p) for p in parts):
            groups.extend((code, {}) for code in parts)
            continue
        if not groups:
            if token.isdigit():
                _detail({}, token)  # raises, saying why it is not a code
            raise ValueError(f"starts with {token!r}; each line starts with the code")
        _detail(groups[-1][1], token)
    return groups


def parse_code_records(raw: str) -> list[CodeRecord]:
    """Codes with optional details; a code starts each record (one per line is the habit,
    but `10690123 10660587` and `10690123,10660587` are two bare codes, as before)."""
    records: dict[str, CodeRecord] = {}
    for number, line in enumerate(raw.splitlines(), 1):
        try:
            for code, fields in _line_groups(line):
                _add_record(records, code, fields)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return list(records.values())


_PORT_LINE = re.compile(
    r"^(?P<date>\S+)\s+(?P<old>[^\s>→-][^\s>→]*?)\s*(?:->|→)\s*(?P<new>[^\s#]+)"
    r"(?:\s+(?P<status>[^\s#]+))?\s*(?:#\s*(?P<note>.*))?$"
)
_FILED = ("filed", "已备案")
_UNFILED = ("unfiled", "未备案")
PORT_MAX = 100  # characters of a port or SPID
NOTE_MAX = 500


def parse_port_changes(raw: str) -> list[PortChange]:
    changes: list[PortChange] = []
    for number, line in enumerate(raw.splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        try:
            changes.append(_port_change(text))
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return sorted(changes, key=lambda c: c.changed_on)


def _port_change(text: str) -> PortChange:
    match = _PORT_LINE.match(text)
    if match is None:
        raise ValueError(f"{text[:40]!r} is not DATE OLD -> NEW filed|unfiled")
    changed_on = _date(match["date"], "the change")
    status = (match["status"] or "").lower()
    word, _, when = status.partition(":")
    if word in _FILED:
        filed, filed_on = True, _date(when, "the filing") if when else None
    elif word in _UNFILED and not when:
        filed, filed_on = False, None
    else:
        raise ValueError(
            f"say whether the change was filed: filed, filed:DATE or unfiled "
            f"(not {match['status'] or 'nothing'!r})"
        )
    old, new, note = match["old"], match["new"], (match["note"] or "").strip() or None
    if max(len(old), len(new)) > PORT_MAX:
        raise ValueError(f"a port is at most {PORT_MAX} characters")
    if note is not None and len(note) > NOTE_MAX:
        raise ValueError(f"the note is {len(note)} characters; at most {NOTE_MAX} fit")
    return PortChange(changed_on, old, new, filed, filed_on, note)


def parse_tax_years(raw: str, this_year: int | None = None) -> list[int]:
    """'2021 2022 2023', '2021-2025' or a mix; sorted, without repeats."""
    last = this_year or dt.date.today().year
    years: set[int] = set()
    for token in (t for t in re.split(r"[\s,，;；、]+", raw.strip()) if t):
        match = re.fullmatch(r"(\d{4})(?:\s*[-–~至]\s*(\d{4}))?", token)
        if match is None:
            raise ValueError(f"{token!r} is not a year or a range of years like 2021-2025")
        first, end = int(match[1]), int(match[2] or match[1])
        if first > end:
            raise ValueError(f"{token!r} runs backwards")
        if first < FIRST_YEAR or end > last:
            raise ValueError(f"{token!r} is outside {FIRST_YEAR}–{last}")
        years.update(range(first, end + 1))
    return sorted(years)


# ---------------------------------------------------------------------- text form


def format_code_record(record: CodeRecord) -> str:
    parts = [record.code]
    if record.allocated_on:
        parts.append(record.allocated_on.isoformat())
    if record.carriers is not None:
        parts.append(",".join(record.carriers) or "none")
    if record.valid_until:
        parts.append(f"valid:{record.valid_until.isoformat()}")
    if record.status:
        parts.append(record.status)
    if record.last_used_on:
        parts.append(f"used:{record.last_used_on.isoformat()}")
    return " ".join(parts)


def format_code_records(records: Iterable[CodeRecord]) -> str:
    return "\n".join(format_code_record(r) for r in records)


def format_port_change(change: PortChange) -> str:
    status = "unfiled"
    if change.filed:
        status = f"filed:{change.filed_on.isoformat()}" if change.filed_on else "filed"
    text = f"{change.changed_on.isoformat()} {change.old_port} -> {change.new_port} {status}"
    return text + (f" # {change.note}" if change.note else "")


def format_port_changes(changes: Iterable[PortChange]) -> str:
    return "\n".join(format_port_change(c) for c in changes)


def format_tax_years(years: Iterable[int]) -> str:
    """Runs of consecutive years as ranges: 2019-2021 2023."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return " ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


# ---------------------------------------------------------------------- stored JSON


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def records_json(records: Iterable[CodeRecord | PortChange]) -> str:
    rows = [{k: _json_value(v) for k, v in asdict(r).items()} for r in records]
    return json.dumps(rows, ensure_ascii=False, sort_keys=True)


def _loads(raw: Any) -> list[Any]:
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, str) or not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _stored_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def code_records_from(raw: Any) -> list[CodeRecord]:
    """Stored code records (JSON text or a decoded list); malformed entries are skipped."""
    records = []
    for row in _loads(raw):
        if isinstance(row, str):  # a bare code, as the old access_codes list held them
            row = {"code": row}
        if not isinstance(row, dict) or not isinstance(row.get("code"), str):
            continue
        carriers = row.get("carriers")
        records.append(
            CodeRecord(
                code=row["code"],
                allocated_on=_stored_date(row.get("allocated_on")),
                carriers=tuple(c for c in carriers if c in CARRIERS)
                if isinstance(carriers, list)
                else None,
                valid_until=_stored_date(row.get("valid_until")),
                status=row.get("status") if row.get("status") in CODE_STATUSES else None,
                last_used_on=_stored_date(row.get("last_used_on")),
            )
        )
    return records


def port_changes_from(raw: Any) -> list[PortChange]:
    changes = []
    for row in _loads(raw):
        if not isinstance(row, dict):
            continue
        changed_on = _stored_date(row.get("changed_on"))
        if changed_on is None:
            continue
        changes.append(
            PortChange(
                changed_on=changed_on,
                old_port=str(row.get("old_port") or "?"),
                new_port=str(row.get("new_port") or "?"),
                filed=row.get("filed") is True,
                filed_on=_stored_date(row.get("filed_on")),
                note=row.get("note") if isinstance(row.get("note"), str) else None,
            )
        )
    return changes


def tax_years_from(raw: Any) -> list[int]:
    return sorted({y for y in _loads(raw) if isinstance(y, int) and not isinstance(y, bool)})


def merge_code(records: list[CodeRecord], given: CodeRecord) -> list[CodeRecord]:
    """Records with `given` added, or its details laid over the stored record of that code."""
    for n, record in enumerate(records):
        if record.code == given.code:
            changes = {k: v for k, v in asdict(given).items() if k != "code" and v is not None}
            if "carriers" in changes:
                changes["carriers"] = tuple(changes["carriers"])
            merged = list(records)
            merged[n] = replace(record, **changes)
            return merged
    return [*records, given]
