"""`vaudit cards …`, `vaudit channel …` and `vaudit simulate`: channel testing from the shell."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from vaudit.audits.cli.channel_output import progress_line, summary_table
from vaudit.audits.cli.group import Context, cli, pass_context
from vaudit.audits.cli.output import echo_json, echo_table, say

if TYPE_CHECKING:
    from vaudit.audits.channel.adapters import Adapter
    from vaudit.audits.channel.cards import CardInfo
    from vaudit.audits.channel.plan import Plan
    from vaudit.audits.channel.runner import ChannelRunner, Progress
    from vaudit.audits.channel.simulator import Simulator

Command = TypeVar("Command", bound=Callable[..., Any])

PROGRESS_EVERY_S = 0.2


# ----------------------------------------------------------------------------- cards


@cli.group()
def cards() -> None:
    """The auditor's test SIM cards."""


def _echo_warnings(ctx: Context, info: CardInfo) -> None:
    for warning in info.warnings:
        say(f"warning: {info.card.number}: {warning(ctx.lang)}", err=True)


@cards.command("add")
@click.argument("number")
@click.option("--carrier", required=True, help="The card's real carrier: mobile, unicom, …")
@click.option("--mvno", is_flag=True, help="A virtual-operator (MVNO) card.")
@click.option("--ported", is_flag=True, help="The number was ported to another carrier.")
@click.option("--province", help="Where the card was issued.")
@click.option("--label", help="A name to tell the phones apart.")
@pass_context
def cards_add(
    ctx: Context,
    number: str,
    carrier: str,
    mvno: bool,
    ported: bool,
    province: str | None,
    label: str | None,
) -> None:
    """Register a test card (the number is checked; the prefix's carrier is shown)."""
    from vaudit.audits.channel.cards import add_card

    info = add_card(
        ctx.store(),
        ctx.actor,
        number,
        carrier,
        mvno=mvno,
        ported=ported,
        province=province,
        label=label,
    )
    allocated = info.allocated(ctx.lang) if info.allocated else "unknown"
    say(f"card {info.card.id}: {info.card.number}, by prefix: {allocated}")
    _echo_warnings(ctx, info)


@cards.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def cards_list(ctx: Context, as_json: bool) -> None:
    """List the test cards, with the carrier each prefix was allocated to."""
    from vaudit.audits.channel import CARRIERS
    from vaudit.audits.channel.cards import coverage_warnings, list_cards

    infos = list_cards(ctx.store())
    if as_json:
        echo_json(
            {
                "cards": [i.as_dict() for i in infos],
                "coverage_warnings": [
                    w.as_dict() for w in coverage_warnings(i.card for i in infos)
                ],
            }
        )
        return
    echo_table(
        ["id", "number", "carrier", "by prefix (may be ported)", "mvno", "ported", "label"],
        [
            [
                i.card.id,
                i.card.number,
                CARRIERS[i.card.carrier](ctx.lang),
                CARRIERS[i.allocated_key](ctx.lang) if i.allocated_key else "?",
                "yes" if i.card.mvno else "",
                "yes" if i.card.ported else "",
                i.card.label,
            ]
            for i in infos
        ],
        right=[0],
    )
    for info in infos:
        _echo_warnings(ctx, info)
    for warning in coverage_warnings(i.card for i in infos):
        say(f"coverage: {warning(ctx.lang)}", err=True)


@cards.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def cards_import(ctx: Context, path: Path) -> None:
    """Add cards from a CSV file: number,carrier[,mvno,ported,province,label]; all or none."""
    from vaudit.audits.channel.cards import import_cards

    infos = import_cards(ctx.store(), ctx.actor, path)
    say(f"{len(infos)} card(s) added")
    for info in infos:
        _echo_warnings(ctx, info)


# ----------------------------------------------------------------------------- plans


def plan_options(func: Command) -> Command:
    options = [
        click.option("--cards", "card_refs", metavar="ID,…", help="Card ids or numbers (all)."),
        click.option(
            "--kinds", metavar="KIND,…", help="verification,notification,link,marketing,long (all)."
        ),
        click.option("--repetitions", type=int, default=1, show_default=True),
        click.option(
            "--slot",
            "time_slot",
            default="off_peak",
            show_default=True,
            help="weekday_peak, off_peak or holiday.",
        ),
        click.option(
            "--rate",
            "rate_per_second",
            type=float,
            default=1.0,
            show_default=True,
            help="Messages per second at most.",
        ),
        click.option("--concurrency", type=int, default=4, show_default=True),
        click.option(
            "--dlr-timeout",
            "dlr_timeout_s",
            type=float,
            default=300.0,
            show_default=True,
            help="Seconds to wait for a final delivery report.",
        ),
        click.option(
            "--handset-timeout",
            "handset_timeout_s",
            type=float,
            default=300.0,
            show_default=True,
            help="Seconds to wait for a handset receipt.",
        ),
        click.option(
            "--signature",
            default="示例测试",
            show_default=True,
            help="The 【signature】 the vendor approved for you.",
        ),
        click.option("--seed", type=int, help="Repeatable tokens and codes (tests)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _build_plan(ctx: Context, card_refs: str | None, kinds: str | None, **settings: Any) -> Plan:
    from vaudit.audits.channel.cards import cards_by_ref
    from vaudit.audits.channel.plan import plan_for

    refs = [r.strip() for r in (card_refs or "").split(",") if r.strip()]
    chosen = cards_by_ref(ctx.store(), refs)
    kind_list = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    return plan_for(chosen, kinds=kind_list, **settings)


@cli.group()
def channel() -> None:
    """Channel tests: plan, run, show and export."""


@channel.command("plan")
@click.argument("audit_id", type=int)
@plan_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def channel_plan(ctx: Context, /, audit_id: int, as_json: bool, **options: Any) -> None:
    """Show what a run would send (nothing is sent or stored)."""
    from vaudit.audits.channel.cards import coverage_warnings
    from vaudit.audits.channel.plan import messages

    ctx.service.audit(audit_id)  # a clear error for an unknown audit
    plan = _build_plan(ctx, **options)
    planned = messages(plan)
    warnings = coverage_warnings(plan.cards)
    if as_json:
        echo_json(
            {
                "audit_id": audit_id,
                "plan": json.loads(plan.to_json()),
                "messages": [
                    {
                        "token": m.token,
                        "to": m.card.number,
                        "kind": m.kind,
                        "text": m.text,
                        "characters": m.length.characters,
                        "segments": m.length.segments,
                        "encoding": m.length.encoding,
                    }
                    for m in planned
                ],
                "coverage_warnings": [w.as_dict() for w in warnings],
            }
        )
        return
    seconds = len(planned) / plan.rate_per_second
    say(
        f"{len(planned)} messages to {len(plan.cards)} card(s), slot {plan.time_slot}, "
        f"about {seconds:.0f} s of sending, then up to "
        f"{max(plan.dlr_timeout_s, plan.handset_timeout_s):g} s of waiting"
    )
    seen: set[str] = set()
    rows = []
    for m in planned:
        if m.kind not in seen:
            seen.add(m.kind)
            rows.append([m.kind, m.length.characters, m.length.encoding, m.length.segments, m.text])
    echo_table(["kind", "chars", "encoding", "segments", "example"], rows, right=[1, 3])
    for warning in warnings:
        say(f"coverage: {warning(ctx.lang)}", err=True)


# ----------------------------------------------------------------------------- runs


def _adapter(profile: Path | None, simulator: str | None, dlr: str) -> Adapter:
    from vaudit.audits.channel import ChannelError
    from vaudit.audits.channel.adapters import SimulatorAdapter, load_adapter, simulator_profile

    if (profile is None) == (simulator is None):
        raise ChannelError("give either --profile FILE or --simulator URL")
    if profile is not None:
        return load_adapter(profile)
    return SimulatorAdapter(simulator_profile(str(simulator), dlr))


async def _run_with_progress(runner: ChannelRunner, tty: bool) -> Progress:
    async def show() -> None:
        while True:
            if tty:
                click.echo("\r" + progress_line(runner.progress) + "\x1b[K", nl=False, err=True)
            await asyncio.sleep(PROGRESS_EVERY_S)

    ticker = asyncio.create_task(show())
    try:
        return await runner.run()
    finally:
        ticker.cancel()
        line = progress_line(runner.progress)
        click.echo(f"\r{line}\x1b[K" if tty else line, err=True)


@channel.command("run")
@click.argument("audit_id", type=int)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The vendor's adapter profile (TOML).",
)
@click.option("--simulator", metavar="URL", help="Send to a `vaudit simulate` at this URL.")
@click.option(
    "--dlr",
    type=click.Choice(["push", "pull", "none"]),
    default="push",
    show_default=True,
    help="With --simulator: how delivery reports arrive.",
)
@plan_options
@click.option("--fault", is_flag=True, help="Sent during a channel fault agreed with the vendor.")
@click.option("--claimed-sender", metavar="CODE", help="The 106 code the vendor says it uses.")
@click.option(
    "--listen",
    default="127.0.0.1",
    show_default=True,
    help="Receiver address (a LAN address so the test phones can reach it).",
)
@click.option("--port", type=int, default=0, help="Receiver port (default: any free one).")
@click.option("--public-host", help="The address the vendor and the phones should use.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_context
def channel_run(
    ctx: Context,
    /,
    audit_id: int,
    profile: Path | None,
    simulator: str | None,
    dlr: str,
    fault: bool,
    claimed_sender: str | None,
    listen: str,
    port: int,
    public_host: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Send the plan through the vendor's API and measure (Ctrl+C cancels, keeping results)."""
    from vaudit.audits.channel.metrics import summary_of_run as run_summary
    from vaudit.audits.channel.plan import messages
    from vaudit.audits.channel.runner import ChannelRunner, RunOptions

    ctx.service.audit(audit_id)
    adapter = _adapter(profile, simulator, dlr)
    plan = _build_plan(ctx, **options)
    runner = ChannelRunner(
        ctx.store(),
        audit_id=audit_id,
        actor=ctx.actor,
        plan=plan,
        planned=messages(plan),
        adapter=adapter,
        options=RunOptions(
            host=listen,
            port=port,
            public_host=public_host,
            declared_fault=fault,
            claimed_sender=claimed_sender,
        ),
    )
    runner.start_run()
    say(
        f"run {runner.run_id}: {plan.size} messages through {adapter.kind} "
        f"({adapter.name}); Ctrl+C cancels and keeps what was measured",
        err=True,
    )
    cancelled = False
    try:
        asyncio.run(_run_with_progress(runner, sys.stderr.isatty()))
    except KeyboardInterrupt:
        cancelled = True
    assert runner.run_id is not None
    if runner.progress.failure:
        say(f"error: {runner.progress.failure}", err=True)
    summary = run_summary(ctx.store(), runner.run_id)
    if as_json:
        echo_json(summary)
    else:
        summary_table(summary)
    if cancelled or summary["run"]["status"] == "cancelled":
        say(
            f"cancelled: run {runner.run_id} keeps the {summary['overall']['sent']} "
            "message(s) measured so far",
            err=True,
        )
        ctx_exit = click.get_current_context()
        ctx_exit.exit(130)
    if runner.progress.failure:
        click.get_current_context().exit(1)


@channel.command("export")
@click.argument("run_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of standard output.",
)
@pass_context
def channel_export(ctx: Context, run_id: int, output: Path | None) -> None:
    """A run's summary and every message as JSON (no credential is ever in it)."""
    from vaudit.audits.channel.export import export_run

    data = (
        json.dumps(export_run(ctx.store(), run_id), ensure_ascii=False, indent=2, sort_keys=True)
        + "\n"
    )
    if output is None:
        click.echo(data, nl=False)
        return
    output = output.expanduser()
    handle, temp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    say(f"run {run_id} written to {output}")


# ----------------------------------------------------------------------------- simulator


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8790, show_default=True)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Simulator settings (TOML): rates per carrier, latency, faults.",
)
@click.option("--seed", type=int, help="Seed for the fates (overrides the profile's).")
def simulate(host: str, port: int, profile: Path | None, seed: int | None) -> None:
    """Serve vaudit's vendor simulator until Ctrl+C."""
    from vaudit.audits.channel.simulator import load_profile, serve_forever

    settings = load_profile(profile, seed)

    def ready(simulator: Simulator) -> None:
        say(
            f"simulator on {simulator.url} (POST /send, GET /reports?ids=…, "
            f"GET /cgi-bin/sendsms, POST /aliyun, POST /tencent), seed {settings.seed}; "
            "Ctrl+C stops",
            err=True,
        )

    try:
        asyncio.run(serve_forever(settings, host, port, ready))
    except KeyboardInterrupt:
        say("simulator stopped", err=True)
