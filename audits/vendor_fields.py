"""Vendor facts as people type them: one validator per field, shared by the CLI and the TUI.

Each validator takes the raw text and returns the value to store, or raises FieldError with a
message naming the field. Nothing is silently truncated: text longer than its column is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from vaudit.audits.regulatory import Level
from vaudit.audits.regulatory.credit_code import CREDIT_CODE_PATTERN, check_credit_code
from vaudit.audits.regulatory.licence import diagnose, parse_licence_number
from vaudit.audits.regulatory.port_change import check_port_changes
from vaudit.audits.text import Text
from vaudit.audits.values import NO_WORDS, YES_WORDS
from vaudit.audits.vendor_records import (
    CODE_SYNTAX,
    PORT_SYNTAX,
    TAX_SYNTAX,
    code_records_from,
    format_code_records,
    format_port_changes,
    format_tax_years,
    parse_code_records,
    parse_port_changes,
    parse_tax_years,
    port_changes_from,
    records_json,
    tax_years_from,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-()]{4,38}$")


class FieldError(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        text = raw.strip()
        if len(text) > limit:
            raise ValueError(f"{len(text)} characters; at most {limit} fit")
        return text

    return parse


def parse_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip().replace("/", "-"))
    except ValueError:
        raise ValueError(f"{raw.strip()!r} is not a date (use YYYY-MM-DD)") from None


def _past_date(raw: str) -> dt.date:
    date = parse_date(raw)
    if date > dt.date.today():
        raise ValueError(f"{date.isoformat()} is in the future")
    return date


def parse_credit_code(raw: str) -> str:
    code = raw.strip().upper()
    if any(ord(ch) > 127 for ch in code):
        raise ValueError("use half-width letters and digits (no full-width characters)")
    if len(code) != 18:
        raise ValueError(f"a unified social credit code has 18 characters, not {len(code)}")
    if not CREDIT_CODE_PATTERN.match(code):
        raise ValueError(
            "not a unified social credit code: 2 characters, 6 digits, 10 characters, "
            "without the letters I, O, S, V, Z"
        )
    return code


_MONEY_UNITS = {"亿": Decimal(100_000_000), "万": Decimal(10_000), "元": Decimal(1)}
# Far above any company's registered capital, and well inside a 64-bit database integer.
MAX_CAPITAL_YUAN = 10**15


def parse_capital(raw: str) -> int:
    """RMB in yuan from '10000000', '1000万', '1000万元', '1.5亿', '12,000,000'."""
    text = raw.strip().replace(",", "").replace("，", "").replace(" ", "")
    text = text.removeprefix("RMB").removeprefix("¥").removeprefix("￥")
    text = text.removesuffix("元") if text.endswith(("万元", "亿元")) else text
    factor = Decimal(1)
    for unit, multiplier in _MONEY_UNITS.items():
        if text.endswith(unit):
            factor = multiplier
            text = text[: -len(unit)]
            break
    try:
        amount = Decimal(text) * factor
    except InvalidOperation:
        raise ValueError(
            f"{raw.strip()!r} is not an amount (e.g. 10000000, 1000万, 1.5亿)"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("the amount must be zero or more")
    if amount > MAX_CAPITAL_YUAN:
        raise ValueError("the amount is too large (at most 1,000,000,000,000,000 yuan)")
    if amount != amount.to_integral_value():
        raise ValueError("the amount must be whole yuan")
    return int(amount)


def _email(raw: str) -> str:
    text = _text(200)(raw)
    if not EMAIL_PATTERN.match(text):
        raise ValueError(f"{text!r} is not an e-mail address")
    return text


def _phone(raw: str) -> str:
    text = raw.strip()
    if not PHONE_PATTERN.match(text):
        raise ValueError(f"{text!r} is not a phone number")
    return text


def _website(raw: str) -> str:
    text = _text(300)(raw)
    if not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
        raise ValueError(f"{text!r} is not a web address (http:// or https://)")
    return text


def _name(raw: str) -> str:
    text = _text(200)(raw)
    if not text:
        raise ValueError("a vendor needs a name")
    return text


def _year(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or not 1990 <= int(text) <= dt.date.today().year:
        raise ValueError(f"{text!r} is not a year from 1990 to this year")
    return int(text)


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        text = raw.strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"{text!r} is not a whole number from {low} to {high}")
        return int(text)

    return parse


def _yes_no(raw: str) -> bool:
    word = raw.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError(f"{raw.strip()!r} is not yes or no")


# The MLPS evaluation's conclusion, as the report states it, stored by key.
MLPS_CONCLUSIONS: dict[str, Text] = {
    "conforming": Text("符合", "conforming"),
    "basically_conforming": Text("基本符合", "basically conforming"),
    "not_conforming": Text("不符合", "not conforming"),
}


def _mlps_conclusion(raw: str) -> str:
    text = raw.strip()
    for key, label in MLPS_CONCLUSIONS.items():
        if text.lower() in (key, label.en, label.zh):
            return key
    raise ValueError(
        f"{text!r} is not one of {', '.join(MLPS_CONCLUSIONS)} (符合 / 基本符合 / 不符合)"
    )


@dataclass(frozen=True)
class VendorField:
    name: str  # the model attribute
    label: Text
    parse: Callable[[str], Any]
    required: bool = False
    syntax: Text | None = None  # how to type a record list; shown under a multi-line field

    @property
    def multiline(self) -> bool:
        return self.name in RECORD_FIELDS


def _tax_years(raw: str) -> list[int]:
    return parse_tax_years(raw)


# Fields holding lists, stored as JSON; access codes keep their details in `code_records`
# and the plain list of codes in `access_codes` (the column older vaudit versions read).
RECORD_FIELDS = ("access_codes", "port_changes")
JSON_FIELDS = ("access_codes", "port_changes", "tax_years")


VENDOR_FIELDS: tuple[VendorField, ...] = (
    VendorField("name", Text("名称", "Name"), _name, required=True),
    VendorField("credit_code", Text("统一社会信用代码", "Credit code"), parse_credit_code),
    VendorField("licence_number", Text("许可证编号", "Licence number"), _text(100)),
    VendorField("licence_scope", Text("许可业务范围", "Licence scope"), _text(500)),
    VendorField("licence_expiry", Text("许可证有效期至", "Licence expiry"), parse_date),
    VendorField(
        "access_codes",
        Text("短信接入代码", "SMS access codes"),
        parse_code_records,
        syntax=CODE_SYNTAX,
    ),
    VendorField(
        "registered_capital_yuan",
        Text("注册资本（元）", "Registered capital (yuan)"),
        parse_capital,
    ),
    VendorField("founded_on", Text("成立日期", "Founded on"), _past_date),
    VendorField("contact_name", Text("联系人", "Contact"), _text(100)),
    VendorField("contact_phone", Text("联系电话", "Phone"), _phone),
    VendorField("contact_email", Text("电子邮箱", "E-mail"), _email),
    VendorField("website", Text("网站", "Website"), _website),
    VendorField("licence_issued_on", Text("许可证发证日期", "Licence issued on"), _past_date),
    VendorField(
        "annual_report_year",
        Text("已报送年报的最近年度", "Latest annual report filed (year)"),
        _year,
    ),
    VendorField("mlps_level", Text("等保级别", "MLPS level"), _whole(1, 5)),
    VendorField("mlps_report_on", Text("等保测评报告日期", "MLPS report date"), _past_date),
    VendorField("mlps_conclusion", Text("等保测评结论", "MLPS conclusion"), _mlps_conclusion),
    VendorField(
        "staff_insured", Text("参保员工人数", "Staff with social insurance"), _whole(0, 10**6)
    ),
    VendorField(
        "major_violation_3y",
        Text("近三年有无重大违法记录", "Major violation in the last 3 years"),
        _yes_no,
    ),
    VendorField(
        "first_contract_on", Text("首份客户合同日期", "First customer contract"), _past_date
    ),
    VendorField(
        "port_changes",
        Text("发送端口变更记录", "Sending port changes"),
        parse_port_changes,
        syntax=PORT_SYNTAX,
    ),
    VendorField(
        "tax_years",
        Text("已见完税证明的年度", "Years with a tax payment certificate"),
        _tax_years,
        syntax=TAX_SYNTAX,
    ),
    VendorField(
        "association_member_since",
        Text("通信企业协会会员起始年", "Association member since (year)"),
        _year,
    ),
    VendorField("licence_revoked", Text("许可证已被吊销", "Licence revoked"), _yes_no),
    VendorField(
        "code_fees_unpaid",
        Text("欠缴码号资源使用费", "Code resource fees unpaid"),
        _yes_no,
    ),
    VendorField("notes", Text("备注", "Notes"), _text(10_000)),
)
FIELDS_BY_NAME = {f.name: f for f in VENDOR_FIELDS}


def parse_vendor_fields(raw: Mapping[str, str | None]) -> dict[str, Any]:
    """Validate raw texts by field name. An empty text clears an optional field.

    Raises FieldError for the first bad field (in form order, so messages are predictable).
    """
    values: dict[str, Any] = {}
    for spec in VENDOR_FIELDS:
        if spec.name not in raw:
            continue
        text = raw[spec.name]
        if text is None or not text.strip():
            if spec.required:
                raise FieldError(spec.name, "is required")
            values[spec.name] = [] if spec.name in JSON_FIELDS else None
            continue
        try:
            values[spec.name] = spec.parse(text)
        except ValueError as exc:
            raise FieldError(spec.name, str(exc)) from None
    unknown = set(raw) - set(FIELDS_BY_NAME)
    if unknown:
        raise FieldError(sorted(unknown)[0], "is not a vendor field")
    if "access_codes" in values:
        records = values["access_codes"]
        values["access_codes"] = json.dumps([r.code for r in records], ensure_ascii=False)
        values["code_records"] = records_json(records)
    if "port_changes" in values:
        values["port_changes"] = records_json(values["port_changes"])
    if "tax_years" in values:
        values["tax_years"] = json.dumps(values["tax_years"])
    return values


def display_capital(yuan: int | None) -> str:
    if yuan is None:
        return ""
    if yuan % 10_000 == 0:
        return f"{yuan // 10_000:,}万"
    return f"{yuan:,}"


def field_text(vendor: Any, name: str) -> str:
    """A stored fact as people type it: parsing the text again gives the same value."""
    if name == "access_codes":
        return format_code_records(code_records_from(vendor.code_records))
    if name == "port_changes":
        return format_port_changes(port_changes_from(vendor.port_changes))
    if name == "tax_years":
        return format_tax_years(tax_years_from(vendor.tax_years))
    value = getattr(vendor, name)
    if value is None:
        return ""
    if name == "registered_capital_yuan":
        return display_capital(value).replace(",", "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def field_warnings(name: str, value: Any) -> list[Text]:
    """What the regulatory checks say about an accepted value: not errors (the value is
    stored), but things to look up, e.g. a credit code whose check character does not match."""
    if value in (None, ""):
        return []
    if name == "credit_code":
        findings = check_credit_code(str(value)).findings
    elif name == "licence_number":
        findings = () if parse_licence_number(str(value)) else (diagnose(str(value)),)
    elif name == "port_changes":
        text = str(value)
        try:  # the stored JSON (the form) or the text as typed (the CLI)
            changes = (
                port_changes_from(text)
                if text.lstrip().startswith("[")
                else (parse_port_changes(text))
            )
        except ValueError:
            return []  # not valid: the field's error says so
        findings = check_port_changes(changes, dt.date.today()).findings
    else:
        return []
    return [f.message for f in findings if f.level is not Level.PASS]
