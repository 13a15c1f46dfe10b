"""Parse and validate one checklist file or the scoring settings file.

Every problem names its file, the line where it can be found, the item and the field, and the
parser collects all problems of a file before it gives up, so `vaudit checklists validate` can
list them in one pass.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from vaudit.audits import toml_text
from vaudit.audits.checklist_model import (
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    ID_SEGMENT,
    ITEM_ID_MAX,
    MAX_WEIGHT,
    Checklist,
    ChecklistError,
    Choice,
    Item,
    Problem,
    RuleSpec,
    Severity,
    Source,
)
from vaudit.audits.item_facts import ITEM_FACTS
from vaudit.audits.rules import RULES
from vaudit.audits.scenario import CONDITION_VOCABULARY
from vaudit.audits.text import LANGS, Text
from vaudit.audits.values import InputKind


class _Collector:
    """Gathers problems for one file and finds the line each one refers to."""

    def __init__(self, source: Source):
        self.source = source
        self.lines = source.text.splitlines()
        self.problems: list[Problem] = []

    def line_of(self, item_id: str | None, field_name: str | None = None) -> int | None:
        start = 0
        if item_id:
            pattern = re.compile(r'^\s*id\s*=\s*["\']' + re.escape(item_id) + r'["\']')
            found = next((n for n, text in enumerate(self.lines) if pattern.match(text)), None)
            if found is None:
                return None
            # The item starts at its [[items]] header, above the id line.
            start = found
            while start > 0 and not self.lines[start].lstrip().startswith("[[items]]"):
                start -= 1
            if field_name is None:
                return found + 1
        if field_name:
            key = field_name.split(".")[0]
            pattern = re.compile(r"^\s*(\[+\s*(items\.)?)?" + re.escape(key) + r"\b")
            for n in range(start + (1 if item_id else 0), len(self.lines)):
                text = self.lines[n]
                if item_id and text.lstrip().startswith("[[items]]"):
                    break
                if pattern.match(text):
                    return n + 1
        return None

    def add(self, message: str, item: str | None = None, field_name: str | None = None) -> None:
        self.problems.append(
            Problem(
                self.source.origin,
                message,
                line=self.line_of(item, field_name),
                item=item,
                field=field_name,
            )
        )


def _parse_toml(source: Source) -> dict[str, Any]:
    try:
        return toml_text.loads(source.text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", str(exc))
        if line is None:
            found = re.search(r"line (\d+)", str(exc))
            line = int(found.group(1)) if found else None
        raise ChecklistError(
            [Problem(source.origin, f"TOML syntax error: {message}", line=line)]
        ) from None


def _text(
    c: _Collector, table: Mapping[str, Any], key: str, item: str | None, prefix: str = ""
) -> Text | None:
    name = prefix + key
    value = table.get(key)
    if value is None:
        c.add("is missing (needs zh and en)", item, name)
        return None
    if not isinstance(value, dict):
        c.add("must be a table with zh and en", item, name)
        return None
    texts: dict[str, str] = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            c.add(f"missing translation: {lang}", item, f"{name}.{lang}")
        else:
            texts[lang] = text.strip()
    extra = set(value) - set(LANGS)
    if extra:
        c.add(f"unknown language key(s): {', '.join(sorted(extra))}", item, name)
    if len(texts) != len(LANGS):
        return None
    return Text(zh=texts["zh"], en=texts["en"])


def _unknown_keys(
    c: _Collector, table: Mapping[str, Any], allowed: Iterable[str], item: str | None, where: str
) -> None:
    for key in sorted(set(table) - set(allowed)):
        c.add(f"unknown key in {where}", item, key)


def _positive_int(c: _Collector, value: Any, item: str | None, name: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        c.add("must be a whole number of at least 1", item, name)
        return None
    return value


ITEM_KEYS = {
    "id",
    "title",
    "guidance",
    "evidence",
    "weight",
    "severity",
    "severity_reason",
    "input",
    "unit",
    "choices",
    "when",
    "rule",
    "fact",
}


def _parse_item(
    c: _Collector,
    raw: Any,
    checklist_id: str,
    groups: Mapping[str, Text],
    index: int,
    file_format: int,
) -> Item | None:
    if not isinstance(raw, dict):
        c.add(f"items[{index}] must be a table")
        return None
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id:
        c.add(f"items[{index}] has no id", None, "id")
        return None
    ok = True
    segments = item_id.split(".")
    if len(segments) != 3 or not all(ID_SEGMENT.match(s) for s in segments):
        c.add("id must be <checklist>.<group>.<name>, each of a-z 0-9 _", item_id, "id")
        ok = False
    elif len(item_id) > ITEM_ID_MAX:
        c.add(f"id is {len(item_id)} characters; at most {ITEM_ID_MAX} fit", item_id, "id")
        ok = False
    elif segments[0] != checklist_id:
        c.add(f"id must start with the checklist id '{checklist_id}.'", item_id, "id")
        ok = False
    elif segments[1] not in groups:
        c.add(f"group '{segments[1]}' is not defined in [groups]", item_id, "id")
        ok = False
    if file_format < 2:
        allowed_keys = (ITEM_KEYS - {"severity", "severity_reason"}) | {"gate"}
    else:
        allowed_keys = ITEM_KEYS
        if "gate" in raw:
            c.add('gate is format 1; in format 2 write severity = "gate"', item_id, "gate")
            ok = False
    _unknown_keys(c, raw, allowed_keys | {"gate"}, item_id, "the item")

    title = _text(c, raw, "title", item_id)
    guidance = _text(c, raw, "guidance", item_id)
    evidence = _text(c, raw, "evidence", item_id)

    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
        c.add(f"weight must be a whole number from 1 to {MAX_WEIGHT}", item_id, "weight")
        ok = False

    severity, severity_reason = _parse_severity(c, raw, item_id, file_format)
    if severity is None:
        ok = False

    try:
        input_kind = InputKind(str(raw.get("input")))
    except ValueError:
        allowed = ", ".join(k.value for k in InputKind)
        c.add(f"input must be one of: {allowed}", item_id, "input")
        input_kind = None
        ok = False

    unit = None
    if "unit" in raw:
        if input_kind is not InputKind.NUMBER:
            c.add('unit is only for input = "number"', item_id, "unit")
        unit = _text(c, raw, "unit", item_id)
    elif input_kind is InputKind.NUMBER:
        c.add("a number input needs a unit (zh and en)", item_id, "unit")
        ok = False

    choices = _parse_choices(c, raw, item_id, input_kind)
    when = _parse_when(c, raw.get("when"), item_id)
    rule = _parse_rule(c, raw.get("rule"), item_id, input_kind)
    fact = _parse_fact(c, raw.get("fact"), item_id, input_kind, choices)

    if (
        not ok
        or title is None
        or guidance is None
        or evidence is None
        or input_kind is None
        or when is None
        or not isinstance(weight, int)
        or severity is None
    ):
        return None
    if ("rule" in raw and rule is None) or ("fact" in raw and fact is None):
        return None
    return Item(
        id=item_id,
        checklist=checklist_id,
        group=segments[1],
        title=title,
        guidance=guidance,
        evidence=evidence,
        weight=weight,
        severity=severity,
        input=input_kind,
        unit=unit,
        choices=choices,
        when=when,
        rule=rule,
        severity_reason=severity_reason,
        fact=fact,
    )


def _parse_severity(
    c: _Collector, raw: Mapping[str, Any], item_id: str, file_format: int
) -> tuple[Severity | None, Text | None]:
    """Format 2: the item's severity and why, both required. Format 1: `gate = true` is a gate,
    anything else standard (those files predate the decision)."""
    if file_format < 2:
        gate = raw.get("gate", False)
        if not isinstance(gate, bool):
            c.add("gate must be true or false", item_id, "gate")
            return None, None
        return (Severity.GATE if gate else Severity.STANDARD), None
    allowed = ", ".join(s.value for s in Severity)
    value = raw.get("severity")
    severity = None
    if value is None:
        c.add(f"severity is missing: decide one of {allowed}", item_id, "severity")
    else:
        try:
            severity = Severity(str(value))
        except ValueError:
            c.add(f"severity must be one of: {allowed}", item_id, "severity")
    reason = _text(c, raw, "severity_reason", item_id)
    return (severity, reason) if reason is not None else (None, None)


def _parse_fact(
    c: _Collector,
    raw: Any,
    item_id: str,
    input_kind: InputKind | None,
    choices: tuple[Choice, ...],
) -> str | None:
    """The vendor fact an item asks for: a known one, carried by the item's input."""
    if raw is None:
        return None
    spec = ITEM_FACTS.get(raw) if isinstance(raw, str) else None
    if spec is None:
        c.add(f"unknown fact {raw!r}; known: {', '.join(ITEM_FACTS)}", item_id, "fact")
        return None
    if input_kind is not None and input_kind is not spec.input:
        c.add(f"fact '{raw}' needs input = \"{spec.input.value}\"", item_id, "fact")
        return None
    if spec.choices and {ch.value for ch in choices} != spec.choices:
        c.add(f"fact '{raw}' takes the choices {', '.join(sorted(spec.choices))}", item_id, "fact")
        return None
    return spec.name


def _parse_choices(
    c: _Collector, raw: Mapping[str, Any], item_id: str, input_kind: InputKind | None
) -> tuple[Choice, ...]:
    if "choices" not in raw:
        if input_kind is InputKind.CHOICE:
            c.add("a choice input needs at least two choices", item_id, "choices")
        return ()
    if input_kind is not InputKind.CHOICE:
        c.add('choices are only for input = "choice"', item_id, "choices")
    entries = raw["choices"]
    if not isinstance(entries, list) or len(entries) < 2:
        c.add("needs a list of at least two choices", item_id, "choices")
        return ()
    choices: list[Choice] = []
    for n, entry in enumerate(entries):
        name = f"choices[{n}]"
        if not isinstance(entry, dict):
            c.add("must be a table with value, zh and en", item_id, name)
            continue
        value = entry.get("value")
        if not isinstance(value, str) or not ID_SEGMENT.match(value):
            c.add("value must be of a-z 0-9 _", item_id, f"{name}.value")
            continue
        labels = {k: v for k, v in entry.items() if k != "value"}
        label = _text(c, {"label": labels}, "label", item_id, prefix=f"{name}.")
        if label is None:
            continue
        if any(ch.value == value for ch in choices):
            c.add(f"duplicate choice value '{value}'", item_id, f"{name}.value")
            continue
        choices.append(Choice(value, label))
    return tuple(choices)


def _parse_when(c: _Collector, raw: Any, item_id: str) -> dict[str, frozenset[str]] | None:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        c.add("when must be a table of conditions", item_id, "when")
        return None
    when: dict[str, frozenset[str]] = {}
    good = True
    for key, values in raw.items():
        vocabulary = CONDITION_VOCABULARY.get(key)
        if vocabulary is None:
            allowed = ", ".join(CONDITION_VOCABULARY)
            c.add(f"unknown condition; use {allowed}", item_id, f"when.{key}")
            good = False
            continue
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            c.add("must be a non-empty list of names", item_id, f"when.{key}")
            good = False
            continue
        unknown = [v for v in values if v not in vocabulary]
        if unknown:
            c.add(
                f"unknown value(s) {', '.join(unknown)}; use {', '.join(vocabulary)}",
                item_id,
                f"when.{key}",
            )
            good = False
            continue
        when[key] = frozenset(values)
    return when if good else None


def _parse_rule(
    c: _Collector, raw: Any, item_id: str, input_kind: InputKind | None
) -> RuleSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        c.add("rule must be a table with a kind", item_id, "rule")
        return None
    kind_name = raw["kind"]
    kind = RULES.get(kind_name)
    if kind is None:
        c.add(
            f"unknown rule kind '{kind_name}'; known: {', '.join(sorted(RULES))}",
            item_id,
            "rule.kind",
        )
        return None
    good = True
    if input_kind is not None and input_kind not in kind.inputs:
        inputs = ", ".join(sorted(k.value for k in kind.inputs))
        c.add(
            f"rule '{kind_name}' reads {inputs} input, not {input_kind.value}", item_id, "rule.kind"
        )
        good = False
    params = {k: v for k, v in raw.items() if k != "kind"}
    for name in sorted(set(params) - set(kind.params)):
        c.add(f"rule '{kind_name}' takes no parameter '{name}'", item_id, f"rule.{name}")
        good = False
    for name, spec in kind.params.items():
        if name not in params:
            if spec.required:
                c.add(f"rule '{kind_name}' needs '{name}'", item_id, f"rule.{name}")
                good = False
            continue
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, spec.type):
            c.add("has the wrong type", item_id, f"rule.{name}")
            good = False
    if good and kind.check_params:
        message = kind.check_params(params)
        if message:
            c.add(message, item_id, "rule")
            good = False
    return RuleSpec(kind_name, params) if good else None


def _file_format(c: _Collector, data: Mapping[str, Any]) -> int:
    value = data.get("format")
    if isinstance(value, bool) or value not in FORMAT_VERSIONS:
        c.add(
            f"format must be {FORMAT_VERSION} (format 1 is still read, without severities)",
            None,
            "format",
        )
        return FORMAT_VERSION
    return int(value)


def parse_checklist(source: Source) -> Checklist:
    """Parse and validate one checklist file; raise ChecklistError listing every problem."""
    data = _parse_toml(source)
    c = _Collector(source)
    _unknown_keys(c, data, {"format", "checklist", "groups", "items"}, None, "the file")
    file_format = _file_format(c, data)
    head = data.get("checklist")
    if not isinstance(head, dict):
        c.add("the [checklist] table is missing", None, "checklist")
        raise ChecklistError(c.problems)
    _unknown_keys(c, head, {"id", "version", "title", "description"}, None, "[checklist]")
    checklist_id = head.get("id")
    if not isinstance(checklist_id, str) or not ID_SEGMENT.match(checklist_id):
        c.add("checklist id must be of a-z 0-9 _", None, "checklist.id")
        checklist_id = ""
    version = _positive_int(c, head.get("version"), None, "checklist.version")
    title = _text(c, head, "title", None, prefix="checklist.")
    description = _text(c, head, "description", None, prefix="checklist.")

    groups: dict[str, Text] = {}
    raw_groups = data.get("groups")
    if not isinstance(raw_groups, dict) or not raw_groups:
        c.add("the [groups] table is missing or empty", None, "groups")
    else:
        for key, _value in raw_groups.items():
            if not ID_SEGMENT.match(key):
                c.add("group names must be of a-z 0-9 _", None, f"groups.{key}")
                continue
            label = _text(c, raw_groups, key, None, prefix="groups.")
            if label:
                groups[key] = label

    raw_items = data.get("items")
    items: list[Item] = []
    if not isinstance(raw_items, list) or not raw_items:
        c.add("a checklist needs at least one [[items]] entry", None, "items")
    else:
        seen: set[str] = set()
        for index, raw in enumerate(raw_items):
            item = _parse_item(c, raw, checklist_id, groups, index, file_format)
            if item is None:
                continue
            if item.id in seen:
                c.add("duplicate item id", item.id, "id")
                continue
            seen.add(item.id)
            items.append(item)
    # Every missing part added a problem, so with none of them all parts are there.
    if c.problems or version is None or title is None or description is None:
        raise ChecklistError(c.problems)
    return Checklist(
        id=checklist_id,
        version=version,
        title=title,
        description=description,
        groups=groups,
        items=tuple(items),
        source=source,
        file_format=file_format,
    )
