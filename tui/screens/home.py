"""Home: the selections' funnels, and every vendor and audit in one filterable, sortable table."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Static

from vaudit.audits.present import percent, points
from vaudit.audits.rows import row_id
from vaudit.audits.scoring import reasons_summary
from vaudit.tui.messages import AuditStarted, SelectionAdded, ServiceFailed, ServiceReady
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.widgets.format import shown, stage_name, status_name, verdict_text, when
from vaudit.tui.writer import WriteFailed

if TYPE_CHECKING:
    from vaudit.audits.service import HomeRow, Service

STAGES = ("screening", "technical_test", "negotiation", "finalist", "rejected")
STATUSES = ("draft", "in_review", "signed_off")
# (label, width, sort key) for each column; widths fixed so 3,000 rows are not measured.
COLUMNS: tuple[tuple[str, int, Callable[[HomeRow], Any]], ...] = (
    ("", 1, lambda r: 0),
    ("Vendor", 0, lambda r: r.vendor_name),  # 0: shares the width left over
    ("Selection", 0, lambda r: r.selection_name or ""),
    ("Stage", 14, lambda r: STAGES.index(r.stage) if r.stage in STAGES else 9),
    ("Status", 10, lambda r: STATUSES.index(r.status) if r.status in STATUSES else 9),
    ("Done", 4, lambda r: r.completion if r.completion is not None else -1),
    ("Score", 5, lambda r: r.score if r.score is not None else -1),
    ("Verdict", 15, lambda r: r.verdict or ""),
    # What holds the verdict down: failed gates, critical findings (counts; details on the audit).
    ("Why", 18, lambda r: r.reasons or ""),
    ("Changed", 11, lambda r: r.updated_at.isoformat() if r.updated_at else ""),
    ("Auditor", 8, lambda r: r.auditor or ""),
)
FILTER_DELAY = 0.12  # seconds of quiet typing before the table is filtered again
# DataTable measures every cell it is given, so rows are added a page at a time as the cursor
# nears the end: start-up stays flat however many audits there are.
PAGE = 200
# Young-generation collections after the freeze: one per this many new container objects
# (CPython's default is 700), and a full one only after 20 × 100 of them. Opening an audit
# makes ~100,000 objects; with the default thresholds each open or keystroke set off a full
# collection over everything not frozen (up to 170 ms, measured by bench/tui_timings.py).
GC_THRESHOLDS = (50_000, 20, 100)
WATCH_SHOWN = 5  # lines in the expiring-soon panel; `vaudit watch` lists them all


class HomeLoaded(Message):
    def __init__(
        self,
        rows: list[HomeRow],
        funnels: list[tuple[Any, dict[str, int]]],
        watch: list[Any],
        today: Any,
    ) -> None:
        super().__init__()
        self.rows = rows
        self.funnels = funnels
        self.watch = watch
        self.today = today


class HomeScreen(AppScreen):
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("enter", "open", "Open", show=False),  # the table owns Enter; help lists it
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("E", "export", "Export"),
        Binding("a", "new_audit", "New audit"),
        Binding("v", "new_vendor", "New vendor"),
        Binding("e", "edit_vendor", "Edit vendor", show=False),  # F1 and the README list it
        Binding("n", "new_selection", "New selection"),
        Binding("s", "sort", "Sort", show=False),
        Binding("f5", "reload", "Refresh", show=False),
        Binding("escape", "clear_filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[HomeRow] = []
        self.shown: list[HomeRow] = []
        self.funnel_data: list[tuple[Any, dict[str, int]]] = []
        self.marked: set[int] = set()
        self.sort_column = 1
        self.sort_reverse = False
        self._filter_timer: Any = None
        self._loaded_once = False
        self.loaded = 0  # how many of `shown` are in the table
        self.watch_items: list[Any] = []
        self.watch_today: Any = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="home-top"):
            yield Static(id="funnels")
            yield Static(id="expiring")
        yield Input(id="filter")
        table: DataTable[Any] = DataTable(id="rows", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="home-status")
        yield Footer()

    def on_mount(self) -> None:
        self.apply_language()
        self.query_one("#rows", DataTable).loading = True
        self.call_after_refresh(self.app.mark, "home_shown")
        if self.app.service is not None:
            self.reload()

    # ------------------------------------------------------------------ loading

    def on_service_ready(self, _message: ServiceReady) -> None:
        self.reload()

    def on_service_failed(self, message: ServiceFailed) -> None:
        table = self.query_one("#rows", DataTable)
        table.loading = False
        self.query_one("#home-status", Static).update(RichText(message.error, style="bold red"))

    def on_screen_resume(self) -> None:
        if self._loaded_once:
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.app.service is not None:
            self._load(self.app.service)

    @work(thread=True, exclusive=True, group="home-load")
    def _load(self, service: Service) -> None:
        import datetime as dt

        rows = service.home_rows()
        funnels = service.funnels()
        watch = service.watch()
        self.post_message(HomeLoaded(rows, funnels, watch, service.today or dt.date.today()))
        service.warm()  # after the table is filled: the first audit opened is then quick
        # The warm-up leaves ~250,000 long-lived objects (parsed checklists) behind the freeze
        # done when the rows arrived; a full collection walking them took 170-270 ms in the
        # middle of a keystroke. Freeze them too (a freeze takes everything alive, from any
        # thread).
        gc.freeze()

    def on_home_loaded(self, message: HomeLoaded) -> None:
        self.rows = message.rows
        self.funnel_data = message.funnels
        self.watch_items, self.watch_today = message.watch, message.today
        live = {r.audit_id for r in self.rows if r.audit_id is not None}
        self.marked &= live
        self.query_one("#rows", DataTable).loading = False
        self._render_funnels()
        self._render_watch()
        self._render_rows()
        if not self._loaded_once:
            self._loaded_once = True
            self.query_one("#rows", DataTable).focus()
            self.refresh_bindings()
            self.call_after_refresh(self.app.mark, "home_loaded")
            # Thousands of long-lived rows and ORM objects now exist; a full garbage collection
            # would walk them all in the middle of a keystroke. Move them out of its way, and
            # collect the young generations less often.
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)

    # ------------------------------------------------------------------ rendering

    def apply_language(self) -> None:
        self.query_one("#filter", Input).placeholder = "/ " + self.t(
            "Type to filter by vendor, selection, stage, status or verdict"
        )
        self._render_watch()
        self._build_columns()
        self._render_funnels()
        self._render_rows()

    def _build_columns(self) -> None:
        table = self.query_one("#rows", DataTable)
        table.clear(columns=True)
        # Vendor and selection names take what the fixed columns leave (cell padding: 2 each,
        # scrollbar: 2), so a wider terminal shows longer names.
        fixed = sum(width for _, width, _ in COLUMNS) + 2 * len(COLUMNS) + 2
        spare = max(28, (self.size.width or 120) - fixed)
        flexible = {"Vendor": max(14, spare * 11 // 20), "Selection": max(12, spare * 9 // 20)}
        for label, width, _ in COLUMNS:
            table.add_column(
                self._header(label), width=width or flexible[label], key=label or "mark"
            )
        self._built_for_width = self.size.width

    def on_resize(self) -> None:
        if getattr(self, "_built_for_width", None) != self.size.width:
            self._build_columns()
            self._render_rows()

    def _header(self, label: str) -> RichText:
        text = self.t(label) if label else ""
        index = next(i for i, c in enumerate(COLUMNS) if c[0] == label)
        if index == self.sort_column:
            text += " ▼" if self.sort_reverse else " ▲"
        return RichText(text, style="bold")

    def _render_watch(self) -> None:
        """The expiring-soon panel: the first few of `vaudit watch`, overdue in red."""
        lines = [RichText(self.t("Expiring soon"), style="bold")]
        for item in self.watch_items[:WATCH_SHOWN]:
            overdue = item.overdue(self.watch_today)
            # One line each, cut with an ellipsis: the panel must not grow over the table.
            line = RichText(no_wrap=True, overflow="ellipsis")
            line.append(item.due.isoformat() + " ", style="bold red" if overdue else "bold")
            line.append(item.vendor.removesuffix("（示例）")[:6] + " ", style="cyan")
            line.append(item.what(self.app.lang))
            lines.append(line)
        if len(self.watch_items) > WATCH_SHOWN:
            lines.append(
                RichText(f"+{len(self.watch_items) - WATCH_SHOWN} · vaudit watch", style="dim")
            )
        if len(lines) == 1:
            lines.append(RichText(self.t("nothing due in 90 days"), style="dim"))
        self.query_one("#expiring", Static).update(RichText("\n").join(lines))

    def _render_funnels(self) -> None:
        from vaudit.audits.service.funnel import STEPS, targets_of

        lines = [f"[b]{self.t('Selections')}[/b]"]
        names = {r.vendor_id: r.vendor_name for r in self.rows}
        for selection, counts in self.funnel_data:
            # Reached / target per step of the funnel (30 → 5 → 2 unless the selection says).
            targets = targets_of(selection)
            steps = " → ".join(
                f"{stage_name(step, self.app.lang)} "
                f"{sum(counts.get(st.value, 0) for st in stages)}/{targets[step]}"
                for step, stages in STEPS.items()
            )
            rejected = counts.get("rejected", 0)
            finalists = [
                f"{self.t(label)}: {_escape(names[vendor_id])}"
                for label, vendor_id in (
                    ("Primary", selection.primary_vendor_id),
                    ("Backup", selection.backup_vendor_id),
                )
                if vendor_id in names
            ]
            parts = " · ".join(
                [steps, f"{stage_name('rejected', self.app.lang)} {rejected}", *finalists]
            )
            lines.append(f"[b]{_escape(selection.name)}[/b]  {parts}")
        if len(lines) == 1:
            lines.append(f"[dim]{self.t('New selection')}: n[/dim]")
        self.query_one("#funnels", Static).update("\n".join(lines))

    def _matches(self, row: HomeRow, needle: str) -> bool:
        if not needle:
            return True
        lang = self.app.lang
        haystack = " ".join(
            [
                row.vendor_name,
                row.selection_name or "",
                stage_name(row.stage, lang),
                row.stage or "",
                status_name(row.status, lang),
                row.status or "",
                row.verdict or "",
                verdict_text(row.verdict, lang).plain,
                reasons_summary(row.reasons, lang),
                row.auditor or "",
                f"#{row.audit_id}" if row.audit_id else "",
            ]
        ).lower()
        return all(word in haystack for word in needle.lower().split())

    def _render_rows(self) -> None:
        start = time.perf_counter()
        table = self.query_one("#rows", DataTable)
        current = self._cursor_key()
        needle = self.query_one("#filter", Input).value.strip()
        key = COLUMNS[self.sort_column][2]
        self.shown = sorted(
            (r for r in self.rows if self._matches(r, needle)), key=key, reverse=self.sort_reverse
        )
        table.clear()
        self.loaded = 0
        wanted = 0
        if current is not None:
            wanted = next((n for n, r in enumerate(self.shown) if _key(r) == current), 0)
        self._add_page(upto=wanted + PAGE)
        if current is not None:
            # The row may have been filtered out: then the cursor stays where it is.
            with contextlib.suppress(Exception):
                table.move_cursor(row=table.get_row_index(current), animate=False)
        self._render_status()
        self.app.report_timing("home_render", time.perf_counter() - start)

    def _add_page(self, upto: int | None = None) -> None:
        table = self.query_one("#rows", DataTable)
        lang = self.app.lang
        end = min(len(self.shown), max(upto or 0, self.loaded + PAGE))
        for row in self.shown[self.loaded : end]:
            if row.audit_id is None:
                cells: list[Any] = [
                    "",
                    shown(row.vendor_name),
                    RichText(self.t("no audit yet"), style="dim"),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
                table.add_row(*cells, key=_key(row))
                continue
            mark = "●" if row.audit_id in self.marked else ""
            status = status_name(row.status, lang)
            if row.revision and row.revision > 1:
                status += f" r{row.revision}"
            table.add_row(
                RichText(mark, style="bold cyan"),
                shown(row.vendor_name),
                shown(row.selection_name),
                stage_name(row.stage, lang),
                status,
                percent(row.completion, blank=""),
                points(row.score, blank=""),
                verdict_text(row.verdict, lang),
                RichText(reasons_summary(row.reasons, lang), style="red"),
                when(row.updated_at),
                shown(row.auditor),
                key=_key(row),
            )
        self.loaded = end

    @on(DataTable.RowHighlighted, "#rows")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self.loaded < len(self.shown) and event.cursor_row >= self.loaded - 20:
            self._add_page()

    def _render_status(self) -> None:
        audits = sum(1 for r in self.rows if r.audit_id is not None)
        parts = [self.t("{n} of {total} rows", n=len(self.shown), total=len(self.rows))]
        parts.append(self.t("{n} audits", n=audits))
        if self.marked:
            parts.append(self.t("{n} marked", n=len(self.marked)))
        parts.append(self.t("Mark 2 to 6 audits with space, then press c to compare."))
        self.query_one("#home-status", Static).update("  ·  ".join(parts))

    def _cursor_key(self) -> str | None:
        table = self.query_one("#rows", DataTable)
        if table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:
            return None

    def _cursor_row(self) -> HomeRow | None:
        table = self.query_one("#rows", DataTable)
        if not self.shown or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # ------------------------------------------------------------------ filter and sort

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        self.query_one("#rows", DataTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, _event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, self._render_rows)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, _event: Input.Submitted) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._render_rows()
        self.query_one("#rows", DataTable).focus()

    def action_sort(self) -> None:
        self.sort_column = self.sort_column % (len(COLUMNS) - 1) + 1
        self.sort_reverse = False
        self._build_columns()
        self._render_rows()

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.column_index == 0:
            return
        if self.sort_column == event.column_index:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = event.column_index, False
        self._build_columns()
        self._render_rows()

    # ------------------------------------------------------------------ actions

    @on(DataTable.RowSelected, "#rows")
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self._cursor_row()
        if row is None or self.app.service is None:
            return
        if row.audit_id is None:
            self._open_vendor(row.vendor_id)
            return
        self.app.open_audit(row.audit_id)

    def action_mark(self) -> None:
        row = self._cursor_row()
        if row is None:
            return
        if row.audit_id is None:
            self.notify(self.t("This row has no audit yet: press a to start one."))
            return
        self.marked ^= {row.audit_id}
        table = self.query_one("#rows", DataTable)
        mark = "●" if row.audit_id in self.marked else ""
        table.update_cell(f"a{row.audit_id}", "mark", RichText(mark, style="bold cyan"))
        self._render_status()
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_compare(self) -> None:
        if self.app.service is None:
            return
        ids = sorted(self.marked)
        if not 2 <= len(ids) <= 6:
            self.notify(self.t("Select 2 to 6 audits to compare."), severity="warning")
            return
        from vaudit.tui.screens.compare import CompareScreen

        self.app.push_screen(CompareScreen(ids))

    def action_export(self) -> None:
        """Export the marked audits, or the one under the cursor."""
        if self.app.service is None:
            return
        ids = sorted(self.marked)
        if not ids:
            row = self._cursor_row()
            if row is None or row.audit_id is None:
                self.notify(self.t("Mark audits with Space, or put the cursor on one."))
                return
            ids = [row.audit_id]
        from vaudit.tui.screens.export import ExportDialog

        self.app.push_screen(ExportDialog(ids))

    def action_new_vendor(self) -> None:
        self._open_vendor(None)

    def action_edit_vendor(self) -> None:
        row = self._cursor_row()
        if row is not None:
            self._open_vendor(row.vendor_id)

    def _open_vendor(self, vendor_id: int | None) -> None:
        if self.app.service is None:
            return
        from vaudit.tui.screens.vendor_form import VendorFormScreen

        self.app.push_screen(VendorFormScreen(vendor_id))

    def action_new_selection(self) -> None:
        if self.app.service is None:
            return
        from vaudit.tui.screens.dialogs import NewSelectionDialog

        def created(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            service = self.service
            self.app.writer.submit(
                lambda: service.add_selection(**result), self, done=lambda _: SelectionAdded()
            )

        self.app.push_screen(NewSelectionDialog(), created)

    def action_new_audit(self) -> None:
        if self.app.service is None:
            return
        from vaudit.tui.screens.dialogs import NewAuditDialog

        row = self._cursor_row()
        vendors = sorted({(r.vendor_id, r.vendor_name) for r in self.rows}, key=lambda v: v[1])
        selections = [(s.id, s.name) for s, _ in self.funnel_data]
        if not vendors or not selections:
            missing = "New vendor: v" if not vendors else "New selection: n"
            self.notify(self.t(missing), severity="warning")
            return

        def start(vendor_id: int, selection_id: int) -> None:
            service = self.service
            self.app.writer.submit(
                lambda: service.start_audit(vendor_id, selection_id),
                self,
                done=lambda d: AuditStarted(row_id(d.result)),
            )

        def chosen(choice: tuple[int, int] | None) -> None:
            if choice is None:
                return
            vendor_id, selection_id = choice
            existing = next(
                (
                    r
                    for r in self.rows
                    if (r.vendor_id, r.selection_id) == choice and r.audit_id is not None
                ),
                None,
            )
            if existing is None:
                start(vendor_id, selection_id)
                return
            # A second audit of the same pair is rare on purpose: ask before starting one.
            from vaudit.tui.screens.dialogs import ConfirmDialog

            self.app.push_screen(
                ConfirmDialog(
                    self.t("Start another audit?"),
                    self.t(
                        "{vendor} already has audit #{audit} ({status}) in {selection}.",
                        vendor=existing.vendor_name,
                        audit=existing.audit_id,
                        status=status_name(existing.status, self.app.lang),
                        selection=existing.selection_name,
                    ),
                    self.t("Start another"),
                    self.t("Cancel"),
                ),
                lambda yes: start(vendor_id, selection_id) if yes else None,
            )

        self.app.push_screen(
            NewAuditDialog(
                vendors,
                selections,
                vendor_id=row.vendor_id if row else None,
                selection_id=row.selection_id if row else None,
            ),
            chosen,
        )

    def on_audit_started(self, message: AuditStarted) -> None:
        self.app.open_audit(message.audit_id)

    def on_selection_added(self, message: SelectionAdded) -> None:
        self.reload()

    def on_write_failed(self, message: WriteFailed) -> None:
        self.notify(str(message.error), title=self.t("Not saved"), severity="error", timeout=10)


def _key(row: HomeRow) -> str:
    return f"a{row.audit_id}" if row.audit_id is not None else f"v{row.vendor_id}"


def _escape(text: str) -> str:
    return text.replace("[", r"\[")
