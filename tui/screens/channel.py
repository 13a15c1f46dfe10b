"""The channel test of one audit: the test cards and their warnings, a plan, a run with live
counters, metrics per carrier, a latency sparkline, and a grid of cards × messages where the
auditor ticks by hand what a test phone showed. The panels are widgets (tui/widgets/channel_*);
this screen keeps the run and what was read of it, and tells the panels what to show.

The run is vaudit.audits.channel's async runner in a Textual async worker: it shares the app's event
loop (its httpx client and its receiver are asyncio), so the UI stays live while it sends.
Reads of the stored run go to thread workers; manual receipts go to the app's writer thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Footer, Input

from vaudit.audits.channel.present import dlr_latencies
from vaudit.tui.messages import ReceiptRefused, ReceiptTicked, ServiceReady
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.widgets.channel_cards import CardPanel
from vaudit.tui.widgets.channel_form import MessageKinds, RunForm
from vaudit.tui.widgets.channel_grid import ReceiptGrid, ReceiptLegend
from vaudit.tui.widgets.channel_metrics import LatencyPanel, MetricsTable
from vaudit.tui.widgets.channel_status import Caption, ChannelHeader, RunStatus

if TYPE_CHECKING:
    from vaudit.audits.channel.cards import CardInfo
    from vaudit.audits.channel.metrics import Outcome
    from vaudit.audits.channel.runner import ChannelRunner
    from vaudit.audits.service import Service

REFRESH_SECONDS = 0.3  # how often a running test's counters and stored figures are redrawn


class ChannelLoaded(Message):
    def __init__(self, cards: list[CardInfo], run_ids: list[int], proposing: int | None) -> None:
        super().__init__()
        self.cards = cards
        self.run_ids = run_ids
        self.proposing = proposing  # the run the audit's channel items propose from


class RunRead(Message):
    """A run's stored figures, read in a thread while it goes on or after it ended."""

    def __init__(
        self, run_id: int, seq: int, summary: dict[str, Any], outcomes: list[Outcome]
    ) -> None:
        super().__init__()
        self.run_id = run_id
        self.seq = seq
        self.summary = summary
        self.outcomes = outcomes


class ReadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class Reconciled(Message):
    """A vendor statement was set against the run and stored; `lines` summarise it."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class ReconcileRefused(Message):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class RunEnded(Message):
    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


class ChannelScreen(AppScreen):
    BINDINGS = [
        Binding("ctrl+r", "start", "Start"),
        Binding("c", "cancel_run", "Cancel run"),
        Binding("space", "tick", "Tick receipt / card"),
        Binding("left_square_bracket", "step_run(-1)", "Previous run", show=False),
        Binding("right_square_bracket", "step_run(1)", "Next run", show=False),
        Binding("u", "use_run", "Use this run"),
        Binding("b", "reconcile", "Reconcile statement"),
        Binding("f5", "reload", "Refresh", show=False),
        Binding("escape", "back", "Back / cancel"),
    ]

    def __init__(self, audit_id: int, title: str = "", read_only: bool = False) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.title_text = title
        self.read_only = read_only
        self.runner: ChannelRunner | None = None
        self.running = False
        self.run_id: int | None = None  # the run shown: the current one or the latest
        self.run_ids: list[int] = []  # the audit's runs, oldest first ([ and ] step through)
        self.proposing: int | None = None  # the run the channel items propose from
        self.summary: dict[str, Any] | None = None
        self.outcomes: dict[str, Outcome] = {}
        self.status_line = ""
        self.error_line = ""
        self._reading = False
        self._read_seq = 0  # reads are numbered so a slow, older one never wins
        self._shown_seq = 0
        self._grid_run: int | None = None
        self.header = ChannelHeader(audit_id, title, read_only, id="ch-header")
        self.card_panel = CardPanel(id="ch-cards-box")
        self.kinds = MessageKinds(id="ch-kinds")
        self.form = RunForm(id="ch-form")
        self.status = RunStatus(id="ch-status")
        self.metrics = MetricsTable(id="ch-metrics", cursor_type="none", zebra_stripes=True)
        self.latency = LatencyPanel(id="ch-latency-box")
        self.grid = ReceiptGrid(id="ch-grid")
        self.legend = ReceiptLegend(id="ch-legend")

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield self.header
        with Horizontal(id="ch-top"):
            yield self.card_panel
            yield self.kinds
            yield self.form
        yield self.status
        with Horizontal(id="ch-results"):
            yield self.metrics
            yield self.latency
        yield Caption(
            "Receipts: cards × messages (Space ticks what the phone showed)",
            id="ch-grid-title",
            classes="ch-title",
        )
        yield self.grid
        yield self.legend
        yield Footer()

    def on_mount(self) -> None:
        self.apply_language()
        self.set_interval(REFRESH_SECONDS, self._refresh_live)
        if self.app.service is not None:
            self._load(self.app.service)
        self.grid.focus()

    def on_service_ready(self, message: ServiceReady) -> None:
        self._load(message.service)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.running and not self.read_only
        if action == "cancel_run":
            return self.running
        if action == "use_run":
            return not self.running and not self.read_only and self.run_id is not None
        if action == "reconcile":
            return not self.running and not self.read_only and self.run_id is not None
        return True

    def apply_language(self) -> None:
        self.header.apply_language()
        for caption in self.query(Caption):
            caption.apply_language()
        self.kinds.apply_language()
        self.form.apply_language()
        self.legend.apply_language()
        self.card_panel.redraw()
        self._render_status()
        self._render_metrics()
        self._render_grid(rebuild=True)

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="channel-load")
    def _load(self, service: Service) -> None:
        self.post_message(self._read_lists(service))

    def _read_lists(self, service: Service) -> ChannelLoaded | ReadFailed:
        """The cards, the audit's runs and the run its items propose from (in a thread)."""
        from vaudit.audits.channel.cards import list_cards
        from vaudit.audits.channel.metrics import proposing_run
        from vaudit.audits.channel.store import runs_of

        try:
            cards = list_cards(service.store)
            runs = runs_of(service.store, self.audit_id)
            proposing = proposing_run(service.store, self.audit_id)
        except Exception as error:
            return ReadFailed(str(error))
        return ChannelLoaded(cards, [r.id for r in runs if r.id], proposing)

    def on_channel_loaded(self, message: ChannelLoaded) -> None:
        self.card_panel.show(message.cards)
        self.run_ids, self.proposing = message.run_ids, message.proposing
        if self.run_id is None and self.run_ids and not self.running:
            self.run_id = self.run_ids[-1]
            self._read_run()
        self._render_status()
        self.refresh_bindings()

    def action_step_run(self, step: int) -> None:
        """Show the audit's previous or next run (not while one is running)."""
        if self.running or self.run_id not in self.run_ids:
            return
        at = self.run_ids.index(self.run_id) + step
        if 0 <= at < len(self.run_ids):
            self.run_id = self.run_ids[at]
            self._reading = False
            self._read_run()

    def action_use_run(self) -> None:
        """Make the run shown the one the audit's channel items propose from."""
        if self.running or self.run_id is None or self.app.service is None:
            return
        self._choose(self.app.service, self.run_id)

    @work(thread=True, exclusive=True, group="channel-choose")
    def _choose(self, service: Service, run_id: int) -> None:
        from vaudit.audits.channel.store import choose_run

        try:
            choose_run(service.store, run_id, self.app.actor)
        except Exception as error:
            self.post_message(ReadFailed(str(error)))
            return
        self.post_message(self._read_lists(service))

    def on_read_failed(self, message: ReadFailed) -> None:
        self._reading = False
        self.error_line = message.error
        self._render_status()

    def action_reload(self) -> None:
        if self.app.service is not None:
            self._load(self.app.service)
        self._read_run()

    def _read_run(self) -> None:
        if self.run_id is None or self._reading or self.app.service is None:
            return
        self._reading = True
        self._read_seq += 1
        self._fetch_run(self.app.service, self.run_id, self._read_seq)

    @work(thread=True, group="channel-read")
    def _fetch_run(self, service: Service, run_id: int, seq: int) -> None:
        from vaudit.audits.channel.metrics import summary_and_outcomes

        try:
            summary, outcomes = summary_and_outcomes(service.store, run_id)
        except Exception as error:
            self.post_message(ReadFailed(str(error)))
            return
        self.post_message(RunRead(run_id, seq, summary, outcomes))

    def on_run_read(self, message: RunRead) -> None:
        self._reading = False
        if message.run_id != self.run_id or message.seq < self._shown_seq:
            return  # an older run's figures, or overtaken by a newer read
        self._shown_seq = message.seq
        self.summary = message.summary
        self.outcomes = {o.token: o for o in message.outcomes}
        if self._grid_run != message.run_id:
            self._lay_out_grid([(o.token, o.card_id or 0, o.kind) for o in message.outcomes])
            self._grid_run = message.run_id
        self._render_status()
        self._render_metrics()
        self._render_grid()

    def _refresh_live(self) -> None:
        if self.running:
            runner = self.runner
            if runner is not None and runner.run_id is not None and self.run_id is None:
                self.run_id = runner.run_id
                self._grid_run = runner.run_id  # the grid was laid out from the plan at start
            self._render_status()
            self._read_run()

    # ------------------------------------------------------------------ start, run, cancel

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        from vaudit.audits.channel import ChannelError
        from vaudit.audits.channel.plan import messages
        from vaudit.audits.channel.runner import ChannelRunner, RunOptions

        if self.running or self.app.service is None:
            return
        if self.read_only:
            self._show_error(self.t("this audit is signed off; start a revision to test again"))
            return
        try:
            plan = self.form.plan(self.card_panel.chosen(), list(self.kinds.selected))
            adapter = self.form.adapter()
        except (ChannelError, ValueError) as error:
            self._show_error(str(error))
            return
        try:
            receiver = self.form.receiver_address()
        except ValueError as error:
            self._show_error(str(error))
            return
        planned = messages(plan)
        self.runner = ChannelRunner(
            self.service.store,
            audit_id=self.audit_id,
            actor=self.app.actor,
            plan=plan,
            planned=planned,
            adapter=adapter,
            options=RunOptions(
                host=receiver,
                public_host=receiver,
                declared_fault=self.form.declared_fault(),
                claimed_sender=self.form.claimed_sender(),
            ),
        )
        self.running = True
        self.error_line = ""
        self.run_id = None
        self.summary = None
        self.outcomes = {}
        self._grid_run = None
        self._lay_out_grid([(m.token, m.card.id, m.kind) for m in planned])
        self.form.describe_adapter(adapter)
        self._render_status()
        self._render_metrics()
        self.refresh_bindings()
        self.grid.focus()
        self._run(self.runner)

    @work(exclusive=True, group="channel-run", exit_on_error=False)
    async def _run(self, runner: ChannelRunner) -> None:
        from vaudit.audits.channel import ChannelError

        error: str | None = None
        try:
            await runner.run()
        except ChannelError as exc:
            error = str(exc)
        except Exception as exc:  # shown on the screen; what was measured is kept
            error = runner.progress.failure or runner.adapter.redact(f"the run stopped: {exc}")
        self.post_message(RunEnded(error or runner.progress.failure))

    def on_run_ended(self, message: RunEnded) -> None:
        self.running = False
        if self.runner is not None and self.runner.run_id is not None:
            self.run_id = self.runner.run_id
        else:
            self._lay_out_grid([])  # nothing was stored: no messages to tick
        if message.error:
            self.error_line = message.error
        self._reading = False  # a read still in flight reports figures already superseded
        self._read_run()
        if self.app.service is not None:
            self._load(self.app.service)  # the new run in the list, and what proposes now
        self._render_status()
        self.refresh_bindings()

    def action_cancel_run(self) -> None:
        if self.running and self.runner is not None:
            self.runner.cancel()
            self.status_line = self.t("cancelling: what was measured is kept…")
            self._render_status()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.grid.focus()
            return
        if self.running:
            self.action_cancel_run()
            return
        self.app.pop_screen()

    # ------------------------------------------------------------------ billing reconciliation

    def action_reconcile(self) -> None:
        from pathlib import Path

        from vaudit.tui.screens.dialogs import TextDialog
        from vaudit.tui.widgets.path_suggester import PathSuggester

        run_id = self.run_id
        if run_id is None or self.running or self.app.service is None:
            return

        def check(text: str) -> str | None:
            return None if Path(text).expanduser().is_file() else self.t("no such file")

        def chosen(path: str | None) -> None:
            if path:
                self._reconcile(run_id, Path(path).expanduser())

        self.app.push_screen(
            TextDialog(
                self.t("Vendor statement (CSV) for run {n}", n=run_id),
                self.t(
                    "A per-message statement with vaudit's, Alibaba Cloud's or Tencent Cloud's "
                    "columns; the billing items propose from it."
                ),
                suggester=PathSuggester(),
                required=True,
                check=check,
            ),
            chosen,
        )

    def _reconcile(self, run_id: int, path: Any) -> None:
        from vaudit.audits.channel.reconcile import summary_lines
        from vaudit.audits.channel.reconcile_store import reconcile_run

        store, actor = self.service.store, self.app.actor
        self.app.writer.submit(
            lambda: summary_lines(reconcile_run(store, run_id, path, actor)[1]),
            self,
            done=lambda done: Reconciled(done.result),
            failed=lambda f: ReconcileRefused(f.error),
        )

    def on_reconciled(self, message: Reconciled) -> None:
        self.error_line = ""
        self._render_status()
        done = self.t("reconciliation stored; the billing items propose from it")
        self.notify("\n".join([*message.lines, done]), timeout=20)

    def on_reconcile_refused(self, message: ReconcileRefused) -> None:
        self._show_error(str(message.error))

    # ------------------------------------------------------------------ what the panels show

    def _render_status(self) -> None:
        self.status.show(
            run_id=self.run_id,
            summary=self.summary,
            live=self.runner if self.running else None,
            notice=self.status_line,
            error=self.error_line,
            proposing=self.proposing,
        )

    def _show_error(self, error: str) -> None:
        self.error_line = error
        self._render_status()
        self.notify(f"error: {error}", severity="error")

    def _render_metrics(self) -> None:
        self.metrics.show(self.summary)
        if self.summary is not None:
            latencies = dlr_latencies(self.outcomes.values())
            self.latency.show(self.summary["overall"]["latency_dlr_s"], latencies)

    def _lay_out_grid(self, messages: list[tuple[str, int, str]]) -> None:
        self.grid.lay_out(messages, self.outcomes, self.card_panel.numbers())

    def _render_grid(self, rebuild: bool = False) -> None:
        self.grid.draw(self.outcomes, self.card_panel.numbers(), rebuild)

    # ------------------------------------------------------------------ ticking

    def action_tick(self) -> None:
        if self.focused is self.card_panel.table:
            self.card_panel.toggle()
        elif self.focused is self.grid:
            self._tick_receipt()

    def _cursor_token(self) -> str | None:
        return self.grid.cursor_token()

    def _tick_receipt(self) -> None:
        token = self.grid.cursor_token()
        if token is None or self.run_id is None or self.app.service is None:
            return
        outcome = self.outcomes.get(token)
        if outcome is None or outcome.submitted_at is None:
            self.notify(self.t("{token} was not sent", token=token), severity="warning")
            return
        if outcome.receipt_at is not None:
            self.notify(self.t("{token} is already marked received", token=token))
            return
        from vaudit.audits.channel.store import record_manual_receipt

        store, run_id, actor = self.service.store, self.run_id, self.app.actor
        self.app.writer.submit(
            lambda: record_manual_receipt(store, run_id, token, actor),
            self,
            done=lambda _: ReceiptTicked(token),
            failed=lambda f: ReceiptRefused(token, f.error),
        )

    def on_receipt_ticked(self, message: ReceiptTicked) -> None:
        token = message.token
        if self.running and self.runner is not None:
            self.runner.note_manual_receipt(token)
        self.notify(self.t("{token}: received on the phone, recorded", token=token))
        self._reading = False
        self._read_run()

    def on_receipt_refused(self, message: ReceiptRefused) -> None:
        self._show_error(str(message.error))
