"""The channel test of one audit: the test cards and their warnings, a plan, a run with live
counters, metrics per carrier, a latency sparkline, and a grid of cards × messages where the
auditor ticks by hand what a test phone showed.

The run is audits.channel's async runner in a Textual async worker: it shares the app's event
loop (its httpx client and its receiver are asyncio), so the UI stays live while it sends.
Reads of the stored run go to thread workers; manual receipts go to the app's writer thread.
Credentials are never typed here: a profile names environment variables and only those names
are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Input,
    Label,
    Select,
    SelectionList,
    Sparkline,
    Static,
)

from vaudit.tui.messages import ServiceReady
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.writer import WriteDone, WriteFailed

if TYPE_CHECKING:
    from vaudit.audits.channel.adapters import Adapter
    from vaudit.audits.channel.cards import CardInfo
    from vaudit.audits.channel.metrics import Outcome
    from vaudit.audits.channel.plan import Plan
    from vaudit.audits.channel.runner import ChannelRunner
    from vaudit.audits.service import Service

REFRESH_SECONDS = 0.3  # how often a running test's counters and stored figures are redrawn
DEFAULT_SIMULATOR = "http://127.0.0.1:8790"
# Where the run's receiver listens for DLR callbacks and forwarded receipts: loopback by
# default; this machine's LAN address so a vendor or the test phones can reach it.
DEFAULT_RECEIVER = "127.0.0.1"
RECEIPT_TAG = "receipt:"  # writer tag of a manual receipt, followed by the token

# Form fields: (widget id, English label).
NUMBER_FIELDS = (
    ("repetitions", "Repetitions"),
    ("rate", "Messages per second"),
    ("concurrency", "Requests at once"),
    ("dlr-timeout", "DLR timeout (s)"),
    ("handset-timeout", "Handset timeout (s)"),
)


class ChannelLoaded(Message):
    def __init__(self, cards: list[CardInfo], run_id: int | None) -> None:
        super().__init__()
        self.cards = cards
        self.run_id = run_id


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


class RunEnded(Message):
    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


@dataclass(frozen=True)
class Cell:
    card_id: int
    column: str  # "<kind>.<repetition>"


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}s"


def _mark(o: Outcome | None) -> RichText:
    """One message's state in the grid (the legend under it explains the marks)."""
    if o is None or o.submitted_at is None:
        return RichText("·", style="dim")
    if o.receipt_at is not None:
        return RichText("✓✋" if o.receipt_source == "manual" else "✓", style="bold green")
    if not o.accepted:
        return RichText("✗", style="bold red")
    if o.dlr_final_at is not None and not o.dlr_delivered:
        return RichText("D✗", style="red")
    if o.dlr_delivered:
        # DELIVRD but nothing on the phone: pseudo-success once the handset wait ran out.
        return RichText("D!" if o.waited_out else "D", style="yellow")
    return RichText("…", style="dim")


class ChannelScreen(AppScreen):
    BINDINGS = [
        Binding("ctrl+r", "start", "Start"),
        Binding("c", "cancel_run", "Cancel run"),
        Binding("space", "toggle", "Tick receipt / card"),
        Binding("f5", "reload", "Refresh", show=False),
        Binding("escape", "back", "Back / cancel"),
    ]

    def __init__(self, audit_id: int, title: str = "", read_only: bool = False) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.title_text = title
        self.read_only = read_only
        self.cards: list[CardInfo] = []
        self.excluded: set[int] = set()  # card ids left out of the next plan
        self.runner: ChannelRunner | None = None
        self.running = False
        self.run_id: int | None = None  # the run shown: the current one or the latest
        self.summary: dict[str, Any] | None = None
        self.outcomes: dict[str, Outcome] = {}
        self.tokens: dict[Cell, str] = {}
        self.cells: dict[str, Cell] = {}
        self.status_line = ""
        self.error_line = ""
        self._reading = False
        self._read_seq = 0  # reads are numbered so a slow, older one never wins
        self._shown_seq = 0
        self._grid_run: int | None = None
        self._drawn: dict[str, str] = {}  # token → the grid text last drawn for it

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        from vaudit.audits.channel.plan import TIME_SLOTS

        yield Static(id="ch-header")
        with Horizontal(id="ch-top"):
            with Vertical(id="ch-cards-box"):
                yield Label(id="ch-cards-title", classes="ch-title")
                yield DataTable(id="ch-cards", cursor_type="row")
                yield Static(id="ch-card-warnings")
            yield SelectionList[str](id="ch-kinds")
            with Grid(id="ch-form"):
                for field_id, _label in NUMBER_FIELDS:
                    yield Label(id=f"lbl-{field_id}")
                    yield Input(id=field_id, type="number", compact=True)
                yield Label(id="lbl-slot")
                yield Select[str](
                    [(name(self.app.lang), key) for key, name in TIME_SLOTS.items()],
                    value="off_peak",
                    id="slot",
                    allow_blank=False,
                    compact=True,
                )
                yield Label(id="lbl-signature")
                yield Input("示例测试", id="signature", compact=True)
                yield Label(id="lbl-claimed")
                yield Input(id="claimed", compact=True)
                yield Label(id="lbl-target")
                yield Input(DEFAULT_SIMULATOR, id="target", compact=True)
                yield Label(id="lbl-receiver")
                yield Input(DEFAULT_RECEIVER, id="receiver", compact=True)
                yield Label(id="lbl-fault")
                yield Checkbox(id="fault", compact=True)
                yield Button(id="start", variant="primary", compact=True)
                yield Static(id="ch-adapter")
        yield Static(id="ch-status")
        with Horizontal(id="ch-results"):
            yield DataTable(id="ch-metrics", cursor_type="none", zebra_stripes=True)
            with Vertical(id="ch-latency-box"):
                yield Label(id="ch-latency-title", classes="ch-title")
                yield Sparkline([], id="ch-latency", summary_function=max)
                yield Static(id="ch-latency-figures")
        yield Label(id="ch-grid-title", classes="ch-title")
        yield DataTable(id="ch-grid", cursor_type="cell")
        yield Static(id="ch-legend")
        yield Footer()

    def on_mount(self) -> None:
        defaults = {
            "repetitions": "1",
            "rate": "1",
            "concurrency": "4",
            "dlr-timeout": "300",
            "handset-timeout": "300",
        }
        for field_id, value in defaults.items():
            self.query_one(f"#{field_id}", Input).value = value
        self.apply_language()
        self.set_interval(REFRESH_SECONDS, self._refresh_live)
        if self.app.service is not None:
            self._load(self.app.service)
        self.query_one("#ch-grid", DataTable).focus()

    def on_service_ready(self, message: ServiceReady) -> None:
        self._load(message.service)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.running and not self.read_only
        if action == "cancel_run":
            return self.running
        return True

    # ------------------------------------------------------------------ words

    def apply_language(self) -> None:
        lang = self.app.lang
        from vaudit.audits.channel.plan import KINDS, TIME_SLOTS

        self._render_header()
        self.query_one("#ch-cards-title", Label).update(self.t("Test cards (Space: in the plan)"))
        kinds = self.query_one("#ch-kinds", SelectionList)
        chosen = set(kinds.selected) if kinds.option_count else set(KINDS)
        kinds.clear_options()
        kinds.add_options([(label(lang), key, key in chosen) for key, (label, _) in KINDS.items()])
        kinds.border_title = self.t("Message kinds")
        for field_id, label_en in NUMBER_FIELDS:
            self.query_one(f"#lbl-{field_id}", Label).update(self.t(label_en))
        slot = self.query_one("#slot", Select)
        current = slot.value if isinstance(slot.value, str) else "off_peak"
        slot.set_options([(name(lang), key) for key, name in TIME_SLOTS.items()])
        slot.value = current
        words = {
            "#lbl-slot": "Time slot",
            "#lbl-signature": "Signature",
            "#lbl-claimed": "Claimed sender",
            "#lbl-target": "URL or profile file",
            "#lbl-receiver": "Receiver address",
            "#lbl-fault": "Declared fault",
            "#ch-latency-title": "Submit → DLR latency",
            "#ch-grid-title": "Receipts: cards × messages (Space ticks what the phone showed)",
        }
        for selector, english in words.items():
            self.query_one(selector, Label).update(self.t(english))
        self.query_one("#claimed", Input).placeholder = self.t("106 code, optional")
        self.query_one("#fault", Checkbox).label = self.t("during a fault")
        self.query_one("#start", Button).label = self.t("Start (ctrl+r)")
        self.query_one("#ch-legend", Static).update(
            RichText(
                self.t(
                    "✓ on the phone · ✓✋ ticked by hand · D delivered by DLR, waiting · "
                    "D! DLR delivered, nothing on the phone (pseudo-success) · D✗ DLR failed · "
                    "✗ refused or error · … waiting · · not sent"
                ),
                style="dim",
            )
        )
        self._render_cards()
        self._render_status()
        self._render_metrics()
        self._render_grid(rebuild=True)

    def _render_header(self) -> None:
        title = self.t("Channel test")
        text = f"[b]{title}[/b] · {self.t('audit')} {self.audit_id}"
        if self.title_text:
            text += f" · {self.title_text}"
        if self.read_only:
            text += f" · [yellow]{self.t('signed off: read-only')}[/yellow]"
        self.query_one("#ch-header", Static).update(text)

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="channel-load")
    def _load(self, service: Service) -> None:
        from vaudit.audits.channel.cards import list_cards
        from vaudit.audits.channel.store import runs_of

        try:
            cards = list_cards(service.store)
            runs = runs_of(service.store, self.audit_id)
        except Exception as error:
            self.post_message(ReadFailed(str(error)))
            return
        self.post_message(ChannelLoaded(cards, runs[-1].id if runs else None))

    def on_channel_loaded(self, message: ChannelLoaded) -> None:
        self.cards = message.cards
        self._render_cards()
        if self.run_id is None and message.run_id is not None:
            self.run_id = message.run_id
            self._read_run()

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
            self._set_grid_messages([(o.token, o.card_id or 0, o.kind) for o in message.outcomes])
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

    # ------------------------------------------------------------------ cards

    def _render_cards(self) -> None:
        from vaudit.audits.channel import CARRIERS
        from vaudit.audits.channel.cards import coverage_warnings

        lang = self.app.lang
        table = self.query_one("#ch-cards", DataTable)
        table.clear(columns=True)
        for heading in ("", "Number", "Carrier", "By prefix (may be ported)", "MVNO", "Ported"):
            table.add_column(self.t(heading) if heading else "")
        for info in self.cards:
            card = info.card
            allocated = CARRIERS[info.allocated_key](lang) if info.allocated_key else "?"
            table.add_row(
                RichText("☐" if card.id in self.excluded else "☑"),
                card.number,
                CARRIERS[card.carrier](lang) if card.carrier in CARRIERS else card.carrier,
                allocated,
                self.t("yes") if card.mvno else "",
                self.t("yes") if card.ported else "",
                key=str(card.id),
            )
        lines: list[RichText] = []
        for info in self.cards:
            for warning in info.warnings:
                lines.append(RichText(f"⚠ {info.card.number}: {warning(lang)}", style="yellow"))
        chosen = [i.card for i in self.cards if i.card.id not in self.excluded]
        for warning in coverage_warnings(chosen):
            lines.append(RichText(f"⚠ {self.t('coverage')}: {warning(lang)}", style="yellow"))
        if not self.cards:
            lines.append(
                RichText(
                    self.t("No test cards yet: add them with `vaudit cards add` or `import`."),
                    style="yellow",
                )
            )
        self.query_one("#ch-card-warnings", Static).update(RichText("\n").join(lines))

    def _toggle_card(self) -> None:
        table = self.query_one("#ch-cards", DataTable)
        if not self.cards or table.cursor_row >= len(self.cards):
            return
        card_id = self.cards[table.cursor_row].card.id
        assert card_id is not None
        self.excluded ^= {card_id}
        row = table.cursor_row
        self._render_cards()
        table.move_cursor(row=row)

    # ------------------------------------------------------------------ plan and start

    def _number(self, field_id: str, label: str, whole: bool) -> float:
        raw = self.query_one(f"#{field_id}", Input).value.strip()
        try:
            return int(raw) if whole else float(raw)
        except ValueError:
            raise ValueError(self.t("{what} must be a number", what=self.t(label))) from None

    def _plan(self) -> Plan:
        from vaudit.audits.channel.plan import plan_for

        chosen = [i.card for i in self.cards if i.card.id not in self.excluded]
        kinds = list(self.query_one("#ch-kinds", SelectionList).selected)
        labels = dict(NUMBER_FIELDS)
        slot = self.query_one("#slot", Select).value
        return plan_for(
            chosen,
            kinds=kinds,
            repetitions=int(self._number("repetitions", labels["repetitions"], whole=True)),
            time_slot=str(slot),
            rate_per_second=self._number("rate", labels["rate"], whole=False),
            concurrency=int(self._number("concurrency", labels["concurrency"], whole=True)),
            dlr_timeout_s=self._number("dlr-timeout", labels["dlr-timeout"], whole=False),
            handset_timeout_s=self._number(
                "handset-timeout", labels["handset-timeout"], whole=False
            ),
            signature=self.query_one("#signature", Input).value,
        )

    def _adapter(self) -> Adapter:
        from vaudit.audits.channel import ChannelError
        from vaudit.audits.channel.adapters import SimulatorAdapter, load_adapter, simulator_profile

        target = self.query_one("#target", Input).value.strip()
        if not target:
            raise ChannelError(self.t("give the simulator's URL or the vendor's profile file"))
        if target.startswith(("http://", "https://")):
            return SimulatorAdapter(simulator_profile(target))
        # The profile names the environment variables holding the key; their values are read
        # by the adapter and never pass through this screen.
        return load_adapter(Path(target).expanduser())

    def _receiver_address(self) -> str:
        """An IP address of this machine to listen on (and to give the vendor and phones)."""
        import ipaddress

        text = self.query_one("#receiver", Input).value.strip() or DEFAULT_RECEIVER
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise ValueError(
                self.t("receiver: {text} is not an IP address of this machine", text=text)
            ) from None
        if address.is_unspecified:
            raise ValueError(
                self.t("receiver: give the LAN address itself, which the phones will call")
            )
        return str(address)

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
            plan = self._plan()
            adapter = self._adapter()
        except (ChannelError, ValueError) as error:
            self._show_error(str(error))
            return
        try:
            receiver = self._receiver_address()
        except ValueError as error:
            self._show_error(str(error))
            return
        planned = messages(plan)
        claimed = self.query_one("#claimed", Input).value.strip() or None
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
                declared_fault=self.query_one("#fault", Checkbox).value,
                claimed_sender=claimed,
            ),
        )
        self.running = True
        self.error_line = ""
        self.run_id = None
        self.summary = None
        self.outcomes = {}
        self._grid_run = None
        self._set_grid_messages([(m.token, m.card.id, m.kind) for m in planned])
        self._describe_adapter(adapter)
        self._render_status()
        self._render_metrics()
        self.refresh_bindings()
        self.query_one("#ch-grid", DataTable).focus()
        self._run(self.runner)

    def _describe_adapter(self, adapter: Adapter) -> None:
        profile = getattr(adapter, "profile", None)
        names = sorted(getattr(profile, "credential_names", {}).values())
        text = f"{adapter.kind}: {adapter.name}"
        if names:
            text += " · " + self.t("key from") + " " + ", ".join(f"${n}" for n in names)
        self.query_one("#ch-adapter", Static).update(RichText(text, style="dim"))

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
            self._set_grid_messages([])  # nothing was stored: no messages to tick
        if message.error:
            self.error_line = message.error
        self._reading = False  # a read still in flight reports figures already superseded
        self._read_run()
        self._render_status()
        self.refresh_bindings()

    def action_cancel_run(self) -> None:
        if self.running and self.runner is not None:
            self.runner.cancel()
            self.status_line = self.t("cancelling: what was measured is kept…")
            self._render_status()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#ch-grid", DataTable).focus()
            return
        if self.running:
            self.action_cancel_run()
            return
        self.app.pop_screen()

    # ------------------------------------------------------------------ counters and metrics

    def _render_status(self) -> None:
        counts: dict[str, int] = {}
        phase = ""
        overall = self.summary["overall"] if self.summary else None
        if self.running and self.runner is not None:
            p = self.runner.progress
            phase = self.t(p.phase)
            counts = {
                "planned": p.planned,
                "sent": p.sent,
                "accepted": p.accepted,
                "DLR delivered": p.dlr_delivered,
                "arrived": p.receipts,
                "pseudo-success": overall["pseudo_success"] if overall else 0,
                "errors": p.errors + p.rejected,
            }
        elif self.summary is not None and overall is not None:
            phase = self.t(self.summary["run"]["status"])
            counts = {
                "planned": overall["planned"],
                "sent": overall["sent"],
                "accepted": overall["accepted"],
                "DLR delivered": overall["dlr_delivered"],
                "arrived": overall["arrived"],
                "pseudo-success": overall["pseudo_success"],
                "errors": overall["errors"],
            }
        text = RichText()
        if self.run_id is not None:
            text.append(f"{self.t('run')} {self.run_id}: ", style="bold")
        if phase:
            text.append(phase, style="bold")
            text.append(" · ")
        text.append(" · ".join(f"{self.t(name)} {value}" for name, value in counts.items()))
        if not counts:
            text.append(self.t("No run yet: check the plan and press ctrl+r."), style="dim")
        if self.running and self.runner is not None and self.runner.receipt_url:
            # What the phones' forwarding app posts to (a per-run secret, not a vendor key).
            text.append(f"\n{self.t('Phones forward to')} {self.runner.receipt_url}", style="dim")
        if self.running and self.status_line:
            text.append(f"\n{self.status_line}", style="yellow")
        if self.error_line:
            text.append(f"\nerror: {self.error_line}", style="bold red")
        self.query_one("#ch-status", Static).update(text)

    def _show_error(self, error: str) -> None:
        self.error_line = error
        self._render_status()
        self.notify(f"error: {error}", severity="error")

    def _render_metrics(self) -> None:
        from vaudit.audits.channel import CARRIERS

        table = self.query_one("#ch-metrics", DataTable)
        table.clear(columns=True)
        headings = [
            "Carrier",
            "sent",
            "accepted",
            "DLR ok",
            "arrived",
            "pseudo",
            "no final",
            "DLR p50",
            "hand p50",
            "hand p95",
        ]
        for heading in headings:
            table.add_column(self.t(heading), key=heading)
        if self.summary is None:
            return
        lang = self.app.lang
        groups = [(self.t("all"), "all", self.summary["overall"])]
        for key, stats in self.summary["by_carrier"].items():
            name = CARRIERS[key](lang) if key in CARRIERS else key
            groups.append((name, key, stats))
        for name, key, s in groups:
            table.add_row(
                RichText(name, style="bold" if key == "all" else ""),
                str(s["sent"]),
                _pct(s["acceptance_rate"]),
                _pct(s["dlr_delivered_rate"]),
                _pct(s["arrival_rate"]),
                _pct(s["pseudo_success_rate"]),
                _pct(s["dlr_without_final_rate"]),
                _secs(s["latency_dlr_s"]["p50"]),
                _secs(s["latency_handset_s"]["p50"]),
                _secs(s["latency_handset_s"]["p95"]),
                key=key,
            )
        latencies = [
            (o.dlr_final_at - o.submitted_at).total_seconds()
            for o in self.outcomes.values()
            if o.dlr_final_at is not None and o.submitted_at is not None
        ]
        self.query_one("#ch-latency", Sparkline).data = latencies
        dlr = self.summary["overall"]["latency_dlr_s"]
        self.query_one("#ch-latency-figures", Static).update(
            f"p50 {_secs(dlr['p50'])} · p95 {_secs(dlr['p95'])} · "
            f"{self.t('max')} {_secs(max(latencies) if latencies else None)}"
        )

    # ------------------------------------------------------------------ receipt grid

    def _set_grid_messages(self, rows: list[tuple[str, int, str]]) -> None:
        """Place each message (token, card id, kind) in the grid: a row per card, a column per
        kind and repetition, in sending order."""
        self.tokens, self.cells = {}, {}
        repeats: dict[tuple[int, str], int] = {}
        for token, card_id, kind in rows:
            n = repeats.get((card_id, kind), 0) + 1
            repeats[(card_id, kind)] = n
            cell = Cell(card_id, f"{kind}.{n}")
            self.tokens[cell] = token
            self.cells[token] = cell
        self._render_grid(rebuild=True)

    def _render_grid(self, rebuild: bool = False) -> None:
        from vaudit.audits.channel.plan import KINDS

        table = self.query_one("#ch-grid", DataTable)
        lang = self.app.lang
        if rebuild:
            table.clear(columns=True)
            self._drawn = {}
            if not self.cells:
                return
            card_ids = list(dict.fromkeys(c.card_id for c in self.cells.values()))
            columns = list(dict.fromkeys(c.column for c in self.cells.values()))
            repeated = any(not column.endswith(".1") for column in columns)
            table.add_column(self.t("Card"), key="card")
            for column in columns:
                kind, n = column.rsplit(".", 1)
                label = KINDS[kind][0](lang) if kind in KINDS else kind
                table.add_column(f"{label} {n}" if repeated else label, key=column)
            numbers = {i.card.id: i.card.number for i in self.cards}
            for card_id in card_ids:
                cells: list[Any] = [numbers.get(card_id, f"#{card_id}")]
                for column in columns:
                    text = self._cell_text(Cell(card_id, column))
                    cells.append(text)
                    if token := self.tokens.get(Cell(card_id, column)):
                        self._drawn[token] = text.plain
                table.add_row(*cells, key=str(card_id))
            return
        for token, cell in self.cells.items():
            text = self._cell_text(cell)
            if self._drawn.get(token) == text.plain:
                continue  # only changed cells are redrawn: a run may have thousands
            try:
                table.update_cell(str(cell.card_id), cell.column, text)
            except Exception:  # the grid is being rebuilt for another run
                return
            self._drawn[token] = text.plain

    def _cell_text(self, cell: Cell) -> RichText:
        token = self.tokens.get(cell)
        if token is None:
            return RichText("")
        text = RichText(f"{token} ")
        text.append_text(_mark(self.outcomes.get(token)))
        return text

    def _cursor_token(self) -> str | None:
        table = self.query_one("#ch-grid", DataTable)
        if not self.cells or table.row_count == 0:
            return None
        coordinate: Coordinate = table.cursor_coordinate
        row_key, column_key = table.coordinate_to_cell_key(coordinate)
        if column_key.value == "card" or row_key.value is None or column_key.value is None:
            return None
        return self.tokens.get(Cell(int(row_key.value), column_key.value))

    def action_toggle(self) -> None:
        if self.focused is self.query_one("#ch-cards", DataTable):
            self._toggle_card()
        elif self.focused is self.query_one("#ch-grid", DataTable):
            self._tick_receipt()

    def _tick_receipt(self) -> None:
        token = self._cursor_token()
        if token is None or self.run_id is None or self.app.service is None:
            return
        outcome = self.outcomes.get(token)
        if outcome is None or outcome.submitted_at is None:
            self.notify(self.t("{token} was not sent", token=token), severity="warning")
            return
        if outcome is not None and outcome.receipt_at is not None:
            self.notify(self.t("{token} is already marked received", token=token))
            return
        from vaudit.audits.channel.store import record_manual_receipt

        store, run_id, actor = self.service.store, self.run_id, self.app.actor
        self.app.writer.submit(
            lambda: record_manual_receipt(store, run_id, token, actor),
            self,
            tag=RECEIPT_TAG + token,
        )

    def on_write_done(self, message: WriteDone) -> None:
        if not message.tag.startswith(RECEIPT_TAG):
            return
        token = message.tag.removeprefix(RECEIPT_TAG)
        if self.running and self.runner is not None:
            self.runner.note_manual_receipt(token)
        self.notify(self.t("{token}: received on the phone, recorded", token=token))
        self._reading = False
        self._read_run()

    def on_write_failed(self, message: WriteFailed) -> None:
        if message.tag.startswith(RECEIPT_TAG):
            self._show_error(str(message.error))
