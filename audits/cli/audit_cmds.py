"""Audits: start, answer, evidence, sign-off, revision, scores and the integrity check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from vaudit.audits.cli import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, fields
from vaudit.audits.files import write_atomically
from vaudit.audits.present import percent, points

RESULT_GLYPHS = {"pass": "✔", "partial": "◐", "fail": "✘", "na": "–", None: "·"}


def score_json(score: Any) -> dict[str, Any]:
    return {
        "total": round(score.total, 2),
        "completion": round(score.completion, 4),
        "verdict": score.verdict.value,
        "failed_gates": list(score.failed_gates),
        "applicable": score.applicable,
        "answered": score.answered,
        "sections": [
            {
                "id": s.id,
                "weight": s.weight,
                "score": None if s.score is None else round(s.score, 2),
                "applicable": s.applicable,
                "answered": s.answered,
                "failed_gates": list(s.failed_gates),
            }
            for s in score.sections
        ],
    }


def summary_json(summary: Any) -> dict[str, Any]:
    audit = summary.audit
    return {
        "id": audit.id,
        "uid": audit.uid,
        "vendor": summary.vendor.name,
        "vendor_id": summary.vendor.id,
        "selection": summary.selection.name,
        "selection_id": summary.selection.id,
        "stage": summary.stage,
        "status": audit.status,
        "revision": audit.revision,
        "previous_id": audit.previous_id,
        "completion": round(summary.score.completion, 4),
        "score": round(summary.score.total, 2),
        "verdict": summary.score.verdict.value,
        "failed_gates": list(summary.score.failed_gates),
        "started_by": audit.started_by,
        "updated_at": audit.updated_at.isoformat(),
        "signed_off_by": audit.signed_off_by,
        "signed_off_at": audit.signed_off_at.isoformat() if audit.signed_off_at else None,
    }


def verdict_text(ctx: Context, verdict: Any) -> str:
    from vaudit.audits.scoring import VERDICT_LABELS

    return VERDICT_LABELS[verdict](ctx.lang)


@cli.group()
def audits() -> None:
    """Audits of a vendor within a selection."""


@audits.command("list")
@click.option("--selection", help="Only this selection (id or name).")
@click.option("--vendor", help="Only this vendor (id or name).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def audits_list(ctx: Context, selection: str | None, vendor: str | None, as_json: bool) -> None:
    """List audits with completion, score and verdict."""
    rows = ctx.service.summaries()
    if selection:
        wanted = ctx.service.selection(selection).id
        rows = [r for r in rows if r.selection.id == wanted]
    if vendor:
        wanted = ctx.service.vendor(vendor).id
        rows = [r for r in rows if r.vendor.id == wanted]
    if as_json:
        echo_json([summary_json(r) for r in rows])
        return
    echo_table(
        [
            "id",
            "vendor",
            "selection",
            "stage",
            "status",
            "rev",
            "done",
            "score",
            "verdict",
            "updated",
        ],
        [
            [
                r.audit.id,
                r.vendor.name,
                r.selection.name,
                r.stage or "",
                r.audit.status.replace("_", " "),
                r.audit.revision,
                percent(r.score.completion),
                points(r.score.total),
                verdict_text(ctx, r.score.verdict),
                f"{r.audit.updated_at:%Y-%m-%d %H:%M}",
            ]
            for r in rows
        ],
        right=[0, 5, 6, 7],
    )


@audits.command("start")
@click.argument("vendor")
@click.argument("selection")
@pass_context
def audits_start(ctx: Context, vendor: str, selection: str) -> None:
    """Start an audit of VENDOR in SELECTION against the current checklists."""
    audit = ctx.service.start_audit(vendor, selection)
    view = ctx.service.view(audit.id)  # type: ignore[arg-type]
    click.echo(
        f"started audit {audit.id}: {view.vendor.name} in {view.selection.name}, "
        f"{view.score.applicable} applicable items"
    )


@audits.command("show")
@click.argument("audit", type=int)
@click.option("--item", "item_id", help="Show one item in full (guidance, evidence, proposal).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def audits_show(ctx: Context, audit: int, item_id: str | None, as_json: bool) -> None:
    """Show an audit: header, then every item with its result."""
    view = ctx.service.view(audit)
    if item_id:
        _show_item(ctx, view, item_id, as_json)
        return
    if as_json:
        echo_json(view_json(view))
        return
    lang = ctx.lang
    a = view.audit
    click.echo(
        fields(
            [
                (
                    "audit",
                    f"{a.id} (revision {a.revision}"
                    + (f", after audit {a.previous_id})" if a.previous_id else ")"),
                ),
                ("vendor", view.vendor.name),
                ("selection", view.selection.name),
                (
                    "status",
                    a.status.replace("_", " ")
                    + (
                        f" by {a.signed_off_by} {a.signed_off_at:%Y-%m-%d}"
                        if a.signed_off_by
                        else ""
                    ),
                ),
                ("score", f"{points(view.score.total)}  {verdict_text(ctx, view.score.verdict)}"),
                (
                    "completion",
                    f"{percent(view.score.completion)} "
                    f"({view.score.answered}/{view.score.applicable})",
                ),
            ]
        )
    )
    for section in view.score.sections:
        click.echo()
        click.echo(
            f"{section.title(lang)}  [{section.id}]  {points(section.score)}  "
            f"{section.answered}/{section.applicable}"
        )
        rows = []
        for s in section.items:
            answer = view.answers.get(s.item.id)
            result = (
                "n/a (scenario)"
                if not s.item.applies_to(view.scenario)
                else (answer.result if answer and answer.result else "")
            )
            mark = RESULT_GLYPHS.get(answer.result if answer else None, "·")
            proposal = answer.proposed_result if answer and answer.proposed_result else ""
            if answer and answer.overridden:
                proposal += " (overridden)"
            rows.append(
                [
                    mark,
                    s.item.id,
                    s.item.title(lang),
                    "⛔" if s.item.gate else "",
                    s.item.weight,
                    result,
                    answer.value if answer else "",
                    proposal,
                ]
            )
        echo_table(["", "item", "title", "gate", "w", "result", "value", "rule"], rows, right=[4])


def view_json(view: Any) -> dict[str, Any]:
    a = view.audit
    items = []
    for item in view.checklists.items():
        answer = view.answers.get(item.id)
        items.append(
            {
                "id": item.id,
                "applicable": item.applies_to(view.scenario),
                "gate": item.gate,
                "weight": item.weight,
                "result": answer.result if answer else None,
                "value": answer.value if answer else None,
                "note": answer.note if answer else None,
                "rule": answer.rule if answer else (item.rule.kind if item.rule else None),
                "proposed_result": answer.proposed_result if answer else None,
                "proposal_reason": (
                    {"zh": answer.proposal_reason_zh, "en": answer.proposal_reason_en}
                    if answer and answer.proposed_result
                    else None
                ),
                "overridden": bool(answer and answer.overridden),
                "answered_by": answer.answered_by if answer else None,
                "answered_at": answer.answered_at.isoformat() if answer else None,
                "version": answer.version if answer else 0,
                "evidence": [evidence_json(e) for e in view.evidence.get(item.id, [])],
                "follow_ups": [follow_up_ref(f) for f in view.follow_ups.get(item.id, [])],
            }
        )
    return {
        "id": a.id,
        "uid": a.uid,
        "status": a.status,
        "revision": a.revision,
        "previous_id": a.previous_id,
        "vendor": view.vendor.name,
        "selection": view.selection.name,
        "started_by": a.started_by,
        "started_at": a.started_at.isoformat(),
        "signed_off_by": a.signed_off_by,
        "signed_off_at": a.signed_off_at.isoformat() if a.signed_off_at else None,
        "score": score_json(view.score),
        "items": items,
        "checklists": [
            {"name": s.name, "id": s.checklist_id, "version": s.version, "sha256": s.sha256}
            for s in view.snapshots
        ],
    }


def follow_up_ref(f: Any) -> dict[str, Any]:
    return {
        "id": f.id,
        "what": f.what,
        "owed_by": f.owed_by,
        "due_on": f.due_on.isoformat(),
        "done": f.done,
        "version": f.version,
    }


def evidence_json(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "item": e.item_id,
        "kind": e.kind,
        "name": e.name,
        "sha256": e.sha256,
        "size": e.size,
        "url": e.url,
        "note": e.note,
        "added_by": e.added_by,
        "added_at": e.added_at.isoformat(),
        "expires_on": e.expires_on.isoformat() if e.expires_on else None,
    }


def _show_item(ctx: Context, view: Any, item_id: str, as_json: bool) -> None:
    from vaudit.audits.service import NotFound

    item = view.checklists.item(item_id)
    if item is None:
        raise NotFound(f"audit {view.audit.id} has no item {item_id!r}")
    data = next(i for i in view_json(view)["items"] if i["id"] == item_id)
    if as_json:
        echo_json(data)
        return
    lang = ctx.lang
    reason = data["proposal_reason"][lang] if data["proposal_reason"] else ""
    pairs = [
        ("item", item.id),
        ("title", item.title(lang)),
        ("applies", "yes" if data["applicable"] else "no (scenario)"),
        ("gate", "yes: a fail disqualifies" if item.gate else "no"),
        ("weight", item.weight),
        (
            "input",
            item.input.value
            + (f" ({item.unit(lang)})" if item.unit else "")
            + (
                ": " + ", ".join(f"{c.value}={c.label(lang)}" for c in item.choices)
                if item.choices
                else ""
            ),
        ),
        ("rule", f"{item.rule.kind} {dict(item.rule.params)}" if item.rule else ""),
        ("result", data["result"]),
        ("value", data["value"]),
        ("note", data["note"]),
        ("proposed", f"{data['proposed_result']}: {reason}" if data["proposed_result"] else ""),
        ("overridden", "yes" if data["overridden"] else ""),
        ("answered", f"{data['answered_by']} {data['answered_at']}" if data["answered_by"] else ""),
        ("version", data["version"]),
    ]
    click.echo(fields(pairs))
    click.echo(f"\n{item.guidance(lang)}\n\nevidence expected: {item.evidence(lang)}")
    for e in data["evidence"]:
        expiry = f" (expires {e['expires_on']})" if e["expires_on"] else ""
        click.echo(f"  [{e['id']}] {e['kind']} {e['name']} {e['sha256'] or e['url'] or ''}{expiry}")
    follow_ups = view.follow_ups.get(item_id, [])
    if follow_ups:
        click.echo("\nfollow-ups:")
    for f in follow_ups:
        state = f"done by {f.done_by}" if f.done else "open"
        click.echo(f"  [{f.id}] due {f.due_on}  {f.what}  (by {f.owed_by}; {state})")


@audits.command("submit")
@click.argument("audit", type=int)
@pass_context
def audits_submit(ctx: Context, audit: int) -> None:
    """Mark AUDIT as in review (still editable until sign-off)."""
    ctx.service.submit_for_review(audit)
    click.echo(f"audit {audit} is in review")


@audits.command("history")
@click.argument("audit", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def audits_history(ctx: Context, audit: int, as_json: bool) -> None:
    """Every recorded change to AUDIT, oldest first."""
    rows = ctx.service.history(audit)
    if as_json:
        echo_json(
            [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "entity_id": e.entity_id,
                    "before": e.before,
                    "after": e.after,
                }
                for e in rows
            ]
        )
        return
    echo_table(
        ["#", "at", "by", "action", "what"],
        [[e.id, f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.entity_id] for e in rows],
        right=[0],
    )


RESULT_CHOICES = ["pass", "partial", "fail", "na", "clear", "auto", "keep"]


@cli.command()
@click.argument("audit", type=int)
@click.argument("item")
@click.argument("result", type=click.Choice(RESULT_CHOICES))
@click.option("--value", help="The item's value (date YYYY-MM-DD, number, yes/no, choice, text).")
@click.option("--note", help="Why; required when overriding a rule's proposal.")
@click.option(
    "--if-version",
    "if_version",
    type=click.IntRange(min=0),
    metavar="N",
    help="Save only if the answer is still at version N (as `audits show --item` showed it; "
    "0: not answered yet); otherwise refuse, so a colleague's newer answer is not overwritten.",
)
@pass_context
def answer(
    ctx: Context,
    audit: int,
    item: str,
    result: str,
    value: str | None,
    note: str | None,
    if_version: int | None,
) -> None:
    """Record RESULT for ITEM of AUDIT and save it at once.

    RESULT is pass, partial, fail or na; clear removes it; auto takes the rule's proposal
    from --value; keep changes only the value or note.
    """
    from vaudit.audits.service import UNSET

    kwargs: dict[str, Any] = {}
    if result == "clear":
        kwargs["result"] = None
    elif result != "keep":
        kwargs["result"] = result
    kwargs["value"] = UNSET if value is None else value
    kwargs["note"] = UNSET if note is None else note
    saved = ctx.service.record_answer(audit, item, expected_version=if_version, **kwargs)
    line = f"{item}: {saved.result or 'unanswered'}"
    if saved.value is not None:
        line += f" (value {saved.value})"
    if saved.proposed_result:
        reason = saved.proposal_reason_zh if ctx.lang == "zh" else saved.proposal_reason_en
        line += f"; rule proposes {saved.proposed_result}: {reason}"
        if saved.overridden:
            line += " [overridden]"
    click.echo(f"{line} [version {saved.version}]")
    view = ctx.service.view(audit)
    click.echo(
        f"audit {audit}: {points(view.score.total)} {verdict_text(ctx, view.score.verdict)}"
        f", {percent(view.score.completion)} complete"
    )


@cli.group()
def evidence() -> None:
    """Evidence: files (stored by SHA-256), URLs and notes."""


@evidence.command("add")
@click.argument("audit", type=int)
@click.argument("item")
@click.argument("file_or_url")
@click.option("--note", help="A note to go with a URL.")
@pass_context
def evidence_add(ctx: Context, audit: int, item: str, file_or_url: str, note: str | None) -> None:
    """Attach a file or a URL to ITEM of AUDIT."""
    if file_or_url.startswith(("http://", "https://")):
        added = ctx.service.add_evidence_url(audit, item, file_or_url, note)
        click.echo(f"evidence {added.id}: {added.url}")
        return
    added = ctx.service.add_evidence_file(audit, item, Path(file_or_url))
    click.echo(f"evidence {added.id}: {added.name} ({added.size:,} bytes, sha256 {added.sha256})")


@evidence.command("note")
@click.argument("audit", type=int)
@click.argument("item")
@click.argument("text")
@pass_context
def evidence_note(ctx: Context, audit: int, item: str, text: str) -> None:
    """Attach a written note to ITEM of AUDIT as evidence."""
    added = ctx.service.add_evidence_note(audit, item, text)
    click.echo(f"evidence {added.id}: note")


@evidence.command("list")
@click.argument("audit", type=int)
@click.argument("item", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def evidence_list(ctx: Context, audit: int, item: str | None, as_json: bool) -> None:
    """List the evidence of AUDIT (or of one ITEM)."""
    rows = ctx.service.evidence_list(audit, item)
    if as_json:
        echo_json([evidence_json(e) for e in rows])
        return
    echo_table(
        ["id", "item", "kind", "name", "size", "expires", "sha256 / url"],
        [
            [
                e.id,
                e.item_id,
                e.kind,
                e.name,
                f"{e.size:,}" if e.size else "",
                e.expires_on.isoformat() if e.expires_on else "",
                e.sha256 or e.url or "",
            ]
            for e in rows
        ],
        right=[0, 4],
    )


@evidence.command("expire")
@click.argument("evidence_id", type=int)
@click.argument("date", required=False)
@click.option("--clear", is_flag=True, help="Remove the expiry date instead.")
@pass_context
def evidence_expire(ctx: Context, evidence_id: int, date: str | None, clear: bool) -> None:
    """Record the DATE evidence EVIDENCE_ID stops being valid (a certificate's end, say)."""
    from vaudit.audits.cli.followup_cmds import date_argument
    from vaudit.audits.service import AuditError

    if clear == (date is not None):
        raise AuditError("give either a DATE (YYYY-MM-DD) or --clear")
    expires_on = None if clear else date_argument(date or "", "DATE")
    changed = ctx.service.set_evidence_expiry(evidence_id, expires_on)
    when = f"expires {changed.expires_on}" if changed.expires_on else "has no expiry date"
    click.echo(f"evidence {changed.id} ({changed.name}) {when}")


@evidence.command("get")
@click.argument("evidence_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True),
    help="File or folder to write to; a trailing / makes a folder (default: its name, here).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_context
def evidence_get(ctx: Context, evidence_id: int, output: str | None, force: bool) -> None:
    """Write an evidence file back out, checked against its SHA-256."""
    row, content = ctx.service.evidence_content(evidence_id)
    target = Path(output) if output else Path(Path(row.name).name)
    if output and output.endswith(("/", os.sep)):
        target.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        target = target / Path(row.name).name
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; use --force to overwrite it")
    write_atomically(target, content)
    click.echo(f"wrote {target} ({len(content):,} bytes, sha256 {row.sha256})")


@cli.command()
@click.argument("audit", type=int)
@click.option("--by", "by", required=True, help="Who signs off.")
@click.option("--yes", is_flag=True, help="Sign off even with unanswered items, without asking.")
@pass_context
def signoff(ctx: Context, audit: int, by: str, yes: bool) -> None:
    """Sign AUDIT off: it becomes read-only; later changes need a revision."""
    view = ctx.service.view(audit)
    missing = view.unanswered()
    if missing and not yes:
        click.echo(f"{len(missing)} applicable item(s) are unanswered:", err=True)
        for item in missing[:15]:
            click.echo(f"  {item.id}  {item.title(ctx.lang)}", err=True)
        if len(missing) > 15:
            click.echo(f"  … and {len(missing) - 15} more", err=True)
        if not click.confirm("Sign off anyway?", default=False, err=True):
            raise click.ClickException("not signed off")
    signed = ctx.service.sign_off(audit, by)
    click.echo(f"audit {signed.id} signed off by {signed.signed_off_by}; it is now read-only")


@cli.command()
@click.argument("audit", type=int)
@pass_context
def revise(ctx: Context, audit: int) -> None:
    """Start a new draft revision of a signed-off AUDIT, carrying its answers."""
    new = ctx.service.revise(audit)
    click.echo(f"audit {new.id} is revision {new.revision} of audit {audit} (draft)")


@cli.command()
@click.argument("audit", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def score(ctx: Context, audit: int, as_json: bool) -> None:
    """Score AUDIT: sections, total, completion, failed gates and verdict."""
    view = ctx.service.view(audit)
    s = view.score
    if as_json:
        echo_json({"audit": view.audit.id, **score_json(s)})
        return
    echo_table(
        ["section", "weight", "score", "answered", "gates failed"],
        [
            [
                sec.title(ctx.lang),
                f"{sec.weight:g}",
                points(sec.score),
                f"{sec.answered}/{sec.applicable}",
                ", ".join(sec.failed_gates),
            ]
            for sec in s.sections
        ],
        right=[1, 2, 3],
    )
    click.echo()
    click.echo(
        f"total {points(s.total)}  completion {percent(s.completion)}  "
        f"verdict {verdict_text(ctx, s.verdict)}"
    )
    for gate in s.failed_gates:
        item = view.checklists.item(gate)
        click.echo(f"failed gate: {gate}  {item.title(ctx.lang) if item else ''}")


@cli.command()
@pass_context
def verify(ctx: Context) -> None:
    """Check the event log's hash chain, and every signed-off audit against the digest taken
    at sign-off; exit 1 naming the first broken event and every changed answer."""
    report = ctx.service.verify()
    sealed = ctx.service.verify_signed_off()
    if report.ok:
        click.echo(f"event log intact: {report.events} events")
    else:
        click.echo(f"event log BROKEN at event {report.broken_at}: {report.reason}", err=True)
        click.echo(f"({report.events} events checked before it)", err=True)
    if sealed.ok:
        line = f"signed-off audits intact: {sealed.checked} checked against their sign-off digest"
        if sealed.undigested:
            line += f" ({sealed.undigested} signed off before digests existed, not checked)"
        click.echo(line)
    else:
        for finding in sealed.findings:
            click.echo(f"CHANGED after sign-off: {finding}", err=True)
    if not (report.ok and sealed.ok):
        click.get_current_context().exit(1)


@cli.command()
@click.option(
    "--within",
    "within_days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    metavar="DAYS",
    help="Show what falls due within this many days (overdue items always show).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def watch(ctx: Context, within_days: int, as_json: bool) -> None:
    """What is expired or will expire: licences and their renewal, MLPS re-evaluation,
    licence annual reports, access codes, unfiled port changes, evidence with an expiry date
    and open follow-ups; sorted by date."""
    import datetime as dt

    service = ctx.service
    today = service.today or dt.date.today()
    items = service.watch(within_days)
    if as_json:
        echo_json([item.as_json(today) for item in items])
        return
    if not items:
        click.echo(f"nothing falls due within {within_days} days")
        return
    echo_table(
        ["due", "", "vendor", "what"],
        [
            [
                item.due.isoformat(),
                "overdue" if item.overdue(today) else "",
                item.vendor,
                item.what(ctx.lang),
            ]
            for item in items
        ],
    )
