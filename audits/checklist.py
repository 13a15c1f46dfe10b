"""Checklists as data: gather the TOML files vaudit audits against (shipped, user folders, an
audit's snapshot) into one validated set.

The types are in checklist_model and the parsing of one file in checklist_parse; this module
re-exports both, so callers import everything checklist-related from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from vaudit.audits.checklist_model import (
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    ID_SEGMENT,
    ITEM_ID_MAX,
    MAX_WEIGHT,
    SCORING_FILE,
    Checklist,
    ChecklistError,
    ChecklistSet,
    Choice,
    CriticalCap,
    Item,
    Problem,
    RuleSpec,
    ScoringSettings,
    Section,
    Severity,
    Source,
)
from vaudit.audits.checklist_parse import parse_checklist
from vaudit.audits.files import InputFileError, read_input
from vaudit.audits.scoring_parse import parse_scoring
from vaudit.audits.values import InputKind

__all__ = [
    "FORMAT_VERSION",
    "FORMAT_VERSIONS",
    "ID_SEGMENT",
    "ITEM_ID_MAX",
    "MAX_WEIGHT",
    "SCORING_FILE",
    "Checklist",
    "ChecklistError",
    "ChecklistSet",
    "Choice",
    "CriticalCap",
    "InputKind",
    "Item",
    "Problem",
    "RuleSpec",
    "ScoringSettings",
    "Section",
    "Severity",
    "Source",
    "build_set",
    "load_checklists",
    "parse_checklist",
    "parse_scoring",
    "read_source",
    "set_from_snapshot",
    "shipped_sources",
    "sources_in",
]


def read_source(path: Path) -> Source:
    try:
        text = read_input(path).decode("utf-8")
    except UnicodeDecodeError:
        raise ChecklistError([Problem(str(path), "not UTF-8 text")]) from None
    except InputFileError as exc:
        raise ChecklistError([Problem(str(path), str(exc))]) from None
    return Source(name=path.name, origin=str(path), text=text)


def shipped_sources() -> list[Source]:
    """The checklist files inside the installed `checklists` package (works from a wheel)."""
    root = resources.files("vaudit.checklists")
    sources = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            sources.append(Source(name=entry.name, origin=f"shipped:{entry.name}", text=text))
    return sources


def sources_in(directory: Path) -> list[Source]:
    if not directory.is_dir():
        return []
    return [read_source(p) for p in sorted(directory.glob("*.toml"))]


def build_set(sources: Sequence[Source], overrides: Sequence[Source] = ()) -> ChecklistSet:
    """Validate shipped `sources` plus user `overrides` into one set.

    A user file whose checklist id matches a shipped one replaces it only with a higher version;
    otherwise it is left out with a warning. A user `scoring.toml` with a higher version replaces
    the shipped scoring settings the same way.
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    checklists: dict[str, Checklist] = {}
    scoring: ScoringSettings | None = None

    def take(source: Source, is_override: bool) -> None:
        nonlocal scoring
        try:
            if source.name == SCORING_FILE:
                parsed_scoring = parse_scoring(source)
                if scoring is None or parsed_scoring.version > scoring.version:
                    scoring = parsed_scoring
                else:
                    warnings.append(
                        f"{source.origin}: scoring version {parsed_scoring.version} is not higher "
                        f"than {scoring.version}; ignored"
                    )
                return
            checklist = parse_checklist(source)
        except ChecklistError as exc:
            problems.extend(exc.problems)
            return
        if checklist.source.name != f"{checklist.id}.toml" and not is_override:
            problems.append(
                Problem(
                    source.origin, f"file name must be {checklist.id}.toml", field="checklist.id"
                )
            )
            return
        current = checklists.get(checklist.id)
        if current is None or (is_override and checklist.version > current.version):
            checklists[checklist.id] = checklist
        elif is_override:
            warnings.append(
                f"{source.origin}: checklist '{checklist.id}' version {checklist.version} does not "
                f"replace version {current.version} (raise its version to replace it); ignored"
            )
        else:
            problems.append(
                Problem(
                    source.origin,
                    f"checklist id '{checklist.id}' is used twice",
                    field="checklist.id",
                )
            )

    for source in sources:
        take(source, is_override=False)
    for source in overrides:
        take(source, is_override=True)

    if scoring is None:
        problems.append(Problem(SCORING_FILE, "no scoring settings file found"))
    seen_items: dict[str, str] = {}
    for checklist in checklists.values():
        for item in checklist.items:
            other = seen_items.get(item.id)
            if other:
                problems.append(
                    Problem(
                        checklist.source.origin,
                        f"duplicate item id (also in {other})",
                        item=item.id,
                        field="id",
                    )
                )
            seen_items[item.id] = checklist.source.origin
    if scoring is not None and not scoring.critical_caps:
        critical = next((i for cl in checklists.values() for i in cl.items if i.critical), None)
        if critical is not None:
            problems.append(
                Problem(
                    scoring.source.origin,
                    f"item {critical.id} is critical, but this scoring file (format 1) has no "
                    "[scoring.critical] caps: move it to format 2",
                    field="scoring.critical",
                )
            )
    if scoring is not None:
        for section in scoring.sections:
            if section.id not in checklists:
                problems.append(
                    Problem(
                        scoring.source.origin,
                        f"section '{section.id}' names no checklist",
                        field="sections",
                    )
                )
    if problems:
        raise ChecklistError(problems)
    assert scoring is not None
    listed = [s.id for s in scoring.sections]
    ordered = sorted(
        checklists.values(),
        key=lambda cl: (listed.index(cl.id) if cl.id in listed else len(listed), cl.id),
    )
    return ChecklistSet(tuple(ordered), scoring, tuple(warnings))


def load_checklists(extra_dirs: Sequence[Path] = ()) -> ChecklistSet:
    """The shipped checklists plus those in `extra_dirs` (user config dir, --checklists)."""
    overrides: list[Source] = []
    problems: list[Problem] = []
    for directory in extra_dirs:
        try:
            overrides.extend(sources_in(directory))
        except ChecklistError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ChecklistError(problems)
    return build_set(shipped_sources(), overrides)


def set_from_snapshot(texts: Sequence[tuple[str, str]]) -> ChecklistSet:
    """Rebuild the set an audit froze, from (file name, text) pairs."""
    sources = [Source(name=name, origin=f"snapshot:{name}", text=text) for name, text in texts]
    return build_set(sources)
