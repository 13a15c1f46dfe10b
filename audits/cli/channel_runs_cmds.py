"""`vaudit channel show` and `vaudit channel use`: the runs of an audit, one run's metrics,
and which run the audit's channel items propose from."""

from __future__ import annotations

import click

from vaudit.audits.cli.channel_cmds import channel
from vaudit.audits.cli.channel_output import summary_table
from vaudit.audits.cli.group import Context, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, fields, say


@channel.command("show")
@click.argument("audit_id", type=int, required=False)
@click.option("--run", "run_id", type=int, help="One run in detail.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def channel_show(ctx: Context, audit_id: int | None, run_id: int | None, as_json: bool) -> None:
    """List the channel runs (of one audit), or show one run's metrics."""
    from vaudit.audits.channel.metrics import status_of
    from vaudit.audits.channel.metrics import summary_of_run as run_summary
    from vaudit.audits.channel.store import runs_of

    if run_id is not None:
        summary = run_summary(ctx.store(), run_id)
        if as_json:
            echo_json(summary)
            return
        run = summary["run"]
        say(
            fields(
                [
                    ("run", run["id"]),
                    ("audit", run["audit_id"]),
                    ("adapter", run["adapter"]),
                    ("profile", run["profile"]),
                    ("time slot", run["time_slot"]),
                    ("declared fault", "yes" if run["declared_fault"] else "no"),
                    ("status", run["status"]),
                    ("failure", run["failure"] or ""),
                    ("proposes", "yes (chosen)" if run["chosen"] else ""),
                    ("started", run["started_at"]),
                ]
            )
        )
        say()
        summary_table(summary)
        return
    runs = runs_of(ctx.store(), audit_id)
    if as_json:
        echo_json(
            [
                {
                    "id": r.id,
                    "audit_id": r.audit_id,
                    "adapter": r.adapter,
                    "profile": r.profile,
                    "time_slot": r.time_slot,
                    "declared_fault": r.declared_fault,
                    "status": status_of(r),
                    "failure": r.failure,
                    "chosen": r.chosen_at is not None,
                    "started_at": r.started_at.isoformat(),
                }
                for r in runs
            ]
        )
        return
    echo_table(
        ["run", "audit", "adapter", "profile", "slot", "fault", "status", "chosen", "started"],
        [
            [
                r.id,
                r.audit_id,
                r.adapter,
                r.profile,
                r.time_slot,
                "yes" if r.declared_fault else "",
                status_of(r),
                "yes" if r.chosen_at is not None else "",
                f"{r.started_at:%Y-%m-%d %H:%M}",
            ]
            for r in runs
        ],
        right=[0, 1],
    )


@channel.command("use")
@click.argument("run_id", type=int)
@pass_context
def channel_use(ctx: Context, run_id: int) -> None:
    """Propose the audit's channel items from this run instead of the latest one."""
    from vaudit.audits.channel.store import choose_run

    run = choose_run(ctx.store(), run_id, ctx.actor)
    say(f"audit {run.audit_id}: the channel items now propose from run {run_id}")
