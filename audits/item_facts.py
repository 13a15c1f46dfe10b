"""Items that ask for a vendor fact: one source for each fact.

A checklist item names the vendor fact it asks for (`fact = "licence_expiry"` in its TOML). The
item then shows the recorded fact as its value, and a value typed into the item is written to
that fact (as a vendor edit, with its event) before the rules run, so a fact lives in one place:
the vendor's record. This module says, for each fact an item may name, which vendor field holds
it, which inputs can carry it, and how the item's value and the field's text map onto each
other. It reads and writes plain data (the vendor's facts as `vendor_facts` gives them), no
storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from vaudit.audits.text import Text
from vaudit.audits.values import InputKind, to_canonical
from vaudit.audits.vendor_records import code_records_from, format_code_records

WAN = Decimal(10_000)  # 万: the unit registered capital is usually quoted in


@dataclass(frozen=True)
class ItemFact:
    name: str
    label: Text
    field: str  # the vendor field that holds the fact
    input: InputKind  # the input an item asking for it must have
    # The recorded fact as the item's canonical value (None: not recorded).
    read: Callable[[Mapping[str, Any]], str | None]
    # An item's canonical value as the vendor fields' texts to store (raises ValueError).
    write: Callable[[str, Mapping[str, Any]], dict[str, str]]
    choices: frozenset[str] = frozenset()  # for a choice input: the values the fact takes


def _plain(field: str) -> Callable[[Mapping[str, Any]], str | None]:
    def read(facts: Mapping[str, Any]) -> str | None:
        value = facts.get(field)
        if value is None or value == "":
            return None
        return str(value)

    return read


def _store(field: str) -> Callable[[str, Mapping[str, Any]], dict[str, str]]:
    def write(value: str, _facts: Mapping[str, Any]) -> dict[str, str]:
        return {field: value}

    return write


def _capital_read(facts: Mapping[str, Any]) -> str | None:
    yuan = facts.get("registered_capital_yuan")
    if not isinstance(yuan, int) or isinstance(yuan, bool):
        return None
    return to_canonical(Decimal(yuan) / WAN)


def _capital_write(value: str, _facts: Mapping[str, Any]) -> dict[str, str]:
    return {"registered_capital_yuan": f"{value}万"}


def _whole_write(field: str) -> Callable[[str, Mapping[str, Any]], dict[str, str]]:
    def write(value: str, _facts: Mapping[str, Any]) -> dict[str, str]:
        number = Decimal(value)
        if number != number.to_integral_value():
            raise ValueError(f"{value} is not a whole number")
        return {field: str(int(number))}

    return write


def _earliest_code_end(facts: Mapping[str, Any]) -> dt.date | None:
    ends = [r.valid_until for r in code_records_from(facts.get("code_records"))]
    return min((e for e in ends if e is not None), default=None)


def _code_end_read(facts: Mapping[str, Any]) -> str | None:
    end = _earliest_code_end(facts)
    return end.isoformat() if end else None


def _code_end_write(value: str, facts: Mapping[str, Any]) -> dict[str, str]:
    """The item asks for the earliest certificate end: the date typed replaces the end shown
    (the earliest recorded) and is given to every code whose end is not recorded yet."""
    records = code_records_from(facts.get("code_records"))
    if not records:
        raise ValueError("the vendor has no access code recorded: add its codes first")
    shown = _earliest_code_end(facts)
    end = dt.date.fromisoformat(value)
    updated = [
        replace(r, valid_until=end) if r.valid_until is None or r.valid_until == shown else r
        for r in records
    ]
    return {"access_codes": format_code_records(updated)}


_FACTS = (
    ItemFact(
        "licence_expiry",
        Text("许可证有效期至", "licence expiry"),
        "licence_expiry",
        InputKind.DATE,
        _plain("licence_expiry"),
        _store("licence_expiry"),
    ),
    ItemFact(
        "licence_scope",
        Text("许可业务范围", "licence scope"),
        "licence_scope",
        InputKind.TEXT,
        _plain("licence_scope"),
        _store("licence_scope"),
    ),
    ItemFact(
        "annual_report_year",
        Text("已报送年报的最近年度", "latest annual report year"),
        "annual_report_year",
        InputKind.NUMBER,
        _plain("annual_report_year"),
        _whole_write("annual_report_year"),
    ),
    ItemFact(
        "code_valid_until",
        Text("码号证书最早的有效期截止日", "earliest code certificate end"),
        "access_codes",
        InputKind.DATE,
        _code_end_read,
        _code_end_write,
    ),
    ItemFact(
        "mlps_level",
        Text("等保级别", "MLPS level"),
        "mlps_level",
        InputKind.NUMBER,
        _plain("mlps_level"),
        _whole_write("mlps_level"),
    ),
    ItemFact(
        "mlps_report_on",
        Text("等保测评报告日期", "MLPS report date"),
        "mlps_report_on",
        InputKind.DATE,
        _plain("mlps_report_on"),
        _store("mlps_report_on"),
    ),
    ItemFact(
        "mlps_conclusion",
        Text("等保测评结论", "MLPS conclusion"),
        "mlps_conclusion",
        InputKind.CHOICE,
        _plain("mlps_conclusion"),
        _store("mlps_conclusion"),
        frozenset({"conforming", "basically_conforming", "not_conforming"}),
    ),
    ItemFact(
        "founded_on",
        Text("成立日期", "registration date"),
        "founded_on",
        InputKind.DATE,
        _plain("founded_on"),
        _store("founded_on"),
    ),
    ItemFact(
        "first_contract_on",
        Text("首份客户合同日期", "first customer contract"),
        "first_contract_on",
        InputKind.DATE,
        _plain("first_contract_on"),
        _store("first_contract_on"),
    ),
    ItemFact(
        "registered_capital_wan",
        Text("注册资本（万元）", "registered capital (RMB 10,000)"),
        "registered_capital_yuan",
        InputKind.NUMBER,
        _capital_read,
        _capital_write,
    ),
)
ITEM_FACTS: dict[str, ItemFact] = {f.name: f for f in _FACTS}


def fact_value(name: str, facts: Mapping[str, Any]) -> str | None:
    """The recorded fact as the canonical value of an item that asks for it."""
    return ITEM_FACTS[name].read(facts)


def fact_fields(name: str, value: str, facts: Mapping[str, Any]) -> dict[str, str]:
    """The vendor field texts that record an item's canonical value (ValueError if it cannot)."""
    return ITEM_FACTS[name].write(value, facts)
