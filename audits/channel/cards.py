"""The test-card registry: the auditor's own SIMs, validated, with the carrier each number's
range was allocated to (which porting may have changed) set beside the carrier declared."""

from __future__ import annotations

import csv
import functools
import io
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import col, select

from vaudit.audits import events
from vaudit.audits.channel import CARRIERS, ChannelError
from vaudit.audits.channel.models import TestCard
from vaudit.audits.db import Store
from vaudit.audits.files import InputFileError, read_input
from vaudit.audits.regulatory import Level
from vaudit.audits.regulatory.mobile import check_mobile, is_mvno, national_number
from vaudit.audits.rows import row_id
from vaudit.audits.text import Text

CSV_COLUMNS = ("number", "carrier", "mvno", "ported", "province", "label")
YES = {"yes", "y", "true", "1", "是"}
NO = {"no", "n", "false", "0", "否", ""}


@dataclass(frozen=True)
class CardInfo:
    card: TestCard
    allocated: Text | None  # "… (allocated carrier, may be ported)"
    allocated_key: str | None
    warnings: tuple[Text, ...]

    def as_dict(self) -> dict[str, Any]:
        """The card with the carrier its range was allocated to and its warnings (JSON)."""
        return {
            "id": row_id(self.card),
            **card_fields(self.card),
            "allocated_carrier": self.allocated_key,
            "allocated": self.allocated.as_dict() if self.allocated else None,
            "warnings": [w.as_dict() for w in self.warnings],
        }


def card_fields(card: TestCard) -> dict[str, Any]:
    """What the auditor registered for a card, as plain data."""
    return {
        "number": card.number,
        "carrier": card.carrier,
        "mvno": card.mvno,
        "ported": card.ported,
        "province": card.province,
        "label": card.label,
    }


def carrier_key(raw: str) -> str:
    text = raw.strip().lower()
    for key, name in CARRIERS.items():
        if text in (key, name.zh.lower(), name.zh.removeprefix("中国"), name.en.lower()):
            return key
    raise ChannelError(
        f"unknown carrier {raw!r}; one of {', '.join(CARRIERS)} (or the Chinese name)"
    )


@functools.cache
def _ranges() -> dict[str, str]:
    """carriers.toml's number ranges: prefix → carrier key."""
    text = resources.files("vaudit.audits.channel").joinpath("carriers.toml").read_text("utf-8")
    ranges: dict[str, str] = {}
    for key, prefixes in tomllib.loads(text)["prefixes"].items():
        if key not in CARRIERS:
            raise ValueError(f"carriers.toml: unknown carrier {key!r}")
        ranges.update(dict.fromkeys(map(str, prefixes), key))
    return ranges


def allocated_key(digits: str) -> str | None:
    """The key of the carrier the number's range was allocated to (carriers.toml), if known."""
    ranges = _ranges()
    for length in range(min(len(digits), 5), 2, -1):
        key = ranges.get(digits[:length])
        if key is not None:
            return key
    return None


def normalise(raw: str) -> str:
    """The card's 11 national digits; a ChannelError names the problem otherwise."""
    report = check_mobile(raw)
    if report.level is Level.FAIL:
        raise ChannelError(report.findings[0].message.en)
    digits = national_number(raw)
    assert digits is not None
    return digits


def describe(card: TestCard) -> CardInfo:
    from vaudit.audits.regulatory.mobile import allocated_carrier

    allocated = allocated_carrier(card.number)
    key = allocated_key(card.number)
    warnings: list[Text] = []
    declared = CARRIERS.get(card.carrier)
    if key is not None and key != card.carrier and declared is not None:
        if card.ported:
            warnings.append(
                Text(
                    f"号段分配给{CARRIERS[key].zh}，登记为{declared.zh}：已标为携号转网",
                    f"range allocated to {CARRIERS[key].en}, declared {declared.en}: "
                    "marked as ported",
                )
            )
        else:
            warnings.append(
                Text(
                    f"号段分配给{CARRIERS[key].zh}，登记为{declared.zh}：若已携号转网请标明 ported",
                    f"range allocated to {CARRIERS[key].en} but declared {declared.en}: "
                    "if the number was ported, mark it ported",
                )
            )
    if is_mvno(card.number) and not card.mvno:
        warnings.append(
            Text(
                f"{card.number[:3]} 号段属于虚拟运营商，但未标为 MVNO",
                f"the {card.number[:3]} range belongs to virtual operators, but the card is "
                "not marked MVNO",
            )
        )
    return CardInfo(card, allocated, key, tuple(warnings))


class Covers(Protocol):
    """What coverage looks at in a card: a stored TestCard or a plan's copy of one."""

    @property
    def carrier(self) -> str: ...
    @property
    def mvno(self) -> bool: ...
    @property
    def ported(self) -> bool: ...


def coverage_warnings(cards: Iterable[Covers]) -> list[Text]:
    """What a plan over these cards leaves untested: a channel test covers the four carriers
    (China Broadnet's 192 as well as the three basic ones), an MVNO card and a ported number."""
    cards = list(cards)
    warnings = []
    missing = [c for c in CARRIERS if not any(card.carrier == c for card in cards)]
    if missing:
        warnings.append(
            Text(
                "测试卡未覆盖：" + "、".join(CARRIERS[c].zh for c in missing),
                "no test card on " + ", ".join(CARRIERS[c].en for c in missing),
            )
        )
    if not any(card.mvno for card in cards):
        warnings.append(Text("没有虚拟运营商（MVNO）测试卡", "no virtual-operator (MVNO) card"))
    if not any(card.ported for card in cards):
        warnings.append(Text("没有携号转网测试卡", "no number-ported card"))
    return warnings


def _yes_no(raw: str | bool | None, what: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = (raw or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ChannelError(f"{what} must be yes or no, not {raw!r}")


def _new_card(
    number: str,
    carrier: str,
    mvno: bool | str | None,
    ported: bool | str | None,
    province: str | None,
    label: str | None,
) -> TestCard:
    return TestCard(
        number=normalise(number),
        carrier=carrier_key(carrier),
        mvno=_yes_no(mvno, "mvno"),
        ported=_yes_no(ported, "ported"),
        province=(province or "").strip()[:40] or None,
        label=(label or "").strip()[:100] or None,
    )


def _save(store: Store, cards: Sequence[TestCard], actor: str) -> list[TestCard]:
    numbers = [c.number for c in cards]
    if len(set(numbers)) != len(numbers):
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        raise ChannelError(f"number given twice: {', '.join(twice)}")
    with store.write() as session:
        existing = session.exec(select(TestCard.number).where(col(TestCard.number).in_(numbers)))
        taken = sorted(existing.all())
        if taken:
            raise ChannelError(f"already registered: {', '.join(taken)}")
        for card in cards:
            session.add(card)
        session.flush()
        for card in cards:
            events.append(
                session,
                actor=actor,
                action="card_add",
                entity="test_card",
                entity_id=row_id(card),
                after=card_fields(card),
            )
    return list(cards)


def add_card(
    store: Store,
    actor: str,
    number: str,
    carrier: str,
    *,
    mvno: bool = False,
    ported: bool = False,
    province: str | None = None,
    label: str | None = None,
) -> CardInfo:
    [card] = _save(store, [_new_card(number, carrier, mvno, ported, province, label)], actor)
    return describe(card)


def import_cards(store: Store, actor: str, path: Path) -> list[CardInfo]:
    """Cards from a CSV file with a header row; all are added, or none if any line is wrong."""
    try:
        text = read_input(path).decode("utf-8-sig")
    except InputFileError as exc:
        raise ChannelError(str(exc)) from None
    except UnicodeDecodeError:
        raise ChannelError(f"{path}: not UTF-8 text") from None
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ChannelError(f"{path}: not a CSV card list: {exc}") from None
    if not rows:
        raise ChannelError(f"{path}: no cards (a header row and one card per line)")
    unknown = set(rows[0]) - set(CSV_COLUMNS)
    if "number" not in rows[0] or "carrier" not in rows[0] or unknown:
        raise ChannelError(
            f"{path}: the header must name number and carrier, and may add "
            f"{', '.join(CSV_COLUMNS[2:])}"
            + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "")
        )
    cards = []
    for line, row in enumerate(rows, start=2):
        try:
            cards.append(
                _new_card(
                    row.get("number") or "",
                    row.get("carrier") or "",
                    row.get("mvno"),
                    row.get("ported"),
                    row.get("province"),
                    row.get("label"),
                )
            )
        except ChannelError as exc:
            raise ChannelError(f"{path}:{line}: {exc}") from None
    return [describe(card) for card in _save(store, cards, actor)]


def list_cards(store: Store) -> list[CardInfo]:
    with store.read() as session:
        cards = session.exec(select(TestCard).order_by(col(TestCard.id))).all()
    return [describe(card) for card in cards]


def cards_by_ref(store: Store, refs: Sequence[str] | None) -> list[TestCard]:
    """The cards named by id or number (all cards when refs is empty)."""
    with store.read() as session:
        cards = list(session.exec(select(TestCard).order_by(col(TestCard.id))).all())
    if not refs:
        if not cards:
            raise ChannelError("no test cards registered: add them with `vaudit cards add`")
        return cards
    chosen = []
    for ref in refs:
        digits = national_number(ref) or ref
        match = next((c for c in cards if str(c.id) == ref or c.number == digits), None)
        if match is None:
            raise ChannelError(f"no test card {ref!r} (see `vaudit cards list`)")
        chosen.append(match)
    return chosen
