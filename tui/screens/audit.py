"""The audit walkthrough: sections, items, and the chosen item's detail; one key per result.

Every change goes to the writer thread the moment it is made, with the answer version this
screen last saw, so a change someone else made in between is refused, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from vaudit.tui.messages import ServiceReady
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.widgets.format import (
    percent,
    result_glyph,
    result_name,
    status_name,
    verdict_text,
)
from vaudit.tui.writer import WriteDone, WriteFailed

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item
    from vaudit.audits.models import Answer, Evidence, FollowUp
    from vaudit.audits.scoring import AuditScore
    from vaudit.audits.service import AuditView, Service

POLL_SECONDS = 2.0  # how often the screen looks for changes made elsewhere
UNANSWERED_SHOWN = 12  # unanswered items named in the sign-off dialog
NARROW_BELOW = 110  # terminal columns under which the side panels shrink (see app.tcss)
SIDE_PANELS = {False: 24 + 40 + 1, True: 22 + 28 + 1}  # sections + detail + its border
ITEM_COLUMNS_EXTRA = 17  # glyph, weight, gate, cell padding and the scrollbar
FOLLOW_UP_DAYS = 14  # the due date a new follow-up's dialog suggests, from today


class AuditLoaded(Message):
    def __init__(self, view: AuditView, stamp: int, external: bool) -> None:
        super().__init__()
        self.view = view
        self.stamp = stamp
        self.external = external


class LoadFailed(Message):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


@dataclass
class Section:
    id: str
    title: Any  # audits.text.Text
    items: list[Item]


class AuditScreen(AppScreen):
    BINDINGS = [
        Binding("p", "result('pass')", "Pass"),
        Binding("a", "result('partial')", "Partial"),
        Binding("f", "result('fail')", "Fail"),
        Binding("n", "result('na')", "N/A"),
        Binding("u", "result(None)", "Clear"),
        Binding("y", "result('auto')", "Accept"),
        Binding("e", "edit_value", "Value"),
        Binding("m", "note", "Note"),
        Binding("v", "add_file", "Add file", show=False),  # named in the detail panel
        Binding("l", "add_url", "Add URL", show=False),
        Binding("F", "follow_up", "Follow-up", show=False),
        Binding("g", "next_unanswered", "Next unanswered", show=False),
        Binding("right_square_bracket", "section(1)", show=False),
        Binding("left_square_bracket", "section(-1)", show=False),
        Binding("S", "sign_off", "Sign off"),
        Binding("r", "revise", "Revise"),
        Binding("E", "export", "Export"),
        Binding("T", "channel_test", "Channel test"),
        Binding("f5", "reload", "Refresh", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, audit_id: int, opened_at: float | None = None) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.opened_at = opened_at
        self.view: AuditView | None = None
        self.answers: dict[str, Answer] = {}
        self.evidence: dict[str, list[Evidence]] = {}
        self.follow_ups: dict[str, list[FollowUp]] = {}
        self.score: AuditScore | None = None
        self.sections: list[Section] = []
        self.section_index = 0
        self.item_id: str | None = None
        self.stamp = 0
        # The answer versions this screen knows; read and advanced by the writer thread, so a
        # second quick change to an item builds on the first instead of looking stale.
        self.versions: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self._columns_lang: str | None = None
        self._footer_read_only: bool | None = None

    def switch_to(self, audit_id: int, opened_at: float | None = None) -> None:
        """Show another audit in this same screen (building a screen costs more than filling
        one, so the app keeps a single audit screen and refills it)."""
        self.audit_id = audit_id
        self.opened_at = opened_at
        self.view = None
        self.answers, self.evidence, self.versions, self.pending = {}, {}, {}, {}
        self.score = None
        self.section_index = 0
        self.item_id = None
        self.stamp = 0
        if self.is_mounted:
            self.query_one("#audit-body").loading = True
            if self.app.service is not None:
                self._load(self.app.service, external=False)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="audit-header")
        yield Static(id="readonly-banner")
        with Horizontal(id="audit-body"):
            yield OptionList(id="sections")
            table: DataTable[Any] = DataTable(id="items", cursor_type="row")
            yield table
            with VerticalScroll(id="detail"):
                # One widget for the item's fixed text: fewer widgets to lay out per move.
                yield Static(id="d-about")
                yield Static(id="d-value-label", classes="label")
                yield Input(id="value")
                yield Static(id="value-hint")
                yield Static(id="d-proposal")
                yield Static(id="d-result")
                yield Static(id="d-note")
                yield Static(id="d-evidence-label", classes="label")
                yield OptionList(id="evidence")
                yield Static(id="d-follow-ups")
                yield OptionList(id="follow-ups")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#readonly-banner").display = False
        self.query_one("#audit-body").loading = True
        if self.app.service is not None:
            self._load(self.app.service, external=False)
        self.set_interval(POLL_SECONDS, self._poll)

    EDITING = frozenset({"result", "edit_value", "note", "add_file", "add_url", "sign_off"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A signed-off audit offers only what it allows: the footer then shows no edit keys.
        if action in self.EDITING and self.read_only:
            return False
        if action == "revise":
            return self.read_only
        return True

    @property
    def read_only(self) -> bool:
        return self.view is not None and self.view.audit.status == "signed_off"

    # ------------------------------------------------------------------ loading

    def on_service_ready(self, message: ServiceReady) -> None:
        self._load(message.service, external=False)

    @work(thread=True, exclusive=True, group="audit-load")
    def _load(self, service: Service, external: bool) -> None:
        try:
            view, stamp = service.view_with_stamp(self.audit_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(AuditLoaded(view, stamp, external))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#audit-body").loading = False
        self.notify(str(message.error), severity="error", timeout=10)

    def _poll(self) -> None:
        if (
            self.app.service is None
            or not self.app.writer.idle
            or self.view is None
            or not self.is_current
        ):
            return
        self._check_stamp(self.app.service)

    @work(thread=True, exclusive=True, group="audit-poll")
    def _check_stamp(self, service: Service) -> None:
        try:
            stamp = service.audit_stamp(self.audit_id)
        except Exception:
            return  # a busy or vanished database is reported by the next write, not here
        if stamp != self.stamp:
            self._load(service, external=True)

    def on_screen_resume(self) -> None:
        self._poll()

    def check_for_changes(self) -> None:
        """Called by the app when the terminal regains focus."""
        self._poll()

    def action_reload(self) -> None:
        if self.app.service is not None:
            self._load(self.app.service, external=True)

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        if not message.external and self.view is not None:
            # Our own reload (after a sign-off): show it, without "changed elsewhere".
            self.stamp = message.stamp
            self._apply_view(message.view)
            return
        if message.external and self.view is not None and not self.app.writer.idle:
            return  # our own writes are still landing; the next poll looks again
        if message.external and self.view is not None and _older(message.view, self.answers):
            # Read before one of our own writes landed: showing it would undo that write on
            # screen (and make the next write look stale). Look again instead.
            if self.app.service is not None:
                self._load(self.app.service, external=True)
            return
        changed = (
            message.external
            and self.view is not None
            and (
                _versions(message.view.answers) != _versions(self.answers)
                or message.view.audit.status != self.view.audit.status
                or _evidence_ids(message.view.evidence) != _evidence_ids(self.evidence)
                or _follow_up_versions(message.view.follow_ups)
                != _follow_up_versions(self.follow_ups)
            )
        )
        # A channel run (from the channel screen or the shell) changes no answer but what the
        # channel rules propose: show the new proposals, without "changed elsewhere".
        measured = self.view is not None and message.view.measured != self.view.measured
        self.stamp = message.stamp
        if message.external and not changed and not measured and self.view is not None:
            return
        self._apply_view(message.view)
        if changed:
            self.notify(self.t("The audit changed elsewhere; reloaded."), severity="warning")
        if self.opened_at is not None:
            opened_at, self.opened_at = self.opened_at, None
            self.call_after_refresh(
                lambda: self.app.timings.append(("open_audit", time.perf_counter() - opened_at))
            )

    def _apply_view(self, view: AuditView) -> None:
        first = self.view is None
        self.view = view
        self.answers = dict(view.answers)
        self.evidence = {k: list(v) for k, v in view.evidence.items()}
        self.follow_ups = {k: list(v) for k, v in view.follow_ups.items()}
        # In place, and never backwards: queued writes read this very dict.
        if first:
            self.versions.clear()
        for key, answer in view.answers.items():
            self.versions[key] = max(self.versions.get(key, 0), answer.version)
        self.score = view.score
        self.sections = [Section(c.id, c.title, list(c.items)) for c in view.checklists.checklists]
        self.query_one("#audit-body").loading = False
        if first:
            first_open = next(iter(view.unanswered()), None)
            self.item_id = first_open.id if first_open else self.sections[0].items[0].id
            self.section_index = self._section_of(self.item_id)
        self._render_all()
        if first:
            self.query_one("#items", DataTable).focus()

    # ------------------------------------------------------------------ rendering

    def apply_language(self) -> None:
        if self.view is not None:
            self._render_all()

    def _render_all(self) -> None:
        self._render_header()
        self._render_sections()
        self._render_items()
        self._render_detail()

    def _render_header(self) -> None:
        if self.view is None or self.score is None:
            return
        view, lang, score = self.view, self.app.lang, self.score
        status = status_name(view.audit.status, lang)
        if view.audit.revision > 1:
            status += f" r{view.audit.revision}"
        header = RichText.assemble(
            (view.vendor.name, "bold"),
            "  ·  ",
            view.selection.name,
            "  ·  ",
            f"{self.t('Audit')} #{view.audit.id} {status}",
            "  ·  ",
            f"{self.t('Total')} ",
            (f"{score.total:.1f}", "bold"),
            "  ",
            verdict_text(score.verdict.value, lang),
            "  ·  ",
            f"{self.t('Completion')} {score.answered}/{score.applicable} "
            f"({percent(score.completion)})",
        )
        self.query_one("#audit-header", Static).update(header)
        banner = self.query_one("#readonly-banner", Static)
        banner.display = self.read_only
        if self.read_only:
            signed = view.audit.signed_off_at
            banner.update(
                self.t(
                    "Signed off by {by} on {on}: read only. Press r to start a revision.",
                    by=view.audit.signed_off_by,
                    on=f"{signed:%Y-%m-%d}" if signed else "",
                )
            )
        if self._footer_read_only != self.read_only:
            # The footer lists the edit keys only while editing is possible; rebuilding it
            # costs a few widgets, so only when that changes (not on every answer).
            self._footer_read_only = self.read_only
            self.query_one("#value", Input).disabled = self.read_only
            self.refresh_bindings()

    def _render_sections(self) -> None:
        if self.score is None:
            return
        sections = self.query_one("#sections", OptionList)
        prompts = [self._section_prompt(section) for section in self.sections]
        if sections.option_count == len(prompts):
            # Replace only the prompts that changed: rebuilding the list re-lays the screen.
            for index, prompt in enumerate(prompts):
                if sections.get_option_at_index(index).prompt != prompt:
                    sections.replace_option_prompt_at_index(index, prompt)
        else:
            sections.clear_options()
            sections.add_options(
                [Option(p, id=s.id) for p, s in zip(prompts, self.sections, strict=True)]
            )
        if sections.highlighted != self.section_index:
            sections.highlighted = self.section_index

    def _section_prompt(self, section: Section) -> RichText:
        assert self.score is not None
        scored = self.score.section(section.id)
        done = f"{scored.answered}/{scored.applicable}" if scored else ""
        value = f"{scored.score:5.1f}" if scored and scored.score is not None else "   – "
        label = RichText.assemble(
            (section.title(self.app.lang), "bold"), "\n", (f"{done:>7}  {value}", "dim")
        )
        if scored and scored.failed_gates:
            label.stylize("red")
        return label

    def _render_items(self) -> None:
        if self.view is None or self.score is None:
            return
        table = self.query_one("#items", DataTable)
        lang = self.app.lang
        if self._columns_lang == lang:
            table.clear()  # keeping the columns saves measuring them again
        else:
            table.clear(columns=True)
            table.add_column("", width=1, key="glyph")
            table.add_column(self.t("Items"), width=self._title_width(), key="title")
            table.add_column(self.t("weight"), width=6, key="weight")
            table.add_column("", width=2, key="gate")
            self._columns_lang = lang
        scenario = self.view.scenario
        for item in self.sections[self.section_index].items:
            table.add_row(*self._item_cells(item, scenario, lang), key=item.id)
        if self.item_id is not None and self._section_of(self.item_id) == self.section_index:
            table.move_cursor(row=table.get_row_index(self.item_id), animate=False)

    def _title_width(self) -> int:
        # Fixed, not auto: an auto width would be re-measured on every section change.
        width = self.size.width or 120
        return max(14, width - SIDE_PANELS[width < NARROW_BELOW] - ITEM_COLUMNS_EXTRA)

    def on_resize(self) -> None:
        self.set_class((self.size.width or 120) < NARROW_BELOW, "narrow")
        if self.view is not None:
            self._columns_lang = None  # rebuild the columns for the new width
            self._render_items()

    def _item_cells(self, item: Item, scenario: Any, lang: Any) -> list[Any]:
        applies = item.applies_to(scenario)
        answer = self.answers.get(item.id)
        glyph = result_glyph(answer.result if answer else None)
        if self.pending.get(item.id):
            glyph = RichText("…", style="dim")
        title = RichText(item.title(lang))
        if not applies:
            title.stylize("dim strike")
            glyph = RichText("○", style="dim")
        elif self._proposal(item.id)[0] and not (answer and answer.result):
            title.append(" ?", style="bold cyan")
        gate = RichText("⛔" if item.gate else "", style="red")
        return [glyph, title, str(item.weight), gate]

    def _refresh_item_row(self, item_id: str) -> None:
        if self.view is None or self._section_of(item_id) != self.section_index:
            return
        table = self.query_one("#items", DataTable)
        item = self.view.checklists.item(item_id)
        if item is None:
            return
        cells = self._item_cells(item, self.view.scenario, self.app.lang)
        for key, cell in zip(("glyph", "title", "weight", "gate"), cells, strict=True):
            table.update_cell(item_id, key, cell)

    def _render_detail(self) -> None:
        if self.view is None or self.item_id is None:
            return
        item = self.view.checklists.item(self.item_id)
        if item is None:
            return
        lang = self.app.lang
        answer = self.answers.get(item.id)
        applies = item.applies_to(self.view.scenario)
        meta = [f"{item.id}", f"{self.t('weight')} {item.weight}"]
        if item.gate:
            meta.append(f"[red]⛔ {self.t('gate')}[/red]")
        if not applies:
            meta.append(f"[dim]{self.t('not applicable to this scenario')}[/dim]")
        self.query_one("#d-about", Static).update(
            f"[b]{escape(item.title(lang))}[/b]\n"
            + "  ·  ".join(meta)
            + f"\n\n[b]{self.t('How to verify')}[/b]\n{escape(item.guidance(lang))}"
            + f"\n\n[b]{self.t('Evidence expected')}[/b]\n{escape(item.evidence(lang))}"
        )
        self._render_value_input(item, answer)
        proposal = self.query_one("#d-proposal", Static)
        proposed, reason = self._proposal(item.id)
        if proposed:
            text = (
                f"[b]{self.t('Rule proposes')}[/b]: "
                f"{result_glyph(proposed).markup} "
                f"{result_name(proposed, lang)} — {escape(reason)}"
                + ("   [dim](y)[/dim]" if not (answer and answer.result) else "")
            )
            if answer and answer.proposed_result and answer.proposed_result != proposed:
                # The vendor's facts changed after this item was answered.
                text += (
                    "\n[yellow]"
                    + self.t(
                        "Facts changed since this answer (the rule then proposed {was}).",
                        was=result_name(answer.proposed_result, lang),
                    )
                    + "[/yellow]"
                )
            proposal.update(text)
        else:
            proposal.update("")
        result = answer.result if answer else None
        line = (
            f"[b]{self.t('Result')}[/b]: {result_glyph(result).markup} {result_name(result, lang)}"
        )
        if answer and answer.overridden:
            line += f"  [yellow]({self.t('overridden')})[/yellow]"
        if answer and answer.result:
            line += f"  [dim]{escape(answer.answered_by)}[/dim]"
        self.query_one("#d-result", Static).update(line)
        note = answer.note if answer and answer.note else ""
        self.query_one("#d-note", Static).update(
            f"[b]{self.t('Note')}[/b] [dim](m)[/dim]: {escape(note)}"
        )
        self.query_one("#d-evidence-label", Static).update(
            f"[b]{self.t('Evidence')}[/b] "
            f"[dim](v {self.t('Add file')} · l {self.t('Add URL')})[/dim]"
        )
        listing = self.query_one("#evidence", OptionList)
        listing.clear_options()
        rows = self.evidence.get(item.id, [])
        for ev in rows:
            listing.add_option(Option(_evidence_label(ev, self.today), id=str(ev.id)))
        if not rows:
            listing.add_option(
                Option(RichText(self.t("no evidence yet"), style="dim"), disabled=True)
            )
        self._render_follow_ups(item.id)

    @property
    def today(self) -> dt.date:
        service = self.app.service
        return (service.today if service is not None else None) or dt.date.today()

    def _render_follow_ups(self, item_id: str) -> None:
        """The item's follow-ups: open ones first (overdue in red), then those done; Enter on
        one marks it done, or open again."""
        self.query_one("#d-follow-ups", Static).update(
            f"[b]{self.t('Follow-ups')}[/b] [dim](F {self.t('New follow-up')} · Enter "
            f"{self.t('done')} / {self.t('reopen')})[/dim]"
        )
        listing = self.query_one("#follow-ups", OptionList)
        listing.clear_options()
        rows = sorted(self.follow_ups.get(item_id, []), key=lambda f: (f.done, f.due_on, f.id))
        today = self.today
        for follow_up in rows:
            if follow_up.done:
                style, mark, when = "dim", "✔", self.t("done")
            elif follow_up.due_on < today:
                style, mark, when = "red", "!", self.t("overdue")
            else:
                style, mark, when = "", "○", ""
            label = RichText.assemble(
                (f"{mark} {follow_up.due_on.isoformat()} ", style),
                (follow_up.what, style),
                (f" · {follow_up.owed_by}", "dim"),
                (f"  {when}" if when else "", style),
            )
            listing.add_option(Option(label, id=str(follow_up.id)))
        if not rows:
            listing.add_option(
                Option(RichText(self.t("no follow-ups"), style="dim"), disabled=True)
            )

    @on(OptionList.OptionSelected, "#follow-ups")
    def _follow_up_selected(self, event: OptionList.OptionSelected) -> None:
        item_id = self.item_id
        if item_id is None or event.option.id is None:
            return
        chosen = next(
            (f for f in self.follow_ups.get(item_id, []) if str(f.id) == event.option.id), None
        )
        if chosen is None:
            return
        service = self.service
        follow_up_id, done, version = chosen.id, not chosen.done, chosen.version
        self.app.writer.submit(
            lambda: service.set_follow_up_done(follow_up_id, done, expected_version=version),  # type: ignore[arg-type]
            self,
            tag=f"follow_up_state:{item_id}",
        )

    def _render_value_input(self, item: Item, answer: Answer | None) -> None:
        from vaudit.audits.values import InputKind

        lang = self.app.lang
        box = self.query_one("#value", Input)
        label = self.t("Value")
        if item.unit:
            label += f" ({item.unit(lang)})"
        self.query_one("#d-value-label", Static).update(f"[b]{label}[/b] [dim](e)[/dim]")
        box.display = item.input is not InputKind.NONE
        stored = answer.value if answer and answer.value is not None else ""
        if box.value != stored and not box.has_focus:
            box.value = stored
        placeholder = {
            InputKind.DATE: "YYYY-MM-DD",
            InputKind.NUMBER: self.t("a number"),
            InputKind.YESNO: self.t("yes or no"),
        }.get(item.input, self.t("Enter a value and press Enter"))
        box.suggester = None
        hint = ""
        if item.input is InputKind.CHOICE:
            names = [f"{c.value}" for c in item.choices]
            placeholder = self.t("a choice below (→ completes)")
            hint = self.t(
                "one of: {choices}",
                choices=" · ".join(f"{c.value} ({c.label(lang)})" for c in item.choices),
            )
            box.suggester = SuggestFromList(names, case_sensitive=False)
        elif item.input is InputKind.YESNO:
            box.suggester = SuggestFromList(["yes", "no"], case_sensitive=False)
        box.placeholder = placeholder
        self.query_one("#value-hint", Static).update(RichText(hint, style="dim"))

    # ------------------------------------------------------------------ navigation

    def _section_of(self, item_id: str) -> int:
        for index, section in enumerate(self.sections):
            if any(i.id == item_id for i in section.items):
                return index
        return 0

    @on(OptionList.OptionHighlighted, "#sections")
    def _section_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index == self.section_index or not self.sections:
            return
        self.section_index = event.option_index
        self.item_id = self.sections[self.section_index].items[0].id
        self._render_items()
        self._render_detail()

    @on(OptionList.OptionSelected, "#sections")
    def _section_selected(self, _event: OptionList.OptionSelected) -> None:
        self.query_one("#items", DataTable).focus()

    @on(DataTable.RowHighlighted, "#items")
    def _item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        if key and key != self.item_id:
            self.item_id = str(key)
            self._render_detail()

    @on(DataTable.RowSelected, "#items")
    def _item_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit_value()

    def action_section(self, step: int) -> None:
        if not self.sections:
            return
        self.section_index = (self.section_index + step) % len(self.sections)
        self.item_id = self.sections[self.section_index].items[0].id
        self.query_one("#sections", OptionList).highlighted = self.section_index
        self._render_items()
        self._render_detail()

    def _go_to(self, item_id: str) -> None:
        self.item_id = item_id
        section = self._section_of(item_id)
        if section != self.section_index:
            self.section_index = section
            self.query_one("#sections", OptionList).highlighted = section
            self._render_items()
        else:
            table = self.query_one("#items", DataTable)
            table.move_cursor(row=table.get_row_index(item_id), animate=False)
        self._render_detail()

    def _next_unanswered(self, after: str | None) -> str | None:
        if self.view is None:
            return None
        order = [i for s in self.sections for i in s.items]
        start = next((n for n, i in enumerate(order) if i.id == after), -1)
        scenario = self.view.scenario
        for offset in range(1, len(order) + 1):
            item = order[(start + offset) % len(order)]
            answer = self.answers.get(item.id)
            if (
                item.id != after
                and item.applies_to(scenario)
                and not (answer and answer.result)
                and not self.pending.get(item.id)
            ):
                return item.id
        return None

    def action_next_unanswered(self) -> None:
        target = self._next_unanswered(self.item_id)
        if target:
            self._go_to(target)

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#items", DataTable).focus()
            return
        self.app.pop_screen()

    # ------------------------------------------------------------------ writing

    def _current_item(self) -> Item | None:
        if self.view is None or self.item_id is None:
            return None
        return self.view.checklists.item(self.item_id)

    def _refuse_if_locked(self) -> bool:
        if self.read_only:
            assert self.view is not None
            self.notify(
                self.t(
                    "Signed off by {by} on {on}: read only. Press r to start a revision.",
                    by=self.view.audit.signed_off_by,
                    on=f"{self.view.audit.signed_off_at:%Y-%m-%d}",
                ),
                severity="warning",
            )
            return True
        return False

    def _submit_answer(self, item_id: str, **change: Any) -> None:
        """Queue one answer change, built on the version this screen last saw."""
        service, audit_id = self.service, self.audit_id
        versions = self.versions

        def run() -> Any:
            answer = service.record_answer(
                audit_id, item_id, expected_version=versions.get(item_id, 0), **change
            )
            versions[item_id] = answer.version
            return answer

        self.pending[item_id] = self.pending.get(item_id, 0) + 1
        self.app.writer.submit(run, self, tag=f"answer:{item_id}")
        self._refresh_item_row(item_id)

    def action_result(self, result: str | None) -> None:
        item = self._current_item()
        if item is None or self._refuse_if_locked() or self.view is None:
            return
        if not item.applies_to(self.view.scenario):
            self.notify(self.t("not applicable to this scenario"), severity="warning")
            return
        answer = self.answers.get(item.id)
        proposed = self._proposal(item.id)[0]
        if result == "auto" and not proposed:
            self.notify(self.t("Enter a value and press Enter"), severity="warning")
            return
        overrides = result not in (None, "auto") and proposed is not None and result != proposed
        if overrides and not (answer and answer.note):
            self._ask_override_note(item, answer, result)  # type: ignore[arg-type]
            return
        self._submit_answer(item.id, result=result)
        if result is not None:
            target = self._next_unanswered(item.id)
            if target:
                self._go_to(target)

    def _proposal(self, item_id: str) -> tuple[str | None, str]:
        """The rule's proposal for an item and its reason. A rule over the vendor's facts
        proposes from the facts as they are now (what `y` will record); a rule over the value
        proposes what was stored with the answer."""
        lang = self.app.lang
        live = self.view.proposals.get(item_id) if self.view else None
        if live is not None:
            return live.result.value, live.reason(lang)
        answer = self.answers.get(item_id)
        if answer and answer.proposed_result:
            reason = answer.proposal_reason_zh if lang == "zh" else answer.proposal_reason_en
            return answer.proposed_result, reason or ""
        return None, ""

    def _ask_override_note(self, item: Item, answer: Answer | None, result: str) -> None:
        from vaudit.tui.screens.dialogs import TextDialog

        lang = self.app.lang
        proposed, reason = self._proposal(item.id)
        explain = self.t(
            "The rule proposes {proposed}: {reason}. You chose {chosen}; a note must say why.",
            proposed=result_name(proposed, lang),
            reason=reason.rstrip("。."),
            chosen=result_name(result, lang),
        )

        def noted(note: str | None) -> None:
            if note:
                self._submit_answer(item.id, result=result, note=note)
                target = self._next_unanswered(item.id)
                if target:
                    self._go_to(target)

        self.app.push_screen(
            TextDialog(self.t("Why do you override the rule?"), explain, required=True), noted
        )

    def action_edit_value(self) -> None:
        item = self._current_item()
        if item is None or self._refuse_if_locked():
            return
        box = self.query_one("#value", Input)
        if box.display:
            box.focus()

    @on(Input.Changed, "#value")
    def _value_changed(self, event: Input.Changed) -> None:
        from vaudit.audits.values import ValueError_, parse_value

        item = self._current_item()
        hint = self.query_one("#value-hint", Static)
        if item is None or not event.input.has_focus:
            return
        text = event.value.strip()
        if not text:
            hint.update("")
            return
        try:
            parse_value(item, text)
        except ValueError_ as error:
            hint.update(RichText(str(error), style="red"))
            return
        hint.update(RichText(self.t("Press Enter to save; Escape to leave the field."), "dim"))

    @on(Input.Submitted, "#value")
    def _value_submitted(self, event: Input.Submitted) -> None:
        from vaudit.audits.values import ValueError_, parse_value

        item = self._current_item()
        if item is None or self._refuse_if_locked():
            return
        text = event.value.strip()
        if text:
            try:
                parse_value(item, text)
            except ValueError_ as error:
                self.query_one("#value-hint", Static).update(RichText(str(error), style="red"))
                return
        self._submit_answer(item.id, value=text or None)
        self.query_one("#value-hint", Static).update("")
        self.query_one("#items", DataTable).focus()

    def action_note(self) -> None:
        from vaudit.tui.screens.dialogs import TextDialog

        item = self._current_item()
        if item is None or self._refuse_if_locked():
            return
        answer = self.answers.get(item.id)

        def noted(note: str | None) -> None:
            if note is not None:
                self._submit_answer(item.id, note=note)

        self.app.push_screen(
            TextDialog(
                self.t("A note for this item"),
                item.title(self.app.lang),
                initial=answer.note if answer and answer.note else "",
            ),
            noted,
        )

    def action_add_file(self) -> None:
        from vaudit.tui.screens.dialogs import TextDialog
        from vaudit.tui.widgets.path_suggester import PathSuggester

        item = self._current_item()
        if item is None or self._refuse_if_locked():
            return
        service, audit_id = self.service, self.audit_id

        def chosen(path: str | None) -> None:
            if path:
                from pathlib import Path

                self.app.writer.submit(
                    lambda: service.add_evidence_file(audit_id, item.id, Path(path)),
                    self,
                    tag=f"evidence:{item.id}",
                )

        self.app.push_screen(
            TextDialog(
                self.t("Evidence file path"),
                item.evidence(self.app.lang),
                suggester=PathSuggester(),
                required=True,
            ),
            chosen,
        )

    def action_add_url(self) -> None:
        from vaudit.tui.screens.dialogs import TextDialog

        item = self._current_item()
        if item is None or self._refuse_if_locked():
            return
        service, audit_id = self.service, self.audit_id

        def chosen(url: str | None) -> None:
            if url:
                self.app.writer.submit(
                    lambda: service.add_evidence_url(audit_id, item.id, url),
                    self,
                    tag=f"evidence:{item.id}",
                )

        self.app.push_screen(TextDialog(self.t("Evidence URL"), "https://…", required=True), chosen)

    def action_follow_up(self) -> None:
        """A follow-up on the item under the cursor; allowed after sign-off too (it records
        the vendor's promise, not a change to what was signed)."""
        from vaudit.tui.screens.dialogs import FollowUpDialog

        item = self._current_item()
        if item is None or self.view is None:
            return
        service, audit_id = self.service, self.audit_id

        def chosen(given: tuple[str, str, dt.date] | None) -> None:
            if given:
                what, owed_by, due = given
                self.app.writer.submit(
                    lambda: service.add_follow_up(audit_id, item.id, what, owed_by, due),
                    self,
                    tag=f"follow_up:{item.id}",
                )

        self.app.push_screen(
            FollowUpDialog(
                item.title(self.app.lang),
                self.view.vendor.contact_name or "",
                self.today + dt.timedelta(days=FOLLOW_UP_DAYS),
            ),
            chosen,
        )

    @on(OptionList.OptionSelected, "#evidence")
    def _evidence_selected(self, event: OptionList.OptionSelected) -> None:
        from vaudit.tui.screens.dialogs import EvidenceDialog

        item_id = self.item_id
        if item_id is None or event.option.id is None:
            return
        chosen = next(
            (e for e in self.evidence.get(item_id, []) if str(e.id) == event.option.id), None
        )
        if chosen is None:
            return

        def closed(asked: str | None) -> None:
            if asked == "expiry" and chosen is not None:
                self._ask_expiry(chosen)

        self.app.push_screen(EvidenceDialog(chosen, can_edit=not self.read_only), closed)

    def _ask_expiry(self, evidence: Evidence) -> None:
        from vaudit.tui.screens.dialogs import TextDialog, parse_day

        service = self.service
        evidence_id = evidence.id

        def problem(text: str) -> str | None:
            if text and parse_day(text) is None:
                return self.t("Not a date: use YYYY-MM-DD.")
            return None

        def chosen(text: str | None) -> None:
            if text is None:
                return
            day = parse_day(text) if text else None
            self.app.writer.submit(
                lambda: service.set_evidence_expiry(evidence_id, day),  # type: ignore[arg-type]
                self,
                tag=f"expiry:{evidence.item_id}",
            )

        self.app.push_screen(
            TextDialog(
                self.t("Expiry date of this evidence (YYYY-MM-DD; empty clears it)"),
                evidence.name,
                initial=evidence.expires_on.isoformat() if evidence.expires_on else "",
                check=problem,
            ),
            chosen,
        )

    def action_sign_off(self) -> None:
        from vaudit.tui.screens.dialogs import SignOffDialog

        if self.view is None or self._refuse_if_locked():
            return
        lang = self.app.lang
        unanswered = [i.title(lang) for i in self.view.checklists.items() if self._open(i)]
        service, audit_id = self.service, self.audit_id

        def signed(by: str | None) -> None:
            if by:
                self.app.writer.submit(lambda: service.sign_off(audit_id, by), self, tag="status")

        self.app.push_screen(
            SignOffDialog(unanswered[:UNANSWERED_SHOWN], len(unanswered), self.app.actor), signed
        )

    def _open(self, item: Item) -> bool:
        assert self.view is not None
        answer = self.answers.get(item.id)
        return item.applies_to(self.view.scenario) and not (answer and answer.result)

    def action_export(self) -> None:
        if self.view is None:
            return
        from vaudit.tui.screens.export import ExportDialog

        self.app.push_screen(ExportDialog([self.audit_id]))

    def action_channel_test(self) -> None:
        """Plan and run a channel test; its proposals show here on return (the events it
        writes change the audit's stamp, so the screen reloads)."""
        if self.view is None:
            return
        from vaudit.tui.screens.channel import ChannelScreen

        view = self.view
        self.app.push_screen(
            ChannelScreen(
                self.audit_id,
                f"{view.vendor.name} · {view.selection.name}",
                read_only=self.read_only,
            )
        )

    def action_revise(self) -> None:
        if self.view is None:
            return
        if not self.read_only:
            self.notify(
                self.t("Revise") + ": " + status_name("signed_off", self.app.lang),
                severity="warning",
            )
            return
        service, audit_id = self.service, self.audit_id
        self.app.writer.submit(lambda: service.revise(audit_id), self, tag="revise")

    def on_write_done(self, message: WriteDone) -> None:
        tag: str = message.tag
        if tag.startswith("answer:"):
            item_id = tag.split(":", 1)[1]
            self.pending[item_id] -= 1
            self.answers[item_id] = message.result
            self._rescore()
            self._refresh_item_row(item_id)
            if item_id == self.item_id:
                self._render_detail()
            started = message.started
            self.app.timings.append(("record_write", message.ran))
            self.call_after_refresh(
                lambda: self.app.timings.append(("record", time.perf_counter() - started))
            )
        elif tag.startswith("evidence:"):
            evidence = message.result
            self.evidence.setdefault(evidence.item_id, []).append(evidence)
            if evidence.item_id == self.item_id:
                self._render_detail()
            self.notify(f"{self.t('Saved')}: {evidence.name}")
        elif tag.startswith("follow_up:"):
            follow_up = message.result
            self.follow_ups.setdefault(follow_up.item_id, []).append(follow_up)
            if follow_up.item_id == self.item_id:
                self._render_detail()
            self.notify(f"{self.t('Saved')}: {follow_up.what}")
        elif tag.startswith("follow_up_state:"):
            changed = message.result
            rows = self.follow_ups.get(changed.item_id, [])
            self.follow_ups[changed.item_id] = [changed if f.id == changed.id else f for f in rows]
            if changed.item_id == self.item_id:
                self._render_detail()
            state = self.t("done") if changed.done else self.t("reopen")
            self.notify(f"{self.t('Saved')}: {changed.what} ({state})")
        elif tag.startswith("expiry:"):
            changed = message.result
            rows = self.evidence.get(changed.item_id, [])
            self.evidence[changed.item_id] = [changed if e.id == changed.id else e for e in rows]
            if changed.item_id == self.item_id:
                self._render_detail()
            self.notify(f"{self.t('Saved')}: {changed.name}")
        elif tag == "revise":
            self.switch_to(message.result.id, opened_at=time.perf_counter())
        elif tag == "status" and self.app.service is not None:
            self._load(self.app.service, external=False)

    def on_write_failed(self, message: WriteFailed) -> None:
        from vaudit.audits.service import StaleWrite

        tag: str = message.tag
        if tag.startswith("answer:"):
            item_id = tag.split(":", 1)[1]
            self.pending[item_id] -= 1
            self._refresh_item_row(item_id)
        if isinstance(message.error, StaleWrite):
            from vaudit.tui.screens.dialogs import StaleDialog

            self.app.push_screen(StaleDialog(message.error))
            self.action_reload()
            return
        self.notify(str(message.error), title=self.t("Not saved"), severity="error", timeout=10)

    def _rescore(self) -> None:
        from vaudit.audits.rules import Result
        from vaudit.audits.scoring import score

        assert self.view is not None
        results = {k: Result(a.result) if a.result else None for k, a in self.answers.items()}
        self.score = score(self.view.checklists, self.view.scenario, results)
        self._render_header()
        self._render_sections()


def _older(view: AuditView, answers: dict[str, Answer]) -> bool:
    """True when the view misses an answer version this screen already has."""
    return any(
        key not in view.answers or view.answers[key].version < answer.version
        for key, answer in answers.items()
    )


def _versions(answers: Any) -> dict[str, int]:
    return {k: a.version for k, a in answers.items()}


def _evidence_ids(evidence: Any) -> set[int]:
    return {e.id for rows in evidence.values() for e in rows}


def _follow_up_versions(follow_ups: Any) -> dict[int, int]:
    return {f.id: f.version for rows in follow_ups.values() for f in rows}


def _evidence_label(ev: Evidence, today: dt.date) -> RichText:
    if ev.kind == "file":
        size = f"{ev.size} B" if (ev.size or 0) < 1024 else f"{(ev.size or 0) / 1024:.0f} KB"
        label = RichText.assemble("📄 ", ev.name, (f"  {size}  {(ev.sha256 or '')[:12]}…", "dim"))
    elif ev.kind == "url":
        label = RichText.assemble("🔗 ", (ev.url or ev.name, "underline"))
    else:
        label = RichText.assemble("✎ ", ev.note or ev.name)
    if ev.expires_on is not None:
        label.append(f"  ⏳ {ev.expires_on.isoformat()}", "red" if ev.expires_on < today else "")
    return label
