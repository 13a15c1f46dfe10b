"""Typed answer values: what each item's input accepts, and its canonical stored form.

Values are stored as canonical text (ISO dates, plain decimals, yes/no, a choice's value)
so that exports are byte-stable and every backend stores them alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item

TEXT_VALUE_MAX = 4000
# A number item holds a count, an amount, a duration or a rate: at most 15 whole digits (a
# thousand trillion) and 10 decimal places. Bounds, because 1e999999999 is a valid Decimal
# whose plain stored form would take a gigabyte to write.
NUMBER_WHOLE_DIGITS_MAX = 15
NUMBER_DECIMALS_MAX = 10

YES_WORDS = {"yes", "y", "true", "1", "是", "有"}
NO_WORDS = {"no", "n", "false", "0", "否", "无"}


class InputKind(StrEnum):
    NONE = "none"
    YESNO = "yesno"
    DATE = "date"
    NUMBER = "number"
    TEXT = "text"
    CHOICE = "choice"


class ValueError_(ValueError):
    """A value the item cannot take; the message is meant for the auditor."""


TypedValue = bool | dt.date | Decimal | str


def parse_value(item: Item, raw: str) -> TypedValue:
    """Validate `raw` against the item's input kind; raise ValueError_ with a clear message."""
    text = raw.strip()
    kind = item.input
    if kind is InputKind.NONE:
        raise ValueError_(f"{item.id} takes no value (its input is 'none'); record a result only")
    if not text:
        raise ValueError_(f"{item.id}: the value is empty")
    if kind is InputKind.YESNO:
        word = text.lower()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise ValueError_(f"{item.id}: {raw!r} is not yes or no")
    if kind is InputKind.DATE:
        try:
            return dt.date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise ValueError_(f"{item.id}: {raw!r} is not a date (use YYYY-MM-DD)") from None
    if kind is InputKind.NUMBER:
        try:
            number = Decimal(text.replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise ValueError_(f"{item.id}: {raw!r} is not a number") from None
        if not number.is_finite():
            raise ValueError_(f"{item.id}: {raw!r} is not a finite number")
        if number != 0 and number.adjusted() >= NUMBER_WHOLE_DIGITS_MAX:
            raise ValueError_(
                f"{item.id}: {text[:40]!r} is too large "
                f"(at most {NUMBER_WHOLE_DIGITS_MAX} digits before the decimal point)"
            )
        if _decimal_places(number) > NUMBER_DECIMALS_MAX:
            raise ValueError_(
                f"{item.id}: {text[:40]!r} has more than {NUMBER_DECIMALS_MAX} decimal places"
            )
        return number
    if kind is InputKind.CHOICE:
        for choice in item.choices:
            if text in (choice.value, choice.label.zh, choice.label.en) or (
                text.lower() == choice.label.en.lower()
            ):
                return choice.value
        allowed = ", ".join(c.value for c in item.choices)
        raise ValueError_(f"{item.id}: {raw!r} is not one of the choices ({allowed})")
    # Free text: refuse rather than silently cut what the auditor wrote.
    if len(text) > TEXT_VALUE_MAX:
        raise ValueError_(
            f"{item.id}: the text is {len(text)} characters; at most {TEXT_VALUE_MAX} fit"
        )
    return text


def _decimal_places(number: Decimal) -> int:
    """Decimal places that matter: 1.50 has one, 1E+3 none, 1E-400 four hundred."""
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite, checked before
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return 0 if not any(digits) else max(0, -(exponent + trailing_zeros))


def to_canonical(value: TypedValue) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Plain notation without exponent or trailing zeros: 1E+3 -> "1000", 97.50 -> "97.5".
        # normalize() rounds to the context's 28 digits: give it room for every digit we hold.
        normal = value.normalize(Context(prec=max(1, len(value.as_tuple().digits))))
        text = format(normal, "f")
        return "0" if text in ("-0", "") else text
    return value


def from_canonical(item: Item, stored: str) -> TypedValue:
    """Read a stored canonical value back into its type (stored values were validated)."""
    return parse_value(item, stored)
