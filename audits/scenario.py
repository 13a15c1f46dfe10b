"""The selection's scenario: what the enterprise needs, which decides what applies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from vaudit.audits.text import Text


class Coverage(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"


INDUSTRIES: dict[str, Text] = {
    "general": Text("通用", "General"),
    "finance": Text("金融", "Finance"),
    "education": Text("教育", "Education"),
    "healthcare": Text("医疗健康", "Healthcare"),
    "ecommerce": Text("电子商务", "E-commerce"),
    "government": Text("政务", "Government"),
    "other": Text("其他", "Other"),
}

COVERAGES: dict[str, Text] = {
    Coverage.NATIONAL.value: Text("全国（跨省）", "National (cross-province)"),
    Coverage.PROVINCIAL.value: Text("省内", "Provincial"),
}

MESSAGE_KINDS: dict[str, Text] = {
    "verification": Text("验证码", "Verification codes"),
    "notification": Text("通知", "Notifications"),
    "marketing": Text("营销", "Marketing"),
}

# The keys an item's `when` table may use, and the vocabulary of each.
CONDITION_VOCABULARY: dict[str, dict[str, Text]] = {
    "industry": INDUSTRIES,
    "coverage": COVERAGES,
    "message_kinds": MESSAGE_KINDS,
}


@dataclass(frozen=True, slots=True)
class Scenario:
    industry: str = "general"
    coverage: str = Coverage.NATIONAL.value
    message_kinds: frozenset[str] = field(default_factory=lambda: frozenset({"verification"}))
    monthly_volume: int | None = None
    # The enterprise buys from domestic-funded vendors only: a foreign-invested (合字) licence
    # then fails instead of warning.
    domestic_only: bool = False

    def __post_init__(self) -> None:
        if self.industry not in INDUSTRIES:
            raise ValueError(f"unknown industry {self.industry!r}; one of {', '.join(INDUSTRIES)}")
        if self.coverage not in COVERAGES:
            raise ValueError(f"unknown coverage {self.coverage!r}; one of {', '.join(COVERAGES)}")
        unknown = set(self.message_kinds) - set(MESSAGE_KINDS)
        if unknown:
            raise ValueError(
                f"unknown message kind(s) {', '.join(sorted(unknown))}; "
                f"use {', '.join(MESSAGE_KINDS)}"
            )
        if not self.message_kinds:
            raise ValueError("a scenario needs at least one message kind")
        if self.monthly_volume is not None and self.monthly_volume < 0:
            raise ValueError("monthly volume cannot be negative")

    def matches(self, when: dict[str, frozenset[str]]) -> bool:
        """True when every condition holds; message kinds match on any overlap."""
        for key, allowed in when.items():
            if key == "industry" and self.industry not in allowed:
                return False
            if key == "coverage" and self.coverage not in allowed:
                return False
            if key == "message_kinds" and not (self.message_kinds & allowed):
                return False
        return True

    def to_json(self) -> str:
        data: dict[str, object] = {
            "industry": self.industry,
            "coverage": str(self.coverage),
            "message_kinds": sorted(self.message_kinds),
            "monthly_volume": self.monthly_volume,
        }
        if self.domestic_only:  # written only when set, so existing scenarios keep their text
            data["domestic_only"] = True
        return json.dumps(data, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        data = json.loads(text)
        return cls(
            industry=data["industry"],
            coverage=data["coverage"],
            message_kinds=frozenset(data["message_kinds"]),
            monthly_volume=data.get("monthly_volume"),
            domestic_only=bool(data.get("domestic_only", False)),
        )
