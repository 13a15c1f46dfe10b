"""Compare 2–6 audits: sections (expandable to items) by vendor; move candidates on from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from vaudit.audits.present import points, visible
from vaudit.audits.rows import row_id
from vaudit.audits.scoring import Verdict, cached_reasons, reasons_summary
from vaudit.tui.messages import StageMoved
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.widgets.format import result_glyph, stage_name, verdict_text
from vaudit.tui.writer import WriteFailed

if TYPE_CHECKING:
    from vaudit.audits.service import AuditView

RESULT_RANK = {"pass": 3, "partial": 2, "fail": 1}
LABEL_WIDTH = 34


class CompareLoaded(Message):
    def __init__(self, views: list[AuditView], stages: dict[int, str]) -> None:
        super().__init__()
        self.views = views
        self.stages = stages


@dataclass(frozen=True)
class Row:
    key: str
    label: RichText
    cells: list[RichText]
    comparable: tuple[Any, ...]  # what decides "same in every column"


class CompareScreen(AppScreen):
    BINDINGS = [
        Binding("enter", "expand", "Expand", show=False),  # on the hint line; the table owns Enter
        Binding("d", "differences", "Differences only"),
        Binding("E", "export", "Export"),
        # Shown on the line above the footer, with what they do.
        Binding("t", "stage('technical_test')", "To technical test", show=False),
        Binding("g", "stage('negotiation')", "To negotiation", show=False),
        Binding("i", "stage('finalist')", "To finalist", show=False),
        Binding("x", "reject", "Reject", show=False),
        Binding("f5", "reload", "Refresh", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, audit_ids: list[int]) -> None:
        super().__init__()
        self.audit_ids = audit_ids
        self.views: list[AuditView] = []
        self.stages: dict[int, str] = {}
        self.expanded: set[str] = set()
        self.differences_only = False

    def compose(self) -> ComposeResult:
        yield Static(id="compare-title")
        table: DataTable[Any] = DataTable(id="grid", cursor_type="cell")
        yield table
        yield Static(id="compare-help")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#grid").loading = True
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True)
    def _load(self) -> None:
        service = self.app.service
        assert service is not None
        views = [service.view(audit_id) for audit_id in self.audit_ids]
        stages: dict[int, str] = {}
        by_selection: dict[int, dict[int, str]] = {}
        for view in views:
            selection_id = row_id(view.selection)
            if selection_id not in by_selection:
                by_selection[selection_id] = {
                    row_id(vendor): candidate.stage
                    for candidate, vendor in service.candidates(selection_id)
                }
            stages[row_id(view.audit)] = by_selection[selection_id].get(row_id(view.vendor), "")
        self.post_message(CompareLoaded(views, stages))

    def on_compare_loaded(self, message: CompareLoaded) -> None:
        first = not self.views
        self.views, self.stages = message.views, message.stages
        self.query_one("#grid").loading = False
        self._draw()
        if first:
            table = self.query_one("#grid", DataTable)
            table.focus()
            table.move_cursor(column=1)

    def apply_language(self) -> None:
        if self.views:
            self._draw()

    # ------------------------------------------------------------------ rows

    def _rows(self) -> list[Row]:
        lang = self.app.lang
        views = self.views
        rows: list[Row] = []
        totals = [v.score.total for v in views]
        rows.append(
            Row(
                "total",
                RichText(self.t("Total"), style="bold"),
                [_best(points(x), x, totals) for x in totals],
                tuple(round(x, 1) for x in totals),
            )
        )
        rows.append(
            Row(
                "verdict",
                RichText(self.t("Verdict"), style="bold"),
                [verdict_text(v.score.verdict.value, lang) for v in views],
                tuple(v.score.verdict for v in views),
            )
        )
        rows.append(
            Row(
                "stage",
                RichText(self.t("Stage"), style="bold"),
                [RichText(stage_name(self.stages.get(row_id(v.audit)), lang)) for v in views],
                tuple(self.stages.get(row_id(v.audit)) for v in views),
            )
        )
        rows.append(
            Row(
                "gates",
                RichText(self.t("Failed gates"), style="bold"),
                [
                    RichText(str(len(v.score.failed_gates)), style="bold red")
                    if v.score.failed_gates
                    else RichText("0", style="green")
                    for v in views
                ],
                tuple(len(v.score.failed_gates) for v in views),
            )
        )
        rows.append(
            Row(
                "why",
                RichText(self.t("Why this verdict"), style="bold"),
                [
                    RichText(reasons_summary(cached_reasons(v.score), lang) or "—", style="red")
                    for v in views
                ],
                tuple(len(v.score.critical_findings) + len(v.score.failed_gates) for v in views),
            )
        )
        for checklist in views[0].checklists.checklists:
            sections = [v.score.section(checklist.id) for v in views]
            values = [s.score if s and s.score is not None else None for s in sections]
            numbers = [x for x in values if x is not None]
            marker = "▾ " if checklist.id in self.expanded else "▸ "
            cells = []
            for section, value in zip(sections, values, strict=True):
                if value is None or section is None:
                    cells.append(RichText("–", style="dim"))
                    continue
                cell = _best(points(value), value, numbers)
                if section.failed_gates:
                    cell.stylize("bold red")
                if section.answered < section.applicable:
                    cell.append(f" {section.answered}/{section.applicable}", style="dim")
                cells.append(cell)
            rows.append(
                Row(
                    f"section:{checklist.id}",
                    RichText(marker + checklist.title(lang), style="bold"),
                    cells,
                    tuple(None if x is None else round(x, 1) for x in values),
                )
            )
            if checklist.id not in self.expanded:
                continue
            for item in checklist.items:
                results = [_item_result(v, item.id) for v in views]
                ranks = [RESULT_RANK.get(r or "", 0) for r in results]
                top = max(ranks)
                cells = []
                for view, result, rank in zip(views, results, ranks, strict=True):
                    cell = result_glyph(result)
                    if result and rank == top and top > 0 and len(set(ranks)) > 1:
                        cell.stylize("bold reverse")
                    if item.gate and result == "fail":
                        cell = RichText("✘ ⛔", style="bold white on red")
                    elif item.critical and result in ("fail", "partial"):
                        cell = RichText(f"{cell.plain} ❗", style="bold red")
                    if not item.applies_to(view.scenario):
                        cell = RichText("○", style="dim")
                    cells.append(cell)
                rows.append(
                    Row(
                        f"item:{item.id}",
                        RichText("    " + item.title(lang)),
                        cells,
                        tuple(results),
                    )
                )
        return rows

    def _draw(self) -> None:
        table = self.query_one("#grid", DataTable)
        where = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column("", width=LABEL_WIDTH, key="label")
        # Vendor columns share the width the labels leave (2 cells of padding each).
        spare = (self.size.width or 120) - LABEL_WIDTH - 2 * (len(self.views) + 1) - 2
        width = max(12, min(40, spare // max(1, len(self.views))))
        for view in self.views:
            table.add_column(
                RichText(visible(view.vendor.name), style="bold"),
                width=width,
                key=str(view.audit.id),
            )
        for row in self._rows():
            section_row = row.key.startswith("section:") or row.key in ("total", "verdict")
            if self.differences_only and not section_row and len(set(row.comparable)) <= 1:
                continue
            table.add_row(row.label, *row.cells, key=row.key)
        if table.row_count:
            table.move_cursor(
                row=min(where.row, table.row_count - 1),
                column=min(where.column, len(self.views)),
                animate=False,
            )
        title = RichText.assemble(
            (self.t("Compare"), "bold"), f"  ·  {self.t('{n} audits', n=len(self.views))}"
        )
        if self.differences_only:
            title.append(f"  ·  {self.t('Differences only')}", style="yellow")
        self.query_one("#compare-title", Static).update(title)
        self.query_one("#compare-help", Static).update(
            RichText(
                "←/→: "
                + self.t("Vendor")
                + " · Enter: "
                + self.t("Expand")
                + " · d: "
                + self.t("Differences only")
                + " · t/g/i/x: "
                + " / ".join(
                    self.t(x)
                    for x in ("To technical test", "To negotiation", "To finalist", "Reject")
                ),
                style="dim",
            )
        )

    # ------------------------------------------------------------------ actions

    def action_expand(self) -> None:
        table = self.query_one("#grid", DataTable)
        if table.row_count == 0:
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        if key.startswith("section:"):
            section = key.split(":", 1)[1]
            self.expanded ^= {section}
            self._draw()

    @on(DataTable.CellSelected, "#grid")
    def _cell_selected(self, _event: DataTable.CellSelected) -> None:
        self.action_expand()

    def action_export(self) -> None:
        from vaudit.tui.screens.export import ExportDialog

        self.app.push_screen(ExportDialog(list(self.audit_ids), compare=True))

    def action_differences(self) -> None:
        self.differences_only = not self.differences_only
        self._draw()

    def _cursor_view(self) -> AuditView | None:
        column = self.query_one("#grid", DataTable).cursor_column
        if column < 1 or column > len(self.views):
            self.notify(self.t("Vendor") + ": ←/→", severity="warning")
            return None
        return self.views[column - 1]

    def action_stage(self, stage: str) -> None:
        from vaudit.tui.screens.dialogs import ConfirmDialog

        view = self._cursor_view()
        if view is None:
            return
        if view.score.verdict is Verdict.DISQUALIFIED and stage != "screening":
            self._override(view, stage)
            return
        if self.stages.get(row_id(view.audit)) != "rejected":
            self._move(view, stage, None)
            return

        # Bringing back a rejected vendor is rare and easy to do by mistake: ask first.
        def decided(yes: bool | None) -> None:
            if yes:
                self._move(view, stage, None)

        lang = self.app.lang
        self.app.push_screen(
            ConfirmDialog(
                self.t("Bring back a rejected vendor?"),
                f"{view.vendor.name}: {stage_name('rejected', lang)} → {stage_name(stage, lang)}",
                stage_name(stage, lang),
                self.t("Cancel"),
            ),
            decided,
        )

    def _override(self, view: AuditView, stage: str) -> None:
        """A disqualified vendor goes past screening only with a note saying why (recorded)."""
        from vaudit.tui.screens.dialogs import TextDialog

        def note_given(note: str | None) -> None:
            if note:
                self._move(view, stage, None, override=note)

        gates = ", ".join(view.score.failed_gates)
        self.app.push_screen(
            TextDialog(
                self.t("Override: why move a disqualified vendor on?"),
                f"{view.vendor.name} ({gates})",
                required=True,
            ),
            note_given,
        )

    def action_reject(self) -> None:
        from vaudit.tui.screens.dialogs import TextDialog

        view = self._cursor_view()
        if view is None:
            return

        def reason_given(reason: str | None) -> None:
            if reason:
                self._move(view, "rejected", reason)

        self.app.push_screen(
            TextDialog(self.t("Reason for rejecting"), view.vendor.name, required=True),
            reason_given,
        )

    def _move(
        self, view: AuditView, stage: str, reason: str | None, override: str | None = None
    ) -> None:
        service = self.app.service
        assert service is not None
        selection_id, vendor_id = row_id(view.selection), row_id(view.vendor)
        vendor_name = view.vendor.name
        self.app.writer.submit(
            lambda: service.move_stage(selection_id, vendor_id, stage, reason, override),
            self,
            done=lambda _: StageMoved(vendor_name, stage),
        )

    def on_stage_moved(self, message: StageMoved) -> None:
        stage = stage_name(message.stage, self.app.lang)
        self.notify(self.t("Moved {vendor} to {stage}.", vendor=message.vendor_name, stage=stage))
        self.reload()

    def on_write_failed(self, message: WriteFailed) -> None:
        self.notify(str(message.error), title=self.t("Not saved"), severity="error", timeout=10)

    def action_back(self) -> None:
        self.app.pop_screen()


def _item_result(view: AuditView, item_id: str) -> str | None:
    answer = view.answers.get(item_id)
    return answer.result if answer else None


def _best(text: str, value: float, values: list[float]) -> RichText:
    """Bold green where this column holds the row's best value (and the values differ)."""
    cell = RichText(text)
    if values and value == max(values) and min(values) != max(values):
        cell.stylize("bold green")
    return cell
