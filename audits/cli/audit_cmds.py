"""Audits: list, start, show, answer, submit, sign off, revise, score, and their history."""

from __future__ import annotations

from typing import Any

import click

from vaudit.audits.cli.audit_json import current_proposal, listed_json, score_json, view_json
from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.key_cmds import OWN_KEY
from vaudit.audits.cli.output import (
    echo_json,
    echo_json_list,
    echo_table,
    echo_table_pages,
    fields,
    say,
)
from vaudit.audits.present import percent, points
from vaudit.audits.rows import row_id

RESULT_GLYPHS = {"pass": "✔", "partial": "◐", "fail": "✘", "na": "–", None: "·"}
# The severity column: a gate disqualifies, a critical item caps the verdict.
SEVERITY_MARKS = {"gate": "⛔", "critical": "!", "standard": ""}


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
    """List audits with completion, score and verdict (streamed: any number of audits)."""
    selection_id = ctx.service.selection(selection).id if selection else None
    vendor_id = ctx.service.vendor(vendor).id if vendor else None
    rows = ctx.service.listed_audits(selection_id, vendor_id)
    if as_json:
        echo_json_list(listed_json(r) for r in rows)
        return
    echo_table_pages(
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
        (
            [
                r.id,
                r.vendor_name,
                r.selection_name,
                r.stage or "",
                r.status.replace("_", " "),
                r.revision,
                percent(r.completion),
                points(r.score),
                verdict_text(ctx, r.verdict),
                f"{r.updated_at:%Y-%m-%d %H:%M}",
            ]
            for r in rows
        ),
        right=[0, 5, 6, 7],
    )


@audits.command("start")
@click.argument("vendor")
@click.argument("selection")
@pass_context
def audits_start(ctx: Context, vendor: str, selection: str) -> None:
    """Start an audit of VENDOR in SELECTION against the current checklists."""
    audit = ctx.service.start_audit(vendor, selection)
    view = ctx.service.view(row_id(audit))
    say(
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
        echo_json(view_json(view, ctx.service.current_date()))
        return
    lang = ctx.lang
    a = view.audit
    say(
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
                ("why", "; ".join(r.line(lang) for r in view.score.verdict_reasons)),
                (
                    "completion",
                    f"{percent(view.score.completion)} "
                    f"({view.score.answered}/{view.score.applicable})",
                ),
            ]
        )
    )
    for section in view.score.sections:
        say()
        say(
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
            current = current_proposal(view, s.item.id)
            proposal = current["result"] if current else ""
            if answer and answer.overridden:
                proposal += " (overridden)"
            reason = _short(current["reason"][lang]) if current else ""
            rows.append(
                [
                    mark,
                    s.item.id,
                    s.item.title(lang),
                    SEVERITY_MARKS[s.item.severity.value],
                    s.item.weight,
                    result,
                    view.shown_value(s.item.id) or "",
                    proposal,
                    reason,
                ]
            )
        echo_table(
            ["", "item", "title", "gate", "w", "result", "value", "rule", "reason"], rows, right=[4]
        )


REASON_SHOWN = 60  # characters of a proposal's reason in the table; --item shows it whole


def _short(text: str) -> str:
    return text if len(text) <= REASON_SHOWN else text[: REASON_SHOWN - 1] + "…"


def _severity_line(item: Any, lang: Any) -> str:
    effect = {
        "gate": "a fail disqualifies",
        "critical": "a fail or partial caps the verdict",
        "standard": "points only",
    }[item.severity.value]
    why = f" ({item.severity_reason(lang)})" if item.severity_reason else ""
    return f"{item.severity.value}: {effect}{why}"


def _show_item(ctx: Context, view: Any, item_id: str, as_json: bool) -> None:
    from vaudit.audits.service import NotFound

    item = view.checklists.item(item_id)
    if item is None:
        raise NotFound(f"audit {view.audit.id} has no item {item_id!r}")
    data = next(
        i for i in view_json(view, ctx.service.current_date())["items"] if i["id"] == item_id
    )
    if as_json:
        echo_json(data)
        return
    lang = ctx.lang
    current = data["proposal"]
    pairs = [
        ("item", item.id),
        ("title", item.title(lang)),
        ("applies", "yes" if data["applicable"] else "no (scenario)"),
        ("severity", _severity_line(item, lang)),
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
        ("value", data["shown_value"]),
        ("fact", f"vendor's {data['fact']} (a value typed here updates it)" if item.fact else ""),
        ("note", data["note"]),
        ("proposed", f"{current['result']}: {current['reason'][lang]}" if current else ""),
        ("overridden", "yes" if data["overridden"] else ""),
        ("answered", f"{data['answered_by']} {data['answered_at']}" if data["answered_by"] else ""),
        ("version", data["version"]),
    ]
    say(fields(pairs))
    say(f"\n{item.guidance(lang)}\n\nevidence expected: {item.evidence(lang)}")
    for e in data["evidence"]:
        expiry = f" (expires {e['expires_on']})" if e["expires_on"] else ""
        say(f"  [{e['id']}] {e['kind']} {e['name']} {e['sha256'] or e['url'] or ''}{expiry}")
    follow_ups = view.follow_ups.get(item_id, [])
    if follow_ups:
        say("\nfollow-ups:")
    for f in follow_ups:
        state = f"done by {f.done_by}" if f.done else "open"
        say(f"  [{f.id}] due {f.due_on}  {f.what}  (by {f.owed_by}; {state})")


@audits.command("submit")
@click.argument("audit", type=int)
@pass_context
def audits_submit(ctx: Context, audit: int) -> None:
    """Mark AUDIT as in review (still editable until sign-off)."""
    ctx.service.submit_for_review(audit)
    say(f"audit {audit} is in review")


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
    say(f"{line} [version {saved.version}]")
    view = ctx.service.view(audit)
    say(
        f"audit {audit}: {points(view.score.total)} {verdict_text(ctx, view.score.verdict)}"
        f", {percent(view.score.completion)} complete"
    )


@cli.command()
@click.argument("audit", type=int)
@click.option("--by", "by", required=True, help="Who signs off.")
@click.option("--yes", is_flag=True, help="Sign off even with unanswered items, without asking.")
@click.option(
    "--key",
    "key",
    is_flag=False,
    flag_value=OWN_KEY,
    default=None,
    metavar="[KEY]",
    help="Record in the event log the fingerprint of the signing key you hold (an OpenSSH "
    "Ed25519 key file, or without KEY the one `vaudit key create` made).",
)
@pass_context
def signoff(ctx: Context, audit: int, by: str, yes: bool, key: str | None) -> None:
    """Sign AUDIT off: it becomes read-only; later changes need a revision."""
    from vaudit.audits.cli.key_cmds import load_key

    # Opening the key (its passphrase asked for) shows the signer holds it.
    fingerprint = None if key is None else load_key(None if key == OWN_KEY else key).fingerprint
    view = ctx.service.view(audit)
    missing = view.unanswered()
    if missing and not yes:
        say(f"{len(missing)} applicable item(s) are unanswered:", err=True)
        for item in missing[:15]:
            say(f"  {item.id}  {item.title(ctx.lang)}", err=True)
        if len(missing) > 15:
            say(f"  … and {len(missing) - 15} more", err=True)
        if not click.confirm("Sign off anyway?", default=False, err=True):
            raise click.ClickException("not signed off")
    signed = ctx.service.sign_off(audit, by, fingerprint)
    say(f"audit {signed.id} signed off by {signed.signed_off_by}; it is now read-only")
    if fingerprint:
        say(f"  signing key {fingerprint} recorded in the event log")


@cli.command()
@click.argument("audit", type=int)
@pass_context
def revise(ctx: Context, audit: int) -> None:
    """Start a new draft revision of a signed-off AUDIT, carrying its answers."""
    new = ctx.service.revise(audit)
    say(f"audit {new.id} is revision {new.revision} of audit {audit} (draft)")


@cli.command()
@click.argument("audit", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def score(ctx: Context, audit: int, as_json: bool) -> None:
    """Score AUDIT: sections, total, completion, verdict and the reasons for it."""
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
    say()
    say(
        f"total {points(s.total)}  completion {percent(s.completion)}  "
        f"verdict {verdict_text(ctx, s.verdict)}"
    )
    for reason in s.verdict_reasons:
        say(f"  - {reason.line(ctx.lang)}")
        for item_id in reason.items:
            say(f"      {item_id}")
