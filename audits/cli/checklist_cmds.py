"""`vaudit checklists …`: what will be audited, and checking checklist files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, say

if TYPE_CHECKING:
    from vaudit.audits.checklist import ChecklistSet


@cli.group()
def checklists() -> None:
    """The checklists audits run against (shipped, user folder, --checklists)."""


def _load(ctx: Context) -> ChecklistSet:
    from vaudit.audits.checklist import load_checklists

    loaded = load_checklists(ctx.checklist_dirs)
    for warning in loaded.warnings:
        say(f"warning: {warning}", err=True)
    return loaded


@checklists.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def checklists_list(ctx: Context, as_json: bool) -> None:
    """List the checklists in use, with version, item count, weight and source."""
    loaded = _load(ctx)
    rows = []
    for cl in loaded.checklists:
        rows.append(
            {
                "id": cl.id,
                "version": cl.version,
                "title": cl.title(ctx.lang),
                "items": len(cl.items),
                "gates": sum(i.gate for i in cl.items),
                "critical": sum(i.critical for i in cl.items),
                "weight": loaded.scoring.section_weight(cl.id),
                "source": cl.source.origin,
                "sha256": cl.source.sha256,
            }
        )
    if as_json:
        echo_json(
            {
                "checklists": rows,
                "scoring": {
                    "version": loaded.scoring.version,
                    "source": loaded.scoring.source.origin,
                    "sha256": loaded.scoring.source.sha256,
                    "recommended_at_least": loaded.scoring.recommended_at_least,
                    "conditional_at_least": loaded.scoring.conditional_at_least,
                },
            }
        )
        return
    echo_table(
        ["id", "v", "title", "items", "gates", "weight", "source"],
        [
            [
                r["id"],
                r["version"],
                r["title"],
                r["items"],
                r["gates"],
                f"{r['weight']:g}",
                r["source"],
            ]
            for r in rows
        ],
        right=[1, 3, 4, 5],
    )
    total = sum(len(cl.items) for cl in loaded.checklists)
    say(
        f"\n{total} items in {len(rows)} checklists; verdict: recommended ≥ "
        f"{loaded.scoring.recommended_at_least:g}, conditional ≥ "
        f"{loaded.scoring.conditional_at_least:g}"
    )


@checklists.command("show")
@click.argument("checklist_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def checklists_show(ctx: Context, checklist_id: str, as_json: bool) -> None:
    """Show the items of one checklist."""
    loaded = _load(ctx)
    found = next((cl for cl in loaded.checklists if cl.id == checklist_id), None)
    if found is None:
        known = ", ".join(cl.id for cl in loaded.checklists)
        raise click.ClickException(f"no checklist {checklist_id!r}; known: {known}")
    lang = ctx.lang
    if as_json:
        echo_json(
            {
                "id": found.id,
                "version": found.version,
                "title": found.title.as_dict(),
                "description": found.description.as_dict(),
                "items": [
                    {
                        "id": i.id,
                        "title": i.title.as_dict(),
                        "guidance": i.guidance.as_dict(),
                        "evidence": i.evidence.as_dict(),
                        "weight": i.weight,
                        "gate": i.gate,
                        "severity": i.severity.value,
                        "severity_reason": (
                            i.severity_reason.as_dict() if i.severity_reason else None
                        ),
                        "input": i.input.value,
                        "unit": i.unit.as_dict() if i.unit else None,
                        "choices": [{"value": c.value, **c.label.as_dict()} for c in i.choices],
                        "when": {k: sorted(v) for k, v in i.when.items()},
                        "rule": {"kind": i.rule.kind, **i.rule.params} if i.rule else None,
                    }
                    for i in found.items
                ],
            }
        )
        return
    say(f"{found.title(lang)} ({found.id} v{found.version})\n{found.description(lang)}\n")
    echo_table(
        ["item", "title", "w", "level", "input", "when", "rule"],
        [
            [
                i.id,
                i.title(lang),
                i.weight,
                {"gate": "⛔ gate", "critical": "! critical"}.get(i.severity.value, ""),
                i.input.value,
                " ".join(f"{k}={','.join(sorted(v))}" for k, v in i.when.items()),
                i.rule.kind if i.rule else "",
            ]
            for i in found.items
        ],
        right=[2],
    )


@checklists.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@pass_context
def checklists_validate(ctx: Context, paths: tuple[Path, ...]) -> None:
    """Check checklist files or folders (default: your checklist folders); list every problem
    and exit 1 if any."""
    from vaudit.audits.checklist import (
        SCORING_FILE,
        ChecklistError,
        build_set,
        parse_checklist,
        parse_scoring,
        read_source,
        shipped_sources,
    )

    files: list[Path] = []
    for path in paths or [d for d in ctx.checklist_dirs if d.is_dir()]:
        files.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    if not files and not paths:
        folders = ", ".join(str(d) for d in ctx.checklist_dirs)
        click.echo(f"ok: no checklist files of your own (looked in {folders})")
        return
    if not files:
        raise click.ClickException("no .toml files found in the given paths")
    problems = []
    sources = []
    for file in files:
        try:
            source = read_source(file)
            if source.name == SCORING_FILE:
                parse_scoring(source)
            elif parse_checklist(source).file_format < 2:
                click.echo(
                    f"warning: {source.origin}: format 1 decides no severities (gate = true is "
                    "read as a gate, every other item as standard); move it to format 2",
                    err=True,
                )
            sources.append(source)
        except ChecklistError as exc:
            problems.extend(exc.problems)
    if not problems:
        # Each file is sound alone; now check them together with the shipped set
        # (duplicate ids across files, scoring sections that name no checklist).
        try:
            build_set(shipped_sources(), sources)
        except ChecklistError as exc:
            problems.extend(exc.problems)
    if problems:
        for problem in problems:
            say(str(problem), err=True)
        say(f"{len(problems)} problem(s) in {len(files)} file(s)", err=True)
        raise SystemExit(1)
    say(f"ok: {len(files)} file(s) valid")
