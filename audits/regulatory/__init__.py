"""Pure validators for Chinese SMS-vendor regulatory facts: credit codes, licences, SMS access
codes and their life, MLPS evaluations, mobile numbers, operating history, port changes.

Every check takes plain values, never raises on odd input, and returns a Report of bilingual
findings. Nothing here does I/O except reading the packaged holiday table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from vaudit.audits.text import Text


class Level(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


# Severity order, so a report's level is the worst of its findings.
_RANK = {Level.PASS: 0, Level.WARN: 1, Level.FAIL: 2}


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: Text


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...] = ()

    @property
    def level(self) -> Level:
        return max((f.level for f in self.findings), key=_RANK.__getitem__, default=Level.PASS)

    def by_check(self, check: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.check == check)


def report(findings: Iterable[Finding]) -> Report:
    return Report(tuple(findings))


def passed(check: str, zh: str, en: str) -> Finding:
    return Finding(check, Level.PASS, Text(zh, en))


def warned(check: str, zh: str, en: str) -> Finding:
    return Finding(check, Level.WARN, Text(zh, en))


def failed(check: str, zh: str, en: str) -> Finding:
    return Finding(check, Level.FAIL, Text(zh, en))


__all__ = ["Finding", "Level", "Report", "failed", "passed", "report", "warned"]
