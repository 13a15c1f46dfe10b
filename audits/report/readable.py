"""A report's body as a document people read, in their language: the verdict and its reasons
first, then the vendor, the selection, section scores, findings, follow-ups, every item, the
channel test, the history, and what the digest and signatures prove. Built from the report's
body (never from the database), so it says what the record says; labels, never keys or ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from vaudit.audits.present import DASH, percent, points
from vaudit.audits.report.document import (
    Block,
    Bullets,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    RecordStamp,
    Table,
)
from vaudit.audits.report.readable_channel import channel_blocks
from vaudit.audits.report.words import RESULTS, SEVERITIES, named, word
from vaudit.audits.scenario import COVERAGES, INDUSTRIES, MESSAGE_KINDS
from vaudit.audits.signing.sshsig import NAMESPACE
from vaudit.audits.text import Lang
from vaudit.audits.vendor_fields import MLPS_CONCLUSIONS, VENDOR_FIELDS
from vaudit.audits.vendor_records import CARRIERS, CODE_STATUSES, format_tax_years
from vaudit.audits.vocabulary import STAGE_LABELS, STATUS_LABELS


def title_of(value: Any, lang: Lang) -> str:
    """A bilingual {zh, en} table in the reader's language (the other one when it is empty)."""
    if isinstance(value, Mapping):
        other: Lang = "en" if lang == "zh" else "zh"
        return str(value.get(lang) or value.get(other) or "")
    return "" if value is None else str(value)


def shown(value: Any, lang: Lang) -> str:
    """A stored value as text: yes/no in words, dates as ISO dates, lists joined."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return (
            "、".join(shown(v, lang) for v in value)
            if lang == "zh"
            else ", ".join(shown(v, lang) for v in value)
        )
    return str(value)


def _label(key: str, lang: Lang) -> str:
    """A label before its value, with the colon each language uses."""
    return word(key, lang) + ("：" if lang == "zh" else ": ")


class _Titles:
    """Item and section titles by id, to name them where the body stores an id."""

    def __init__(self, body: Mapping[str, Any], lang: Lang) -> None:
        self.items = {i["id"]: title_of(i.get("title"), lang) for i in body.get("items", [])}
        self.sections = {
            s["id"]: title_of(s.get("title"), lang) for s in body["score"].get("sections", [])
        }

    def item(self, item_id: Any) -> str:
        return self.items.get(str(item_id), DASH)


def build_document(body: Mapping[str, Any], stamp: RecordStamp, lang: Lang) -> Document:
    titles = _Titles(body, lang)
    vendor_name = str(body["vendor"].get("name", ""))
    title = (
        f"{word('report', lang)}：{vendor_name}"
        if lang == "zh"
        else (f"{_label('report', lang)}{vendor_name}")
    )
    blocks: list[Block] = [Heading(title, 1), *record_blocks(body, stamp, lang)]
    blocks += _verdict(body, titles, lang)
    blocks += _vendor(body["vendor"], lang)
    blocks += _selection(body["selection"], lang)
    blocks += _sections(body["score"], lang)
    blocks += _findings(body.get("findings", []), titles, lang)
    blocks += _follow_ups(body.get("items", []), lang)
    blocks += _items(body.get("items", []), titles, lang)
    blocks += _evidence_index(body.get("items", []), lang)
    blocks += channel_blocks(body.get("channel_test", {}), lang)
    blocks += _history(body["audit"], body.get("checklists", []), lang)
    blocks += proof_blocks(stamp, lang)
    return Document(title, lang, tuple(blocks))


def record_blocks(body: Mapping[str, Any], stamp: RecordStamp, lang: Lang) -> list[Block]:
    header = body.get("header", {})
    return [
        Paragraph(word("rendering_of", lang, name=stamp.name)),
        Table(
            (word("field", lang), word("value", lang)),
            (
                (word("file_sha256", lang), stamp.file_sha256),
                (word("content_digest", lang), stamp.digest),
                (
                    word("generated", lang),
                    f"{shown(header.get('generated_at'), lang)} · "
                    f"{header.get('generated_by', '')} · vaudit {header.get('tool_version', '')}",
                ),
            ),
        ),
    ]


def _verdict(body: Mapping[str, Any], titles: _Titles, lang: Lang) -> list[Block]:
    score, audit = body["score"], body["audit"]
    blocks: list[Block] = [Heading(word("verdict", lang), 2)]
    changed = audit.get("changed_after_sign_off")
    if changed:
        blocks.append(Paragraph(word("changed_after_sign_off", lang), "warning"))
        if isinstance(changed, list):  # what no longer matches the sign-off, as export found it
            blocks.append(Bullets(tuple(str(problem) for problem in changed)))
    if audit.get("imported_from_changed_report"):
        digest = audit["imported_from_changed_report"]
        blocks.append(Paragraph(word("imported_changed", lang, digest=digest), "warning"))
    blocks.append(
        Paragraph(
            f"{_label('verdict', lang)}{title_of(score.get('verdict_label'), lang)} · "
            f"{word('total', lang)} {points(score.get('total'))} {word('of_100', lang)}",
            "strong",
        )
    )
    blocks.append(
        Paragraph(
            f"{word('completion', lang)} {percent(score.get('completion'))} · "
            + word(
                "answered_of",
                lang,
                answered=score.get("answered"),
                applicable=score.get("applicable"),
            )
        )
    )
    reasons = reasons_of(score, titles, lang)
    blocks += [
        Heading(word("reasons", lang), 3),
        Bullets(tuple(reasons or [word("no_reasons", lang)])),
    ]
    if "recommended_at_least" in score:
        blocks.append(
            Paragraph(
                word(
                    "thresholds",
                    lang,
                    rec=shown(score["recommended_at_least"], lang),
                    cond=shown(score.get("conditional_at_least"), lang),
                )
            )
        )
    return blocks


def reasons_of(score: Mapping[str, Any], titles: _Titles, lang: Lang) -> list[str]:
    """Why the verdict is what it is: each failed knockout item, then each critical finding
    that caps the verdict (when the score lists them), by title."""
    reasons = [
        word("gate_failed", lang, title=titles.item(g)) for g in score.get("failed_gates", [])
    ]
    reasons += [
        word("critical", lang, title=titles.item(c)) for c in score.get("critical_findings", [])
    ]
    return reasons


def _vendor(vendor: Mapping[str, Any], lang: Lang) -> list[Block]:
    rows = []
    for spec in VENDOR_FIELDS:
        if spec.name == "access_codes":
            records = vendor.get("code_records")
            if records:
                value = "; ".join(_code_record(r, lang) for r in records)
            else:
                value = shown(vendor.get("access_codes") or None, lang)
        elif spec.name == "port_changes":
            changes = vendor.get("port_changes") or []
            value = "; ".join(_port_change(c, lang) for c in changes) or DASH
        elif spec.name == "tax_years":
            value = format_tax_years(vendor.get("tax_years") or []) or DASH
        elif spec.name == "mlps_conclusion" and vendor.get(spec.name) in MLPS_CONCLUSIONS:
            value = MLPS_CONCLUSIONS[vendor[spec.name]](lang)
        else:
            if spec.name not in vendor:
                continue
            value = shown(vendor[spec.name], lang)
        if value != DASH:
            rows.append((spec.label(lang), value))
    return [
        Heading(word("vendor", lang), 2),
        Table((word("field", lang), word("value", lang)), tuple(rows)),
    ]


def _code_record(record: Mapping[str, Any], lang: Lang) -> str:
    details = []
    if record.get("allocated_on"):
        details.append(word("code_allocated", lang, date=shown(record["allocated_on"], lang)))
    if record.get("carriers") is not None:
        details.append(shown([named(CARRIERS, c, lang) for c in record["carriers"]], lang))
    if record.get("valid_until"):
        details.append(word("code_valid", lang, date=shown(record["valid_until"], lang)))
    if record.get("status"):
        details.append(named(CODE_STATUSES, record["status"], lang))
    if record.get("last_used_on"):
        details.append(word("code_used", lang, date=shown(record["last_used_on"], lang)))
    return (
        f"{record.get('code', '')} ({'; '.join(details)})" if details else str(record.get("code"))
    )


def _port_change(change: Mapping[str, Any], lang: Lang) -> str:
    filed = (
        word("port_filed", lang, date=shown(change.get("filed_on"), lang))
        if change.get("filed")
        else word("port_unfiled", lang)
    )
    text = (
        f"{shown(change.get('changed_on'), lang)}: {change.get('old_port', '')} → "
        f"{change.get('new_port', '')}, {filed}"
    )
    return f"{text} ({change['note']})" if change.get("note") else text


def _selection(selection: Mapping[str, Any], lang: Lang) -> list[Block]:
    rows: list[tuple[str, str]] = [(word("name", lang), str(selection.get("name", "")))]
    rows.append((word("industry", lang), named(INDUSTRIES, selection.get("industry"), lang)))
    rows.append((word("coverage", lang), named(COVERAGES, selection.get("coverage"), lang)))
    kinds = [named(MESSAGE_KINDS, k, lang) for k in selection.get("message_kinds", [])]
    rows.append((word("message_kinds", lang), shown(kinds, lang)))
    if "monthly_volume" in selection:
        rows.append((word("monthly_volume", lang), f"{selection['monthly_volume']:,}"))
    if selection.get("notes"):
        rows.append((word("notes", lang), str(selection["notes"])))
    if "stage" in selection:
        rows.append((word("stage", lang), named(STAGE_LABELS, selection["stage"], lang)))
        rows.append(
            (
                word("stage_changed", lang),
                f"{shown(selection.get('stage_changed_at'), lang)} · "
                f"{selection.get('stage_changed_by', '')}",
            )
        )
        if selection.get("stage_reason"):
            key = "rejection_reason" if selection["stage"] == "rejected" else "stage_reason"
            rows.append((word(key, lang), str(selection["stage_reason"])))
    return [
        Heading(word("selection", lang), 2),
        Table((word("field", lang), word("value", lang)), tuple(rows)),
    ]


def _sections(score: Mapping[str, Any], lang: Lang) -> list[Block]:
    rows = tuple(
        (
            title_of(s.get("title"), lang),
            shown(s.get("weight"), lang),
            points(s.get("score")),
            f"{s.get('answered', 0)}/{s.get('applicable', 0)}",
        )
        for s in score.get("sections", [])
    )
    headers = (
        word("section", lang),
        word("weight", lang),
        word("score", lang),
        word("answered", lang),
    )
    return [Heading(word("sections", lang), 2), Table(headers, rows)]


def _findings(findings: Sequence[Mapping[str, Any]], titles: _Titles, lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(word("findings", lang), 2)]
    rows = []
    for finding in findings:
        item = (
            titles.item(finding["item"]) if "item" in finding else shown(finding.get("due"), lang)
        )
        if finding.get("kind") == "rule_overridden":
            what = word("overridden_finding", lang)  # the details are under the item
        else:
            what = title_of(finding.get("reason"), lang)
        if finding.get("note"):
            what += f" — {finding['note']}"
        rows.append((named(SEVERITIES, finding.get("severity"), lang), item, what))
    if not rows:
        return [*blocks, Paragraph(word("none", lang))]
    headers = (word("severity", lang), word("item", lang), word("what", lang))
    return [*blocks, Table(headers, tuple(rows))]


def _follow_ups(items: Sequence[Mapping[str, Any]], lang: Lang) -> list[Block]:
    rows = []
    for item in items:
        for f in item.get("follow_ups", []):
            state = (
                word("done_on", lang, when=shown(f.get("done_at"), lang), who=f.get("done_by", ""))
                if f.get("done")
                else word("open", lang)
            )
            rows.append(
                (
                    str(f.get("what", "")),
                    title_of(item.get("title"), lang),
                    str(f.get("owed_by", "")),
                    shown(f.get("due_on"), lang),
                    state,
                )
            )
    blocks: list[Block] = [Heading(word("follow_ups", lang), 2)]
    if not rows:
        return [*blocks, Paragraph(word("none", lang))]
    headers = (
        word("what", lang),
        word("item", lang),
        word("owed_by", lang),
        word("due_on", lang),
        word("state", lang),
    )
    return [*blocks, Table(headers, tuple(rows))]


def _result(item: Mapping[str, Any], lang: Lang) -> str:
    if not item.get("applicable", True):
        return RESULTS["na"](lang)
    if "result" not in item:
        return word("not_answered", lang)
    return named(RESULTS, item["result"], lang)


def _value(item: Mapping[str, Any], lang: Lang) -> str:
    text = shown(item["value"], lang)
    unit = title_of(item.get("unit"), lang)
    return f"{text} {unit}" if unit else text


def _items(items: Sequence[Mapping[str, Any]], titles: _Titles, lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(word("items", lang), 2)]
    current = None
    for item in items:
        if item.get("section") != current:
            current = item.get("section")
            blocks.append(Heading(titles.sections.get(str(current), DASH), 3))
        name = title_of(item.get("title"), lang)
        if item.get("gate"):
            name += f" [{word('knockout', lang)}]"
        lines = [f"{_label('result', lang)}{_result(item, lang)}"]
        if "value" in item:
            lines.append(f"{_label('value_label', lang)}{_value(item, lang)}")
        proposal = item.get("proposal")
        if isinstance(proposal, Mapping):
            line = f"{_label('proposal', lang)}{named(RESULTS, proposal.get('result', ''), lang)}"
            reason = title_of(proposal.get("reason"), lang)
            lines.append(f"{line} — {reason}" if reason else line)
            if proposal.get("overridden"):
                lines.append(
                    word(
                        "override",
                        lang,
                        proposed=named(RESULTS, proposal.get("result", ""), lang),
                        recorded=_result(item, lang),
                    )
                )
        if item.get("note"):
            lines.append(f"{_label('note', lang)}{item['note']}")
        if "answered_by" in item:
            lines.append(
                word(
                    "answered_by",
                    lang,
                    who=item["answered_by"],
                    when=shown(item.get("answered_at"), lang),
                )
            )
        lines += [
            f"{_label('evidence', lang)}{_evidence(e, lang)}" for e in item.get("evidence", [])
        ]
        blocks += [Paragraph(name, "strong"), Bullets(tuple(lines))]
    return blocks


def _evidence(entry: Mapping[str, Any], lang: Lang) -> str:
    if entry.get("kind") == "file":
        exported = entry.get("file") or word("not_exported", lang)
        text = word(
            "evidence_file",
            lang,
            name=entry.get("name", ""),
            sha=entry.get("sha256", ""),
            exported=exported,
        )
    elif entry.get("url"):
        text = f"{entry.get('name', '')} — {word('evidence_link', lang, url=entry['url'])}"
    else:
        text = str(entry.get("name", ""))
    if entry.get("note") and entry.get("kind") != "note":
        text += f" — {entry['note']}"
    elif entry.get("kind") == "note" and entry.get("note"):
        text = f"{_label('evidence_note', lang)}{entry['note']}"
    if entry.get("expires_on"):
        text += f" ({word('expires', lang, date=shown(entry['expires_on'], lang))})"
    return text


def _evidence_index(items: Sequence[Mapping[str, Any]], lang: Lang) -> list[Block]:
    rows = sorted(
        {
            (
                str(e.get("name", "")),
                str(e.get("sha256", "")),
                str(e.get("file") or word("not_exported", lang)),
            )
            for item in items
            for e in item.get("evidence", [])
            if e.get("kind") == "file"
        }
    )
    if not rows:
        return []
    headers = (word("original_name", lang), "SHA-256", word("exported_as", lang))
    return [Heading(word("evidence_index", lang), 2), Table(headers, tuple(rows))]


def _history(
    audit: Mapping[str, Any], checklists: Sequence[Mapping[str, Any]], lang: Lang
) -> list[Block]:
    rows = [(word("revision_label", lang), str(audit.get("revision", "")))]
    rows.append((word("status", lang), named(STATUS_LABELS, audit.get("status"), lang)))
    rows.append(
        (
            word("started", lang),
            f"{shown(audit.get('started_at'), lang)} · {audit.get('started_by', '')}",
        )
    )
    if audit.get("signed_off_at"):
        rows.append(
            (
                word("signed_off", lang),
                f"{shown(audit['signed_off_at'], lang)} · {audit.get('signed_off_by', '')}",
            )
        )
    else:
        rows.append((word("signed_off", lang), word("not_signed", lang)))
    rows.append((word("auditors", lang), shown(audit.get("auditors", []), lang)))
    blocks: list[Block] = [
        Heading(word("history", lang), 2),
        Table((word("field", lang), word("value", lang)), tuple(rows)),
    ]
    revises = audit.get("revises", [])
    if revises:
        blocks.append(
            Table(
                (word("revision", lang), word("status", lang), word("signed_off", lang)),
                tuple(
                    (
                        str(r.get("revision", "")),
                        named(STATUS_LABELS, r.get("status"), lang),
                        f"{shown(r.get('signed_off_at'), lang)} · {r.get('signed_off_by', '')}"
                        if r.get("signed_off_at")
                        else word("not_signed", lang),
                    )
                    for r in revises
                ),
            )
        )
    blocks += [
        Heading(word("checklists", lang), 3),
        Table(
            (word("name", lang), word("version", lang), "SHA-256"),
            tuple(
                (title_of(c.get("name"), lang), str(c.get("version", "")), str(c.get("sha256", "")))
                for c in checklists
            ),
        ),
    ]
    return blocks


def proof_blocks(stamp: RecordStamp, lang: Lang) -> list[Block]:
    return [
        PageBreak(),
        Heading(word("proof", lang), 2),
        Paragraph(word("proof_digest", lang)),
        Paragraph(word("proof_signature", lang)),
        Paragraph(word("proof_manifest", lang)),
        Paragraph(word("proof_commands", lang)),
        Paragraph("sha256sum -c SHA256SUMS", "code"),
        Paragraph(
            f"ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n {NAMESPACE} "
            "-s SHA256SUMS.sig < SHA256SUMS",
            "code",
        ),
        Paragraph(
            f"ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n {NAMESPACE} "
            f"-s {stamp.name}.sig < {stamp.name}",
            "code",
        ),
        Paragraph(word("proof_vaudit", lang)),
        Paragraph(f"vaudit report verify {stamp.name} --allowed-signers allowed_signers", "code"),
    ]
