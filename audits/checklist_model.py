"""What a checklist is once loaded: items, checklists, scoring settings, the set an audit runs
against, and the problems a checklist file can have. Parsing is in checklist_parse, loading the
files in checklist."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vaudit.audits.rules.registry import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.text import Text
from vaudit.audits.values import InputKind

# Format 2 makes every item decide its severity; format 1 files (older user checklists and the
# snapshots of audits started before) still load, `gate = true` read as severity "gate".
FORMAT_VERSION = 2
FORMAT_VERSIONS = (1, 2)
SCORING_FILE = "scoring.toml"
ID_SEGMENT = re.compile(r"^[a-z0-9_]+$")
# The event log names an answer "<audit id>:<item id>" in 64 characters (room for a 9-digit id).
ITEM_ID_MAX = 54
MAX_WEIGHT = 100


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str
    line: int | None = None
    item: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.item:
            parts.append(f"item {self.item}")
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join([*parts, self.message])


class ChecklistError(Exception):
    """One or more problems in checklist files."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class Severity(StrEnum):
    """How much one item's failure weighs beyond its points."""

    GATE = "gate"  # a fail disqualifies the vendor
    CRITICAL = "critical"  # a fail or partial caps the verdict (scoring.toml [scoring.critical])
    STANDARD = "standard"  # points only


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: Text


@dataclass(frozen=True, slots=True)
class RuleSpec:
    kind: str
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    checklist: str
    group: str
    title: Text
    guidance: Text
    evidence: Text
    weight: int
    severity: Severity
    input: InputKind
    unit: Text | None = None
    choices: tuple[Choice, ...] = ()
    when: Mapping[str, frozenset[str]] = field(default_factory=dict)
    rule: RuleSpec | None = None
    severity_reason: Text | None = None  # None only in a format 1 file

    @property
    def gate(self) -> bool:
        return self.severity is Severity.GATE

    @property
    def critical(self) -> bool:
        return self.severity is Severity.CRITICAL

    # The vendor fact the item asks for (item_facts.ITEM_FACTS): shown as its value, and
    # written back when a value is typed into the item.
    fact: str | None = None

    def applies_to(self, scenario: Scenario) -> bool:
        return scenario.matches(dict(self.when))


@dataclass(frozen=True, slots=True)
class Checklist:
    id: str
    version: int
    title: Text
    description: Text
    groups: Mapping[str, Text]
    items: tuple[Item, ...]
    source: Source
    file_format: int = FORMAT_VERSION

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    weight: float


@dataclass(frozen=True, slots=True)
class CriticalCap:
    """The best verdict an audit can reach while a critical item has this result, and what the
    verdict says about it."""

    result: Result
    caps_at: str  # a verdict value: "conditional" or "not_recommended"
    reason: Text


@dataclass(frozen=True, slots=True)
class ScoringSettings:
    version: int
    points: Mapping[Result, float]
    recommended_at_least: float
    conditional_at_least: float
    default_section_weight: float
    sections: tuple[Section, ...]
    source: Source
    # Format 2's [scoring.critical]; empty in a format 1 file, which cannot serve critical items.
    critical_caps: tuple[CriticalCap, ...] = ()

    def cap_for(self, result: Result | None) -> CriticalCap | None:
        return next((c for c in self.critical_caps if c.result is result), None)

    def section_weight(self, checklist_id: str) -> float:
        for section in self.sections:
            if section.id == checklist_id:
                return section.weight
        return self.default_section_weight


@dataclass(frozen=True, slots=True)
class Source:
    """Where a file came from and its exact text (what an audit's snapshot freezes)."""

    name: str
    origin: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChecklistSet:
    """The checklists an audit runs against, in display order, with their scoring settings."""

    checklists: tuple[Checklist, ...]
    scoring: ScoringSettings
    warnings: tuple[str, ...] = ()
    _items: dict[str, Item] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._items.update((item.id, item) for cl in self.checklists for item in cl.items)

    def item(self, item_id: str) -> Item | None:
        return self._items.get(item_id)

    def items(self) -> Iterable[Item]:
        for checklist in self.checklists:
            yield from checklist.items

    def sources(self) -> list[Source]:
        return [self.scoring.source, *(cl.source for cl in self.checklists)]
