"""Scored TOML reports: build, write, verify and import (format version 1).

The report is the record that leaves the auditors' hands. Its body is written by tomli-w from
data built in a fixed order, so the same audit gives the same bytes. The last table, `[digest]`,
holds the SHA-256 of every byte before it, plus one digest per part (and per item) of the
parsed data, so that verify can say *where* a changed report differs. docs/report-format.md
documents every key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from vaudit.audits import __version__
from vaudit.audits.events import IMPORT_ACTION
from vaudit.audits.files import sync_folder, write_atomically
from vaudit.audits.models import Audit, Candidate, Evidence, EvidenceKind, FollowUp
from vaudit.audits.rules import Result
from vaudit.audits.scoring import VERDICT_LABELS, AuditScore
from vaudit.audits.text import Text
from vaudit.audits.values import from_canonical

if TYPE_CHECKING:
    from vaudit.audits.service import AuditView, Service

FORMAT = "vaudit-report"
COMPARE_FORMAT = "vaudit-comparison"
FORMAT_VERSION = 1
EVIDENCE_FOLDER = "evidence"  # beside the report: evidence files named by their SHA-256
CHECKLIST_FOLDER = "checklists"  # inside the evidence folder: checklist snapshots by SHA-256
DIGEST_MARK = "\n[digest]\n"
SHARE_DECIMALS = 4  # item contributions: sums agree with the totals to within 0.001
EXPIRY_HORIZON_DAYS = 90  # findings list what falls due within this many days of `as_of`


class ReportError(Exception):
    """A report that cannot be written, read or imported; the message says why."""


# ---------------------------------------------------------------------------- gathering


@dataclass(frozen=True)
class ReportSource:
    """What one audit's report is built from, read from the database in one go."""

    view: AuditView
    candidate: Candidate | None
    revises: tuple[Mapping[str, Any], ...]  # the revisions before this one, oldest first
    imported_changed: str | None  # digest of a changed report this audit was force-imported from
    as_of: dt.date
    fact_findings: Mapping[str, Any]  # item id -> Proposal, as of `as_of`
    watch_items: tuple[Any, ...]


COLLECT_CHUNK = 200  # audits read per round of set-wise queries when exporting many


def collect_many(service: Service, audit_ids: Sequence[int]) -> Iterator[ReportSource]:
    """Report sources in the order given, read a chunk of audits at a time."""
    for start in range(0, len(audit_ids), COLLECT_CHUNK):
        yield from _collect_chunk(service, audit_ids[start : start + COLLECT_CHUNK])


def _collect_chunk(service: Service, audit_ids: Sequence[int]) -> Iterator[ReportSource]:
    from sqlmodel import col, select

    from vaudit.audits.models import Event
    from vaudit.audits.service.facts import vendor_facts
    from vaudit.audits.watch import watch

    today = service.today or dt.date.today()
    views = service.views(audit_ids, lambda audit: _as_of(audit, today))
    ids = [v.audit.id for v in views]
    with service.store.read() as session:
        pairs = {(v.audit.selection_id, v.audit.vendor_id) for v in views}
        candidates = {
            (c.selection_id, c.vendor_id): c
            for c in session.exec(
                select(Candidate).where(
                    col(Candidate.vendor_id).in_({vendor for _, vendor in pairs})
                )
            ).all()
        }
        imports: dict[int, list[str | None]] = {}
        for audit_id, after in session.exec(
            select(Event.audit_id, Event.after)
            .where(col(Event.audit_id).in_(ids), Event.action == IMPORT_ACTION)
            .order_by(col(Event.id))
        ).all():
            imports.setdefault(audit_id, []).append(after)  # type: ignore[arg-type]
        chains: dict[int, list[dict[str, Any]]] = {}
        for view in views:
            chain: list[dict[str, Any]] = []
            previous_id = view.audit.previous_id
            while previous_id is not None:
                previous = session.get(Audit, previous_id)
                if previous is None:
                    break
                chain.append(_chain_entry(previous))
                previous_id = previous.previous_id
            chains[view.audit.id] = chain  # type: ignore[index]
    for view in views:
        audit = view.audit
        chain = chains[audit.id]  # type: ignore[index]
        imported_changed = None
        for raw in imports.get(audit.id, []):  # type: ignore[arg-type]
            record = json.loads(raw or "{}")
            if not chain:
                # Revisions that were never imported here are known only from the report.
                chain = [_link_from_record(link) for link in reversed(record.get("revises", []))]
            if not record.get("intact", True):
                imported_changed = record.get("digest")
        as_of = _as_of(audit, today)
        vendor_row = {"id": view.vendor.id, **vendor_facts(view.vendor)}
        yield ReportSource(
            view=view,
            candidate=candidates.get((audit.selection_id, audit.vendor_id)),
            revises=tuple(reversed(chain)),
            imported_changed=imported_changed,
            as_of=as_of,
            fact_findings=view.proposals,  # as of `as_of` (see views() above)
            watch_items=tuple(watch([vendor_row], as_of, EXPIRY_HORIZON_DAYS)),
        )


def _chain_entry(audit: Audit) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": audit.uid, "revision": audit.revision, "status": audit.status}
    if audit.signed_off_at is not None:
        entry["signed_off_at"] = _utc(audit.signed_off_at)
    return entry


def _link_from_record(link: Mapping[str, Any]) -> dict[str, Any]:
    """A revision link kept in an import event (JSON) back in the report's own form."""
    entry: dict[str, Any] = {
        "id": str(link["id"]),
        "revision": int(link["revision"]),
        "status": str(link["status"]),
    }
    if link.get("signed_off_at"):
        entry["signed_off_at"] = _utc(dt.datetime.fromisoformat(str(link["signed_off_at"])))
    return entry


def _as_of(audit: Audit, today: dt.date) -> dt.date:
    """The day findings are judged on: the sign-off day of a signed-off audit (so its report
    never changes), otherwise today."""
    if audit.signed_off_at is not None:
        return audit.signed_off_at.date()
    return today


# ---------------------------------------------------------------------------- building


class UtcTime(dt.datetime):
    """A UTC moment that tomli-w writes as `2026-11-24T10:00:00Z` (it writes str(value));
    a plain datetime would come out with a space and `+00:00`. Both are valid TOML."""

    def __str__(self) -> str:
        return self.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(moment: dt.datetime) -> UtcTime:
    """RFC 3339 in UTC, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    m = moment.astimezone(dt.UTC)
    return UtcTime(m.year, m.month, m.day, m.hour, m.minute, m.second, tzinfo=dt.UTC)


def _round(value: float) -> float:
    return round(value, SHARE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _text(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _put(table: dict[str, Any], key: str, value: Any) -> None:
    """TOML has no null: an absent key means 'not recorded'."""
    if value is not None:
        table[key] = value


def _typed(value: Any) -> Any:
    """A stored answer value in its TOML type: bool, date, integer, float, or text."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 2**63:
            return int(value)
        as_float = float(value)
        # A float only when it reads back as exactly the same decimal; else keep the text.
        return as_float if Decimal(repr(as_float)) == value else format(value.normalize(), "f")
    return value


def vendor_table(vendor: Any) -> dict[str, Any]:
    """Every recorded fact, in form order; the record lists as arrays of tables."""
    from vaudit.audits.vendor_fields import VENDOR_FIELDS
    from vaudit.audits.vendor_records import code_records_from, port_changes_from, tax_years_from

    table: dict[str, Any] = {"id": vendor.uid}
    for spec in VENDOR_FIELDS:
        if spec.name == "access_codes":
            table["access_codes"] = json.loads(vendor.access_codes or "[]")
            records = [_record(r) for r in code_records_from(vendor.code_records)]
            if any(len(r) > 1 for r in records):  # only when a code has more than its number
                table["code_records"] = records
        elif spec.name == "port_changes":
            changes = [_record(c) for c in port_changes_from(vendor.port_changes)]
            if changes:
                table["port_changes"] = changes
        elif spec.name == "tax_years":
            years = tax_years_from(vendor.tax_years)
            if years:
                table["tax_years"] = years
        else:
            _put(table, spec.name, getattr(vendor, spec.name))
    return table


def _record(record: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in asdict(record).items()
        if v is not None
    }


def build(
    source: ReportSource,
    *,
    generated_at: dt.datetime,
    generated_by: str,
    evidence_folder: str | None = None,
) -> dict[str, Any]:
    """The report body (everything but the digest), in the order it is written."""
    view = source.view
    audit, selection, audit_score = view.audit, view.selection, view.score
    header: dict[str, Any] = {
        "tool": "vaudit",
        "tool_version": __version__,
        "generated_at": _utc(generated_at),
        "generated_by": generated_by,
        "as_of": source.as_of,
    }
    _put(header, "evidence_folder", evidence_folder)

    selection_table: dict[str, Any] = {
        "id": selection.uid,
        "name": selection.name,
        "industry": selection.industry,
        "coverage": selection.coverage,
        "message_kinds": sorted(json.loads(selection.message_kinds)),
    }
    _put(selection_table, "monthly_volume", selection.monthly_volume)
    _put(selection_table, "notes", selection.notes)
    if source.candidate is not None:
        candidate = source.candidate
        selection_table["stage"] = candidate.stage
        selection_table["stage_changed_at"] = _utc(candidate.stage_changed_at)
        selection_table["stage_changed_by"] = candidate.stage_changed_by
        _put(selection_table, "stage_reason", candidate.reason)

    scenario = json.loads(view.scenario.to_json())
    scenario_table: dict[str, Any] = {
        "industry": scenario["industry"],
        "coverage": scenario["coverage"],
        "message_kinds": scenario["message_kinds"],
    }
    _put(scenario_table, "monthly_volume", scenario["monthly_volume"])

    audit_table: dict[str, Any] = {
        "id": audit.uid,
        "revision": audit.revision,
        "status": audit.status,
        "started_at": _utc(audit.started_at),
        "started_by": audit.started_by,
    }
    if audit.signed_off_at is not None:
        audit_table["signed_off_at"] = _utc(audit.signed_off_at)
    _put(audit_table, "signed_off_by", audit.signed_off_by)
    audit_table["auditors"] = _auditors(view)
    _put(audit_table, "imported_from_changed_report", source.imported_changed)
    audit_table["scenario"] = scenario_table
    audit_table["revises"] = [dict(link) for link in source.revises]

    body: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "header": header,
        "vendor": vendor_table(view.vendor),
        "selection": selection_table,
        "audit": audit_table,
        "score": _score_table(view, audit_score),
        "items": _items(view, source, evidence_folder),
        "findings": _findings(view, source),
        "channel_test": _channel_table(view.measured),
        "checklists": [
            {
                "id": snapshot.checklist_id,
                "name": snapshot.name,
                "version": snapshot.version,
                "sha256": snapshot.sha256,
            }
            | (
                {"file": _checklist_file(evidence_folder, snapshot.sha256)}
                if evidence_folder
                else {}
            )
            for snapshot in view.snapshots
        ],
    }
    return body


def _channel_table(measured: Mapping[str, Any]) -> dict[str, Any]:
    """The channel test's summary: readable tables of the latest run (and of the latest run
    during a declared fault), and `facts`, exactly what the channel rules read, as JSON (TOML
    has no null, so the tables leave out what was not measured; import needs it all)."""
    channel = measured.get("channel") if measured else None
    if not channel or not (channel.get("latest") or channel.get("failover")):
        return {"state": "not_run"}
    table: dict[str, Any] = {"state": "measured"}
    for key in ("latest", "failover"):
        if channel.get(key):
            table[key] = _without_none(channel[key])
    if channel.get("by_slot"):
        table["by_slot"] = _without_none(channel["by_slot"])
    table["facts"] = json.dumps(channel, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return table


def _without_none(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {str(k): _without_none(v) for k, v in sorted(data.items()) if v is not None}
    if isinstance(data, list | tuple):
        return [_without_none(v) for v in data if v is not None]
    return data


def _auditors(view: AuditView) -> list[str]:
    names = {view.audit.started_by}
    names.update(a.answered_by for a in view.answers.values())
    names.update(e.added_by for rows in view.evidence.values() for e in rows)
    if view.audit.signed_off_by:
        names.add(view.audit.signed_off_by)
    return sorted(names)


def _score_table(view: AuditView, audit_score: AuditScore) -> dict[str, Any]:
    settings = view.checklists.scoring
    counted = sum(s.weight for s in audit_score.sections if s.score is not None)
    sections = []
    for section in audit_score.sections:
        entry: dict[str, Any] = {"id": section.id, "title": _text(section.title)}
        entry["weight"] = section.weight
        share = section.weight / counted if section.score is not None and counted else 0.0
        entry["share_of_total"] = _round(share)
        _put(entry, "score", None if section.score is None else _round(section.score))
        entry["applicable"] = section.applicable
        entry["answered"] = section.answered
        entry["failed_gates"] = list(section.failed_gates)
        sections.append(entry)
    return {
        "total": _round(audit_score.total),
        "verdict": audit_score.verdict.value,
        "verdict_label": _text(VERDICT_LABELS[audit_score.verdict]),
        "completion": _round(audit_score.completion),
        "answered": audit_score.answered,
        "applicable": audit_score.applicable,
        "failed_gates": list(audit_score.failed_gates),
        "points": {result.value: settings.points[result] for result in settings.points},
        "recommended_at_least": settings.recommended_at_least,
        "conditional_at_least": settings.conditional_at_least,
        "sections": sections,
    }


_STATIC: dict[int, tuple[Any, dict[str, dict[str, Any]]]] = {}


def _static_fields(checklists: Any) -> dict[str, dict[str, Any]]:
    """Each item's fields that come from the checklist alone, built once per checklist set
    (audits share sets), so that exporting a thousand audits does not rebuild them."""
    cached = _STATIC.get(id(checklists))
    if cached is None or cached[0] is not checklists:
        fields = {
            item.id: {
                "id": item.id,
                "section": item.checklist,
                "group": item.group,
                "title": _text(item.title),
                "weight": item.weight,
                "gate": item.gate,
            }
            for item in checklists.items()
        }
        cached = _STATIC[id(checklists)] = (checklists, fields)
    return cached[1]


def _items(
    view: AuditView, source: ReportSource, evidence_folder: str | None
) -> list[dict[str, Any]]:
    rows = []
    static = _static_fields(view.checklists)
    for section in view.score.sections:
        for item_score in section.items:
            item = item_score.item
            answer = view.answers.get(item.id)
            entry: dict[str, Any] = dict(static[item.id])
            entry["applicable"] = item_score.applicable
            if answer is not None:
                _put(entry, "result", answer.result)
                if answer.value is not None:
                    entry["value"] = _typed(from_canonical(item, answer.value))
                _put(entry, "note", answer.note)
                entry["answered_by"] = answer.answered_by
                entry["answered_at"] = _utc(answer.answered_at)
            if item_score.applicable:
                entry["points"] = item_score.points
                entry["section_share"] = _round(item_score.section_share)
                entry["total_share"] = _round(item_score.total_share)
            if answer is not None and answer.rule:
                proposal: dict[str, Any] = {"rule": answer.rule}
                _put(proposal, "result", answer.proposed_result)
                if answer.proposal_reason_zh or answer.proposal_reason_en:
                    proposal["reason"] = {
                        "zh": answer.proposal_reason_zh or "",
                        "en": answer.proposal_reason_en or "",
                    }
                proposal["overridden"] = answer.overridden
                entry["proposal"] = proposal
            elif item.id in source.fact_findings and item_score.applicable:
                # Not answered yet, but a rule reads the vendor's facts: say what it proposes.
                found = source.fact_findings[item.id]
                entry["proposal"] = {
                    "rule": item.rule.kind if item.rule else "",
                    "result": found.result.value,
                    "reason": _text(found.reason),
                    "overridden": False,
                }
            evidence = [_evidence_entry(e, evidence_folder) for e in view.evidence.get(item.id, [])]
            if evidence:
                entry["evidence"] = evidence
            follow_ups = [_follow_up_entry(f) for f in view.follow_ups.get(item.id, [])]
            if follow_ups:
                entry["follow_ups"] = follow_ups
            rows.append(entry)
    return rows


def _evidence_entry(evidence: Evidence, evidence_folder: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": evidence.kind, "name": evidence.name}
    if evidence.kind == EvidenceKind.FILE:
        entry["size"] = evidence.size
        entry["sha256"] = evidence.sha256
        if evidence_folder:
            entry["file"] = evidence_file(evidence_folder, evidence.sha256 or "", evidence.name)
    _put(entry, "url", evidence.url)
    _put(entry, "note", evidence.note)
    entry["added_by"] = evidence.added_by
    entry["added_at"] = _utc(evidence.added_at)
    _put(entry, "expires_on", evidence.expires_on)
    return entry


def _follow_up_entry(follow_up: FollowUp) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "what": follow_up.what,
        "owed_by": follow_up.owed_by,
        "due_on": follow_up.due_on,
        "done": follow_up.done,
    }
    if follow_up.done_at is not None:
        entry["done_at"] = _utc(follow_up.done_at)
    _put(entry, "done_by", follow_up.done_by)
    _put(entry, "source_finding", follow_up.source_finding)
    entry["created_by"] = follow_up.created_by
    entry["created_at"] = _utc(follow_up.created_at)
    return entry


def evidence_file(folder: str, sha256: str, name: str) -> str:
    """Where an evidence file sits beside the report: named by hash, keeping a short suffix
    so that the reader's system still knows how to open it."""
    suffix = Path(name).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    return f"{folder}/{sha256}{suffix}"


def _checklist_file(folder: str, sha256: str) -> str:
    return f"{folder}/{CHECKLIST_FOLDER}/{sha256}.toml"


def _findings(view: AuditView, source: ReportSource) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for gate in view.score.failed_gates:
        item = view.checklists.item(gate)
        answer = view.answers.get(gate)
        title = item.title if item else Text(gate, gate)
        entry = {"kind": "failed_gate", "severity": "disqualifying", "item": gate}
        entry["reason"] = {
            "zh": f"一票否决项未通过：{title.zh}",
            "en": f"knockout item failed: {title.en}",
        }
        _put(entry, "note", answer.note if answer else None)
        found.append(entry)
    for section in view.score.sections:
        for item_score in section.items:
            item = item_score.item
            answer = view.answers.get(item.id)
            if answer is not None and answer.overridden:
                entry = {"kind": "rule_overridden", "severity": "review", "item": item.id}
                entry["reason"] = {
                    "zh": f"规则 {answer.rule} 建议 {answer.proposed_result}，"
                    f"审核员记录 {answer.result}",
                    "en": f"rule {answer.rule} proposed {answer.proposed_result}; "
                    f"the auditor recorded {answer.result}",
                }
                _put(entry, "note", answer.note)
                found.append(entry)
            proposal = source.fact_findings.get(item.id)
            if (
                item_score.applicable
                and proposal is not None
                and proposal.result in (Result.FAIL, Result.PARTIAL)
            ):
                severity = "risk" if proposal.result is Result.FAIL else "warning"
                found.append(
                    {
                        "kind": "fact_rule",
                        "severity": severity,
                        "item": item.id,
                        "rule": item.rule.kind if item.rule else "",
                        "reason": _text(proposal.reason),
                    }
                )
    for watch_item in source.watch_items:
        overdue = watch_item.due < source.as_of
        found.append(
            {
                "kind": watch_item.kind,
                "severity": "risk" if overdue else "warning",
                "due": watch_item.due,
                "reason": _text(watch_item.what),
            }
        )
    return found


# ---------------------------------------------------------------------------- digest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_TABLE_LINE = re.compile(r"\[\[?([A-Za-z0-9_-]+)")
ITEM_HEADER = "[[items]]"
TOP = "top"  # the lines before the first table (format, format_version)


_HEADER_LINE = re.compile(r"^\[.*$", re.MULTILINE)
_ITEM_ID = re.compile(r'\[\[items\]\]\r?\nid = "([^"\\\r\n]*)"')


def block_digests(body_text: str) -> tuple[dict[str, str], dict[str, str]]:
    """One SHA-256 per top-level table (its lines as written, sub-tables included) and one per
    item. The blocks cut the body into consecutive pieces, so the whole digest changes only if
    one of them does: verify can then say which. tomli-w never writes a raw newline inside a
    value, so a line that starts with `[` is always a table header."""
    parts: dict[str, Any] = {TOP: hashlib.sha256()}
    items: dict[str, Any] = {}
    current = parts[TOP]
    cut = 0
    for header in _HEADER_LINE.finditer(body_text):
        current.update(body_text[cut : header.start()].encode("utf-8"))
        cut = header.start()
        line = header.group(0).rstrip("\r")
        if line == ITEM_HEADER:
            named = _ITEM_ID.match(body_text, header.start())
            name = named.group(1) if named else f"#{len(items) + 1}"
            if name in items:
                name = f"{name}#{len(items) + 1}"
            current = items[name] = hashlib.sha256()
        else:
            found = _TABLE_LINE.match(line)
            key = found.group(1) if found else line
            if key != "items":
                current = parts.setdefault(key, hashlib.sha256())
    current.update(body_text[cut:].encode("utf-8"))
    return (
        {k: h.hexdigest() for k, h in parts.items()},
        {k: h.hexdigest() for k, h in items.items()},
    )


def render(body: Mapping[str, Any]) -> tuple[str, str]:
    """The report's text and its digest. The digest covers every byte before `[digest]`."""
    text = tomli_w.dumps(body)
    value = _sha(text.encode("utf-8"))
    parts, items = block_digests(text)
    # Written by hand: only plain strings, and tomli-w would cost a fifth of the export again.
    lines = [
        "[digest]",
        'algorithm = "sha256"',
        'covers = "every byte of this file before the empty line above [digest]"',
        f'value = "{value}"',
        "",
        "[digest.parts]",
        *(f'{_toml_key(k)} = "{v}"' for k, v in parts.items()),
        "",
        "[digest.items]",
        *(f'{_toml_key(k)} = "{v}"' for k, v in items.items()),
    ]
    return text + "\n" + "\n".join(lines) + "\n", value


def _toml_key(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    # A JSON string is a valid TOML basic string (the same escapes, \uXXXX for controls).
    return json.dumps(key, ensure_ascii=False)


# ---------------------------------------------------------------------------- verify


@dataclass
class Verification:
    path: Path
    digest: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence_checked: int = 0
    data: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def body_intact(self) -> bool:
        return not any(p.startswith(BODY_PROBLEM) for p in self.problems)


BODY_PROBLEM = "changed:"


def split(text: str) -> tuple[str, str] | None:
    """The body (what the digest covers) and the digest table. The body ends at the empty
    line before the last `[digest]` line."""
    at = text.rfind(DIGEST_MARK)
    if at < 0:
        return None
    return text[:at], text[at + 1 :]


def verify_file(path: Path) -> Verification:
    """Check a report's digest and, when its evidence folder is beside it, every file in it."""
    result = Verification(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        result.problems.append(f"{BODY_PROBLEM} the file is not UTF-8 text (byte {exc.start})")
        return result
    parts = split(text)
    if parts is None:
        result.problems.append(f"{BODY_PROBLEM} no [digest] table: not a vaudit report, or cut")
        return result
    body_text, digest_text = parts
    try:
        digest = tomllib.loads(digest_text).get("digest", {})
    except tomllib.TOMLDecodeError as exc:
        result.problems.append(f"{BODY_PROBLEM} the [digest] table is not valid TOML ({exc})")
        return result
    expected = digest.get("value")
    result.digest = expected if isinstance(expected, str) else None
    if _sha(body_text.encode("utf-8")) != expected:
        result.problems.append(f"{BODY_PROBLEM} the digest does not match the content")
        result.problems.extend(_what_differs(body_text, digest))
    try:
        body = tomllib.loads(body_text)
    except tomllib.TOMLDecodeError as exc:
        result.problems.append(f"{BODY_PROBLEM} the body is not valid TOML ({exc})")
        return result
    result.data = body
    if body.get("format") not in (FORMAT, COMPARE_FORMAT):
        result.problems.append(
            f"{BODY_PROBLEM} not a vaudit report (format is {body.get('format')!r})"
        )
        return result
    if body.get("format_version") != FORMAT_VERSION:
        result.problems.append(
            f"format version {body.get('format_version')!r} is not one this vaudit reads "
            f"({FORMAT_VERSION})"
        )
    if result.body_intact:
        _check_evidence(path.parent, body, result)
    return result


def _what_differs(body_text: str, digest: Mapping[str, Any]) -> list[str]:
    found = []
    parts, items = block_digests(body_text)
    stored_parts = digest.get("parts") if isinstance(digest.get("parts"), dict) else {}
    stored_items = digest.get("items") if isinstance(digest.get("items"), dict) else {}
    for key in sorted(set(stored_parts) | set(parts)):  # type: ignore[arg-type]
        if stored_parts.get(key) != parts.get(key):  # type: ignore[union-attr]
            where = "the lines before the first table" if key == TOP else f"[{key}]"
            found.append(f"{BODY_PROBLEM} {where} differs from what was exported")
    for key in sorted(set(stored_items) | set(items)):  # type: ignore[arg-type]
        if stored_items.get(key) != items.get(key):  # type: ignore[union-attr]
            if key not in items:
                found.append(f"{BODY_PROBLEM} item {key} was removed (or its id changed)")
            elif key not in stored_items:
                found.append(f"{BODY_PROBLEM} item {key} was added (or its id changed)")
            else:
                found.append(f"{BODY_PROBLEM} item {key} differs from what was exported")
    if not found:
        found.append(f"{BODY_PROBLEM} the body is as exported, but [digest] value was changed")
    return found


def _check_evidence(folder: Path, body: Mapping[str, Any], result: Verification) -> None:
    evidence_folder = body.get("header", {}).get("evidence_folder")
    files = [
        e
        for item in body.get("items", [])
        for e in item.get("evidence", [])
        if e.get("kind") == EvidenceKind.FILE
    ]
    if not evidence_folder:
        if files:
            result.notes.append(
                f"{len(files)} evidence file(s) are listed by SHA-256 only: the report was "
                "exported without them"
            )
        return
    for entry in files:
        relative = str(entry.get("file", ""))
        target = (folder / relative).resolve()
        if not relative or folder.resolve() not in target.parents:
            result.problems.append(f"evidence {entry.get('name')!r}: bad file path {relative!r}")
            continue
        if not target.is_file():
            result.problems.append(f"evidence {entry.get('name')!r}: {relative} is missing")
            continue
        content = target.read_bytes()
        if _sha(content) != entry.get("sha256") or len(content) != entry.get("size"):
            result.problems.append(
                f"evidence {entry.get('name')!r}: {relative} does not match its SHA-256 "
                "(the file was changed)"
            )
            continue
        result.evidence_checked += 1


# ---------------------------------------------------------------------------- export


@dataclass(frozen=True)
class Written:
    audit_id: int | None
    path: Path
    digest: str
    evidence_files: int = 0


def report_name(vendor_name: str, audit_id: int, revision: int) -> str:
    safe = re.sub(r"[^\w.-]+", "_", vendor_name, flags=re.UNICODE).strip("._") or "vendor"
    return f"{safe}-audit{audit_id}-r{revision}"


def targets_for(names: Mapping[int, str], output: str | Path | None, suffix: str) -> list[Path]:
    """One file per audit: OUTPUT itself for one audit, else OUTPUT as a folder (as it is
    when it exists as one, or is written with a trailing slash)."""
    as_folder = output is not None and (
        len(names) > 1 or Path(output).is_dir() or str(output).endswith(("/", os.sep))
    )
    if output is not None and not as_folder:
        return [Path(output)]
    folder = Path(output) if output is not None else Path(".")
    return [folder / f"{stem}.{suffix}" for stem in names.values()]


def export_audits(
    service: Service,
    audit_refs: Sequence[int | str],
    output: str | Path | None,
    *,
    fmt: str = "toml",
    with_evidence: bool = False,
    force: bool = False,
    lang: str = "en",
    generated_at: dt.datetime | None = None,
    progress: Callable[[int, int, Written], None] | None = None,
) -> list[Written]:
    """Export each audit to its own file; the first problem stops the run (files already
    written stay, each one complete)."""
    from vaudit.audits.report_md import render_markdown

    if fmt not in ("toml", "md"):
        raise ReportError(f"unknown format {fmt!r} (toml or md)")
    if not audit_refs:
        raise ReportError("name at least one audit")
    # Every audit is looked up before anything is written: a wrong id writes nothing.
    names = _report_names(service, audit_refs)
    targets = targets_for(names, output, fmt)
    if len(set(targets)) != len(targets):
        raise ReportError("two audits would be written to the same file; name each once")
    _prepare_folder(targets[0].parent)
    when = generated_at or dt.datetime.now(dt.UTC)
    written: list[Written] = []
    try:
        sources = collect_many(service, list(names))
        for n, (source, target) in enumerate(zip(sources, targets, strict=True), start=1):
            audit_id = source.view.audit.id
            folder = EVIDENCE_FOLDER if with_evidence else None
            body = build(
                source, generated_at=when, generated_by=service.actor, evidence_folder=folder
            )
            text, digest = render(body)
            copied = 0
            if with_evidence:
                copied = _write_evidence(service, source, target.parent / EVIDENCE_FOLDER, force)
            content = text if fmt == "toml" else render_markdown(body, digest, lang)
            try:
                write_atomically(target, content.encode("utf-8"), overwrite=force, sync_dir=False)
            except OSError as exc:
                raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
            done = Written(audit_id, target, digest, copied)
            written.append(done)
            if progress is not None:
                progress(n, len(targets), done)
    finally:
        # The files are on disk already; their names are once the folder is synced (once).
        for folder_path in {t.parent for t in targets}:
            sync_folder(folder_path)
    return written


def _report_names(service: Service, audit_refs: Sequence[int | str]) -> dict[int, str]:
    """Audit id -> the report's file stem, in the order given; NotFound for a wrong id."""
    from vaudit.audits.models import Vendor
    from vaudit.audits.service.lookups import audit_by_id

    names: dict[int, str] = {}
    with service.store.read() as session:
        for ref in audit_refs:
            audit = audit_by_id(session, ref)
            vendor = session.get(Vendor, audit.vendor_id)
            assert audit.id is not None and vendor is not None
            names[audit.id] = report_name(vendor.name, audit.id, audit.revision)
    return names


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder")


def _write_evidence(service: Service, source: ReportSource, folder: Path, force: bool) -> int:
    """Evidence files and checklist snapshots beside the report, named by hash. A file already
    there with the right content is kept; one with other content is an error (unless force)."""
    (folder / CHECKLIST_FOLDER).mkdir(parents=True, exist_ok=True)
    written = 0
    for rows in source.view.evidence.values():
        for evidence in rows:
            if evidence.kind != EvidenceKind.FILE or not evidence.sha256:
                continue
            target = folder.parent / evidence_file(folder.name, evidence.sha256, evidence.name)
            if _holds(target, evidence.sha256) and not force:
                continue
            _, content = service.evidence_content(evidence.id)  # type: ignore[arg-type]
            _write_hashed(target, content, force)
            written += 1
    for snapshot in source.view.snapshots:
        target = folder.parent / _checklist_file(folder.name, snapshot.sha256)
        if not _holds(target, snapshot.sha256):
            _write_hashed(target, snapshot.text.encode("utf-8"), force)
    return written


def _holds(path: Path, sha256: str) -> bool:
    return path.is_file() and _sha(path.read_bytes()) == sha256


def _write_hashed(target: Path, content: bytes, force: bool) -> None:
    if target.exists() and not force:
        raise ReportError(
            f"{target} exists with other content than its name says; move it away or use --force"
        )
    write_atomically(target, content, overwrite=True)


# ---------------------------------------------------------------------------- comparison


def build_comparison(
    sources: Sequence[ReportSource], *, generated_at: dt.datetime, generated_by: str
) -> dict[str, Any]:
    """One document for the final decision: ranking, verdicts, sections side by side, gates
    and stages. Disqualified vendors rank last whatever their total."""
    if len(sources) < 2:
        raise ReportError("a comparison needs at least two audits")

    def rank_key(source: ReportSource) -> tuple[int, int, float, str]:
        s = source.view.score
        return (bool(s.failed_gates), s.completion < 1.0, -s.total, source.view.vendor.name)

    ranked = sorted(sources, key=rank_key)
    section_ids: list[str] = []
    titles: dict[str, Text] = {}
    for source in sources:
        for section in source.view.score.sections:
            if section.id not in titles:
                section_ids.append(section.id)
                titles[section.id] = section.title
    vendors = []
    for place, source in enumerate(ranked, start=1):
        view = source.view
        entry: dict[str, Any] = {
            "rank": place,
            "vendor": view.vendor.name,
            "vendor_id": view.vendor.uid,
            "audit_id": view.audit.uid,
            "revision": view.audit.revision,
            "status": view.audit.status,
            "total": _round(view.score.total),
            "verdict": view.score.verdict.value,
            "completion": _round(view.score.completion),
            "failed_gates": list(view.score.failed_gates),
        }
        _put(entry, "stage", source.candidate.stage if source.candidate else None)
        _put(entry, "selection", view.selection.name)
        vendors.append(entry)
    sections = []
    for section_id in section_ids:
        row: dict[str, Any] = {"id": section_id, "title": _text(titles[section_id]), "scores": {}}
        for source in ranked:
            found = source.view.score.section(section_id)
            if found is not None and found.score is not None:
                row["scores"][source.view.vendor.name] = _round(found.score)
        sections.append(row)
    return {
        "format": COMPARE_FORMAT,
        "format_version": FORMAT_VERSION,
        "header": {
            "tool": "vaudit",
            "tool_version": __version__,
            "generated_at": _utc(generated_at),
            "generated_by": generated_by,
        },
        "vendors": vendors,
        "sections": sections,
    }


def export_comparison(
    service: Service,
    audit_refs: Sequence[int | str],
    output: Path,
    *,
    fmt: str = "toml",
    force: bool = False,
    lang: str = "en",
    generated_at: dt.datetime | None = None,
) -> Written:
    from vaudit.audits.report_md import render_comparison_markdown

    if fmt not in ("toml", "md"):
        raise ReportError(f"unknown format {fmt!r} (toml or md)")
    sources = list(collect_many(service, list(_report_names(service, audit_refs))))
    when = generated_at or dt.datetime.now(dt.UTC)
    body = build_comparison(sources, generated_at=when, generated_by=service.actor)
    text, digest = render(body)
    content = text if fmt == "toml" else render_comparison_markdown(body, digest, lang)
    if output.is_dir():
        raise ReportError(f"{output} is a folder; give the comparison's file name")
    _prepare_folder(output.parent)
    try:
        write_atomically(output, content.encode("utf-8"), overwrite=force)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from None
    return Written(None, output, digest)
