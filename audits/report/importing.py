"""Restore an audit from a report, so that auditors without a shared database can exchange work.

Everything lands in one transaction: the vendor and selection (found by id, then by name, else
created), the candidate's stage, the checklist snapshots, the answers, the evidence (its files
from the folder beside the report), the follow-ups and one `audit.import` event naming the
report's digest.
An audit already here (same id) is not imported again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from vaudit.audits import events, tamper
from vaudit.audits.checklist import (
    ChecklistError,
    Item,
    Source,
    parse_checklist,
    parse_scoring,
    set_from_snapshot,
)
from vaudit.audits.events import IMPORT_ACTION
from vaudit.audits.models import (
    Answer,
    Audit,
    AuditChecklist,
    AuditStatus,
    Candidate,
    ChecklistSnapshot,
    Evidence,
    EvidenceKind,
    FollowUp,
    Selection,
    Stage,
    Vendor,
)
from vaudit.audits.report.already import differences
from vaudit.audits.report.beside import MissingBeside, read_beside
from vaudit.audits.report.format import COMPARE_FORMAT, ReportError
from vaudit.audits.report.verify import Verification, verify_file
from vaudit.audits.rows import row_id
from vaudit.audits.rules import Result
from vaudit.audits.scenario import Scenario
from vaudit.audits.service.evidence import CREDENTIALS_NOTE, store_blob, without_credentials
from vaudit.audits.service.facts import vendor_facts
from vaudit.audits.service.score_cache import cache_score
from vaudit.audits.service.snapshots import snapshot_id
from vaudit.audits.values import ValueError_, parse_value, to_canonical
from vaudit.audits.vendor_fields import FIELDS_BY_NAME, FieldError, parse_vendor_fields
from vaudit.audits.vendor_records import (
    code_records_from,
    format_code_records,
    format_port_changes,
    format_tax_years,
    port_changes_from,
    tax_years_from,
)

if TYPE_CHECKING:
    from vaudit.audits.service import Service


@dataclass
class Imported:
    audit_id: int
    already: bool  # the audit was here before: nothing was written
    intact: bool
    notes: list[str] = field(default_factory=list)


def import_report(service: Service, path: Path, *, force: bool = False) -> Imported:
    check = verify_file(path)
    body = check.data
    if body is None:
        raise ReportError(f"{path} cannot be imported: " + "; ".join(check.problems))
    if body.get("format") == COMPARE_FORMAT:
        raise ReportError(f"{path} is a comparison; only an audit's report can be imported")
    evidence_problems = [p for p in check.problems if p.startswith("evidence ")]
    if evidence_problems:
        raise ReportError(
            "the evidence beside the report does not hold: " + "; ".join(evidence_problems)
        )
    if not check.body_intact and not force:
        raise ReportError(
            f"{path} was changed after export, so it is not imported "
            "(`vaudit report verify` names what differs; --force imports it anyway, marked "
            "as from a changed report):\n" + "\n".join(check.problems)
        )
    try:
        return _import(service, path, body, check)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ReportError):
            raise
        raise ReportError(
            f"{path}: the report is malformed ({type(exc).__name__}: {exc})"
        ) from None


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    """A text the report may leave out; anything but a string is refused, not stored."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ReportError(f"{where}: {key} should be text, not {type(value).__name__}")


def _table(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    if not isinstance(value, Mapping):
        raise ReportError(f"the report has no [{key}] table")
    return value


def _import(service: Service, path: Path, body: Mapping[str, Any], check: Verification) -> Imported:
    audit_data = _table(body, "audit")
    vendor_data = _table(body, "vendor")
    selection_data = _table(body, "selection")
    uid = str(audit_data["id"])
    notes: list[str] = []
    with service.store.read() as session:
        existing = session.exec(select(Audit).where(Audit.uid == uid)).first()
    if existing is not None:
        _refuse_a_conflict(service, path, body, existing)
        return Imported(
            row_id(existing), True, check.body_intact, ["already here: nothing changed"]
        )
    texts = _snapshot_texts(service, path, body)
    checklists = set_from_snapshot([(name, text) for name, _, text in texts])

    with service.store.write() as session:
        if session.exec(select(Audit).where(Audit.uid == uid)).first() is not None:
            raise ReportError(
                f"audit {uid} was imported by someone else meanwhile: nothing imported "
                "(import again to compare the two)"
            )
        vendor = _vendor(session, service, vendor_data, notes)
        selection = _selection(session, service, selection_data, notes)
        _candidate(session, service, selection, vendor, selection_data, notes)
        snapshot_ids = [_snapshot(session, name, text) for name, _, text in texts]
        revises = list(audit_data.get("revises", []))
        previous = None
        if revises:
            previous = session.exec(
                select(Audit).where(Audit.uid == str(revises[-1]["id"]))
            ).first()
        scenario = Scenario(**_scenario_args(_table(audit_data, "scenario")))
        audit = Audit(
            uid=uid,
            vendor_id=row_id(vendor),
            selection_id=row_id(selection),
            status=AuditStatus.DRAFT,
            revision=int(audit_data["revision"]),
            previous_id=previous.id if previous else None,
            scenario=scenario.to_json(),
            started_at=_moment(audit_data["started_at"]),
            started_by=str(audit_data["started_by"]),
        )
        session.add(audit)
        session.flush()
        for position, snapshot in enumerate(snapshot_ids):
            session.add(
                AuditChecklist(audit_id=row_id(audit), position=position, snapshot_id=snapshot)
            )
        answers = evidence_count = follow_up_count = 0
        for item_data in body.get("items", []):
            item_id = str(item_data["id"])
            item = checklists.item(item_id)
            if item is None:
                raise ReportError(f"item {item_id} is not in the report's checklists")
            if "answered_by" in item_data:
                session.add(_answer(audit, item, item_data))
                answers += 1
            for entry in item_data.get("evidence", []):
                session.add(_evidence(session, service.actor, path, audit, item_id, entry))
                evidence_count += 1
            for entry in item_data.get("follow_ups", []):
                session.add(_follow_up(audit, item_id, entry))
                follow_up_count += 1
        # Status last, after the rows are written: the database refuses rows for an audit
        # that is already signed off (migration 0008's triggers).
        session.flush()
        audit.status = AuditStatus(str(audit_data["status"]))
        if "signed_off_at" in audit_data:
            audit.signed_off_at = _moment(audit_data["signed_off_at"])
        audit.signed_off_by = _optional_text(audit_data, "signed_off_by", "audit")
        session.add(audit)
        session.flush()
        sealed = (
            {tamper.DIGEST_KEY: tamper.audit_digest(session, row_id(audit))}
            if audit.status == AuditStatus.SIGNED_OFF
            else {}
        )
        events.append(
            session,
            actor=service.actor,
            action=IMPORT_ACTION,
            entity="audit",
            entity_id=row_id(audit),
            audit_id=audit.id,
            after={
                "file": path.name,
                "digest": check.digest,
                "intact": check.body_intact,
                "vendor": vendor.id,
                "selection": selection.id,
                "answers": answers,
                "evidence": evidence_count,
                "follow_ups": follow_up_count,
                "revises": [_plain(link) for link in revises],
                "channel": _channel_facts(body),
                **sealed,
            },
        )
        cache_score(session, service.snapshots, audit, checklists)
        if not check.body_intact:
            notes.append("imported from a changed report: its later exports say so")
        return Imported(row_id(audit), False, check.body_intact, notes)


def _refuse_a_conflict(
    service: Service, path: Path, body: Mapping[str, Any], existing: Audit
) -> None:
    """An audit with the report's id is here: fine if it is the same audit, else a conflict
    that names both and imports nothing."""
    differ = differences(service, row_id(existing), body)
    if not differ:
        return
    audit, vendor = _table(body, "audit"), _table(body, "vendor")
    with service.store.read() as session:
        here_vendor = session.get(Vendor, existing.vendor_id)
    raise ReportError(
        f"conflict: {path.name} holds audit {existing.uid} of {vendor.get('name')!r} "
        f"(revision {audit.get('revision')}, {audit.get('status')}), but audit "
        f"{existing.id} here has that id with other content (of "
        f"{here_vendor.name if here_vendor else '?'!r}, revision {existing.revision}, "
        f"{existing.status}); they differ in {', '.join(differ)}. Nothing imported"
    )


def _channel_facts(body: Mapping[str, Any]) -> Any:
    """The channel measurements the report carried (what the channel rules read), or None."""
    channel = body.get("channel_test", {})
    if not isinstance(channel, Mapping) or not channel.get("facts"):
        return None
    try:
        return json.loads(str(channel["facts"]))
    except ValueError:
        raise ReportError("channel_test.facts is not valid JSON") from None


def _plain(link: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in link.items()}


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise ReportError(f"{value!r} is not a date and time")
    if value.tzinfo is None:
        raise ReportError(f"{value.isoformat()} has no time zone (reports are in UTC)")
    return value.astimezone(dt.UTC)


def _scenario_args(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "industry": str(data["industry"]),
        "coverage": str(data["coverage"]),
        "message_kinds": frozenset(str(k) for k in data["message_kinds"]),
        "monthly_volume": data.get("monthly_volume"),
    }


def _snapshot_texts(
    service: Service, path: Path, body: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    """(file name, sha256, text) for each checklist the audit used: from this database, the
    installed checklists, or the copy exported beside the report, checked against its hash."""
    wanted = body.get("checklists", [])
    if not wanted:
        raise ReportError("the report lists no checklists")
    known = {source.sha256: source.text for source in service.current_checklists().sources()}
    found = []
    with service.store.read() as session:
        for entry in wanted:
            sha = str(entry["sha256"])
            row = session.exec(
                select(ChecklistSnapshot).where(ChecklistSnapshot.sha256 == sha)
            ).first()
            text = row.text if row is not None else known.get(sha)
            if text is None and entry.get("file"):
                text = _checklist_beside(path, entry["file"], sha)
            if text is None:
                raise ReportError(
                    f"checklist {entry.get('id')} version {entry.get('version')} (sha256 "
                    f"{sha[:12]}…) is not known here: export the report with --with-evidence, "
                    "which writes the checklists beside it"
                )
            found.append((str(entry["name"]), sha, text))
    try:
        set_from_snapshot([(name, text) for name, _, text in found])
    except ChecklistError as exc:
        problems = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise ReportError(f"the report's checklists do not load: {problems}") from None
    return found


def _checklist_beside(path: Path, relative: object, sha: str) -> str | None:
    try:
        content = read_beside(path, relative, sha)
        return content.decode("utf-8")
    except MissingBeside:
        return None  # said below: the checklist is not known here
    except ReportError as exc:
        raise ReportError(f"a checklist beside the report: {exc}") from None
    except UnicodeDecodeError:
        raise ReportError(f"the checklist {relative} is not UTF-8 text") from None


def _snapshot(session: Session, name: str, text: str) -> int:

    source = Source(name=name, origin=f"import:{name}", text=text)
    try:
        checklist = parse_checklist(source)
        return snapshot_id(session, name, checklist.id, checklist.version, text)
    except ChecklistError:
        scoring = parse_scoring(source)
        return snapshot_id(session, name, "scoring", scoring.version, text)


def _vendor_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _vendor(
    session: Session, service: Service, data: Mapping[str, Any], notes: list[str]
) -> Vendor:
    uid = str(data["id"])
    vendor = session.exec(select(Vendor).where(Vendor.uid == uid)).first()
    if vendor is None:
        vendor = session.exec(select(Vendor).where(Vendor.name == str(data["name"]))).first()
        if vendor is not None:
            notes.append(f"vendor {vendor.name!r} was already here (added separately): kept as is")
    if vendor is not None:
        return vendor
    raw = {k: _vendor_text(v) for k, v in data.items() if k in FIELDS_BY_NAME}
    # The record lists go back through the same text syntax the form and the CLI take.
    if "code_records" in data:
        raw["access_codes"] = format_code_records(code_records_from(list(data["code_records"])))
    if "port_changes" in data:
        raw["port_changes"] = format_port_changes(port_changes_from(list(data["port_changes"])))
    if "tax_years" in data:
        raw["tax_years"] = format_tax_years(tax_years_from(list(data["tax_years"])))
    try:
        values = parse_vendor_fields(raw)
    except FieldError as exc:
        raise ReportError(f"the report's vendor does not validate: {exc}") from None
    vendor = Vendor(uid=uid, **values)
    session.add(vendor)
    session.flush()
    events.append(
        session,
        actor=service.actor,
        action="vendor.add",
        entity="vendor",
        entity_id=row_id(vendor),
        after=vendor_facts(vendor) | {"imported": True},
    )
    return vendor


def _selection(
    session: Session, service: Service, data: Mapping[str, Any], notes: list[str]
) -> Selection:
    uid, name = str(data["id"]), str(data["name"])
    selection = session.exec(select(Selection).where(Selection.uid == uid)).first()
    if selection is None:
        selection = session.exec(select(Selection).where(Selection.name == name)).first()
        if selection is not None:
            notes.append(f"selection {name!r} was already here (added separately): kept as is")
    if selection is not None:
        return selection
    scenario = Scenario(**_scenario_args(data))
    kinds = json.loads(scenario.to_json())["message_kinds"]
    selection = Selection(
        uid=uid,
        name=name,
        industry=scenario.industry,
        coverage=str(scenario.coverage),
        message_kinds=json.dumps(kinds),
        monthly_volume=scenario.monthly_volume,
        notes=_optional_text(data, "notes", "selection"),
    )
    session.add(selection)
    session.flush()
    events.append(
        session,
        actor=service.actor,
        action="selection.add",
        entity="selection",
        entity_id=row_id(selection),
        after={"name": name, "scenario": json.loads(scenario.to_json()), "imported": True},
    )
    return selection


def _candidate(
    session: Session,
    service: Service,
    selection: Selection,
    vendor: Vendor,
    data: Mapping[str, Any],
    notes: list[str],
) -> None:
    existing = session.exec(
        select(Candidate).where(
            Candidate.selection_id == selection.id, Candidate.vendor_id == vendor.id
        )
    ).first()
    stage = str(data.get("stage", Stage.SCREENING))
    if existing is not None:
        if existing.stage != stage:
            notes.append(
                f"the vendor's stage here is {existing.stage} (the report says {stage}): kept"
            )
        return
    candidate = Candidate(
        selection_id=row_id(selection),
        vendor_id=row_id(vendor),
        stage=Stage(stage),
        reason=_optional_text(data, "stage_reason", "candidate"),
        stage_changed_at=_moment(data["stage_changed_at"])
        if "stage_changed_at" in data
        else dt.datetime.now(dt.UTC),
        stage_changed_by=str(data.get("stage_changed_by", service.actor)),
    )
    session.add(candidate)
    session.flush()
    events.append(
        session,
        actor=service.actor,
        action="candidate.add",
        entity="candidate",
        entity_id=row_id(candidate),
        after={"selection": selection.id, "vendor": vendor.id, "stage": stage, "imported": True},
    )


def _answer(audit: Audit, item: Item, data: Mapping[str, Any]) -> Answer:
    where = f"item {item.id}"
    result = data.get("result")
    if result is not None:
        result = Result(str(result)).value
    value = None
    if "value" in data:
        raw = data["value"]
        try:
            value = to_canonical(parse_value(item, _vendor_text(raw)))
        except ValueError_ as exc:
            raise ReportError(f"item {item.id}: {exc}") from None
    # An answered item's proposal is the one recorded when it was answered.
    proposal = data.get("proposal", {})
    stored = bool(proposal)
    reason = proposal.get("reason", {}) if stored else {}
    return Answer(
        audit_id=row_id(audit),
        item_id=item.id,
        result=result,
        value=value,
        note=_optional_text(data, "note", where),
        rule=_optional_text(proposal, "rule", where) if stored else None,
        proposed_result=_optional_text(proposal, "result", where) if stored else None,
        proposal_reason_zh=_optional_text(reason, "zh", where) or None,
        proposal_reason_en=_optional_text(reason, "en", where) or None,
        overridden=bool(proposal.get("overridden", False)),
        answered_by=str(data["answered_by"]),
        answered_at=_moment(data["answered_at"]),
    )


def _evidence(
    session: Session,
    actor: str,
    path: Path,
    audit: Audit,
    item_id: str,
    entry: Mapping[str, Any],
) -> Evidence:
    kind = EvidenceKind(str(entry["kind"]))
    url = _optional_text(entry, "url", f"evidence of {item_id}")
    note = _optional_text(entry, "note", f"evidence of {item_id}")
    name = str(entry["name"])
    if url is not None:
        url, stripped = without_credentials(url)
        if stripped:  # and the name, which is the address as it was given
            name = without_credentials(name)[0]
            note = f"{note}\n{CREDENTIALS_NOTE}" if note else CREDENTIALS_NOTE
    evidence = Evidence(
        audit_id=row_id(audit),
        item_id=item_id,
        kind=kind,
        name=name,
        url=url,
        note=note,
        added_by=str(entry["added_by"]),
        added_at=_moment(entry["added_at"]),
        expires_on=_day(entry.get("expires_on"), "expires_on"),
    )
    if kind == EvidenceKind.FILE:
        if "file" not in entry:
            raise ReportError(
                f"evidence {entry['name']!r} of item {item_id} is listed by hash only: export "
                "the report with --with-evidence to bring the files"
            )
        sha = entry.get("sha256")
        try:
            content = read_beside(path, entry["file"], sha)
        except ReportError as exc:
            raise ReportError(f"evidence {entry['name']!r} of item {item_id}: {exc}") from None
        assert isinstance(sha, str)  # read_beside checked it
        store_blob(session, actor, sha, content)
        evidence.sha256 = sha
        evidence.size = len(content)
    return evidence


def _day(value: Any, key: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ReportError(f"{key} {value!r} is not a date") from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ReportError(f"{key} {value!r} is not a date")
    return value


def _follow_up(audit: Audit, item_id: str, entry: Mapping[str, Any]) -> FollowUp:
    due_on = _day(entry.get("due_on"), "follow_ups.due_on")
    if due_on is None or not entry.get("what") or not entry.get("owed_by"):
        raise ReportError(f"a follow-up of item {item_id} lacks what, owed_by or due_on")
    return FollowUp(
        audit_id=row_id(audit),
        item_id=item_id,
        what=str(entry["what"]),
        owed_by=str(entry["owed_by"]),
        due_on=due_on,
        done=bool(entry.get("done", False)),
        done_at=_moment(entry["done_at"]) if "done_at" in entry else None,
        done_by=entry.get("done_by"),
        created_by=str(entry["created_by"]),
        created_at=_moment(entry["created_at"]),
        source_finding=entry.get("source_finding"),
    )
