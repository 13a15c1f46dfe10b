"""The audit on screen, read only: its header, sections, items and the chosen item's detail,
kept in step with the database, and the keys that move around it. AuditScreen (audit.py) adds
the keys that change the audit.

The panels draw themselves (tui/widgets); the audit as known here, and whether a view read
from the database should replace it, is kept by AuditSync (tui/sync.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, OptionList

from vaudit.tui.messages import ServiceReady
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.sync import AuditSync, Outcome
from vaudit.tui.widgets.audit_header import AuditHeader, ReadOnlyBanner
from vaudit.tui.widgets.item_detail import ItemDetail
from vaudit.tui.widgets.item_table import NARROW_BELOW, ItemTable
from vaudit.tui.widgets.section_list import SectionList

if TYPE_CHECKING:
    from vaudit.audits.checklist import Item
    from vaudit.audits.models import Answer, Evidence
    from vaudit.audits.service import AuditView, Service

POLL_SECONDS = 2.0  # how often the screen looks for changes made elsewhere


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


class AuditBrowser(AppScreen):
    """One audit on screen; the app keeps a single one and refills it (see switch_to)."""

    def __init__(self, audit_id: int, opened_at: float | None = None) -> None:
        super().__init__()
        self.audit_id = audit_id
        self.opened_at = opened_at  # when the audit was asked for (timed for the bench)
        self.sync = AuditSync()
        self.section_index = 0
        self.item_id: str | None = None
        self._footer_read_only: bool | None = None

    def switch_to(self, audit_id: int, opened_at: float | None = None) -> None:
        """Show another audit in this same screen (building a screen costs more than filling
        one, so the app keeps a single audit screen and refills it)."""
        self.audit_id = audit_id
        self.opened_at = opened_at
        self.sync.reset()
        self.section_index = 0
        self.item_id = None
        if self.is_mounted:
            self.query_one("#audit-body").loading = True
            if self.app.service is not None:
                self._load(self.app.service, external=False)

    # What tests and the bench read of the audit on screen.
    @property
    def view(self) -> AuditView | None:
        return self.sync.view

    @property
    def answers(self) -> dict[str, Answer]:
        return self.sync.answers

    @property
    def evidence(self) -> dict[str, list[Evidence]]:
        return self.sync.evidence

    @property
    def read_only(self) -> bool:
        return self.sync.read_only

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield AuditHeader(id="audit-header")
        yield ReadOnlyBanner(id="readonly-banner")
        with Horizontal(id="audit-body"):
            yield SectionList(id="sections")
            yield ItemTable(id="items")
            yield ItemDetail(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ReadOnlyBanner).display = False
        self.query_one("#audit-body").loading = True
        if self.app.service is not None:
            self._load(self.app.service, external=False)
        self.set_interval(POLL_SECONDS, self._poll)

    @property
    def items(self) -> ItemTable:
        return self.query_one(ItemTable)

    @property
    def detail(self) -> ItemDetail:
        return self.query_one(ItemDetail)

    # ------------------------------------------------------------------ keeping in step

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
        if self.sync.stale(stamp):
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
        first = self.view is None
        outcome = self.sync.receive(
            message.view,
            message.stamp,
            external=message.external,
            writes_pending=not self.app.writer.idle,
        )
        if outcome is Outcome.LOOK_AGAIN:
            self.action_reload()
        if outcome not in (Outcome.SHOW, Outcome.SHOW_CHANGED):
            return
        self.query_one("#audit-body").loading = False
        if first:
            self.item_id = self.sync.first_item_id()
            self.section_index = self.sync.section_of(self.item_id)
        self._render_all()
        if first:
            self.items.focus()
        if outcome is Outcome.SHOW_CHANGED:
            self.notify(self.t("The audit changed elsewhere; reloaded."), severity="warning")
        if self.opened_at is not None:
            opened_at, self.opened_at = self.opened_at, None
            self.app.time_until_drawn("open_audit", opened_at, self)

    # ------------------------------------------------------------------ drawing

    def apply_language(self) -> None:
        if self.view is not None:
            self._render_all()

    def _render_all(self) -> None:
        self._render_header()
        self._render_sections()
        self._render_items()
        self._render_detail()

    def _render_header(self) -> None:
        view, score = self.sync.view, self.sync.score
        if view is None or score is None:
            return
        self.query_one(AuditHeader).show(view, score)
        self.query_one(ReadOnlyBanner).show(view.audit)
        if self._footer_read_only != self.read_only:
            # The footer lists the edit keys only while editing is possible; rebuilding it
            # costs a few widgets, so only when that changes (not on every answer).
            self._footer_read_only = self.read_only
            self.detail.set_read_only(self.read_only)
            self.refresh_bindings()

    def _render_sections(self) -> None:
        if self.sync.score is not None:
            sections = self.query_one(SectionList)
            sections.show(self.sync.sections, self.sync.score, self.section_index)

    def _render_items(self) -> None:
        if self.view is not None and self.sync.score is not None:
            self.items.show(self.sync, self.sync.sections[self.section_index], self.item_id)

    def _render_detail(self) -> None:
        item = self._current_item()
        if item is not None:
            self.detail.show(self.sync, item, self.today)

    def _refresh_item_row(self, item_id: str) -> None:
        item = self.sync.item(item_id)
        if item is not None and self.sync.section_of(item_id) == self.section_index:
            self.items.show_row(self.sync, item)

    def on_resize(self) -> None:
        self.set_class((self.size.width or 120) < NARROW_BELOW, "narrow")
        if self.view is not None:
            self.items.forget_columns()  # rebuild the columns for the new width
            self._render_items()

    @property
    def today(self) -> dt.date:
        service = self.app.service
        return (service.today if service is not None else None) or dt.date.today()

    # ------------------------------------------------------------------ navigation

    @on(OptionList.OptionHighlighted, "#sections")
    def _section_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index == self.section_index or not self.sync.sections:
            return
        self.section_index = event.option_index
        self.item_id = self.sync.sections[self.section_index].items[0].id
        self._render_items()
        self._render_detail()

    @on(OptionList.OptionSelected, "#sections")
    def _section_selected(self, _event: OptionList.OptionSelected) -> None:
        self.items.focus()

    @on(DataTable.RowHighlighted, "#items")
    def _item_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        if key and key != self.item_id:
            self.item_id = str(key)
            self._render_detail()

    def action_section(self, step: int) -> None:
        sections = self.sync.sections
        if not sections:
            return
        self.section_index = (self.section_index + step) % len(sections)
        self.item_id = sections[self.section_index].items[0].id
        self.query_one(SectionList).point_at(self.section_index)
        self._render_items()
        self._render_detail()

    def _go_to(self, item_id: str) -> None:
        self.item_id = item_id
        section = self.sync.section_of(item_id)
        if section != self.section_index:
            self.section_index = section
            self.query_one(SectionList).point_at(section)
            self._render_items()
        else:
            self.items.point_at(item_id)
        self._render_detail()

    def go_to_next_unanswered(self, after: str | None) -> None:
        target = self.sync.next_unanswered(after)
        if target:
            self._go_to(target)

    def action_next_unanswered(self) -> None:
        self.go_to_next_unanswered(self.item_id)

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.items.focus()
            return
        self.app.pop_screen()

    def _current_item(self) -> Item | None:
        return self.sync.item(self.item_id) if self.item_id is not None else None
