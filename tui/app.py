"""The vaudit Textual app: opens on the home screen at once, opens the database in a worker,
and owns what every screen shares (the service, the writer thread, the language)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.screen import Screen

from vaudit.audits.present import visible
from vaudit.audits.text import Lang, default_lang
from vaudit.tui.key_order import KeyOrder
from vaudit.tui.labels import tr, translate_bindings
from vaudit.tui.messages import ChecklistsBroken, ServiceFailed, ServiceReady
from vaudit.tui.settings import Settings, settings_path
from vaudit.tui.writer import Writer

if TYPE_CHECKING:
    from vaudit.audits.service import Service

PROCESS_START = time.perf_counter()
AUDIT_SCREEN = "audit"

Timing = Callable[[str, float], None]  # (what, seconds)


class VauditApp(App[None]):
    # Absolute, so subclasses defined elsewhere (the bench probe) find it too.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "vaudit"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+l", "switch_language", "Language"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    lang: reactive[Lang] = reactive("en", init=False)

    def __init__(
        self,
        *,
        db_target: str,
        actor: str,
        lang: Lang | None = None,
        checklist_dirs: Sequence[Path] = (),
        config_file: Path | None = None,
        today: dt.date | None = None,
        started_at: float | None = None,
    ) -> None:
        super().__init__()
        self.db_target = db_target
        self.actor = actor
        self.checklist_dirs = tuple(checklist_dirs)
        self.today = today
        self.config_file = config_file or settings_path()
        self.settings = Settings.load(self.config_file)
        # An explicit --lang wins over the remembered choice, which wins over the locale.
        self.set_reactive(VauditApp.lang, lang or self.settings.lang or default_lang())
        self.started_at = started_at if started_at is not None else PROCESS_START
        self.service: Service | None = None
        self.service_error: str | None = None
        self.writer = Writer()
        # Opt-in: bench/tui_timings.py sets it to collect start-up and response times.
        self.timing: Timing | None = None
        self.milestones: set[str] = set()  # what start-up has reached: home_shown, home_loaded
        self.key_order = KeyOrder(self, super().on_event)

    async def on_event(self, event: events.Event) -> None:
        # Keys and pastes from the terminal go through KeyOrder, one settled before the next.
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            await self.key_order.receive(event)
        else:
            await super().on_event(event)

    # ------------------------------------------------------------------ start and stop

    def on_mount(self) -> None:
        if self.settings.theme and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.writer.start()
        from vaudit.tui.screens.home import HomeScreen

        translate_bindings(self, self.lang)
        self.push_screen(HomeScreen())
        self._open_service()

    @work(thread=True, exclusive=True, group="open")
    def _open_service(self) -> None:
        # SQLModel and Alembic take ~0.4 s to import: done here, after the first screen shows.
        try:
            from vaudit.audits.checklist import ChecklistError
            from vaudit.audits.db import open_store
            from vaudit.audits.service import Service

            store = open_store(self.db_target)
            service = Service(store, self.actor, self.checklist_dirs, today=self.today)
        except Exception as error:  # shown on screen; the app stays up
            self.post_message(ServiceFailed(str(error)))
            return
        try:
            service.current_checklists()
        except ChecklistError as error:
            # A broken file in the user's checklist folder: the audits still show and open
            # from their own snapshots; only starting a new audit needs the current set.
            self.post_message(ChecklistsBroken(error))
        self.post_message(ServiceReady(service))

    def on_checklists_broken(self, message: ChecklistsBroken) -> None:
        self.notify(
            visible("\n".join(str(p) for p in message.error.problems), lines=True),
            title=tr("Checklist files cannot be used", self.lang),
            severity="error",
            timeout=60,
            markup=False,
        )

    def on_service_ready(self, message: ServiceReady) -> None:
        self.service = message.service
        for screen in self.screen_stack:
            screen.post_message(ServiceReady(message.service))

    def on_service_failed(self, message: ServiceFailed) -> None:
        self.service_error = message.error
        self.notify(
            visible(message.error, lines=True),
            title=tr("Database", self.lang),
            severity="error",
            timeout=30,
            markup=False,
        )
        for screen in self.screen_stack:
            screen.post_message(ServiceFailed(message.error))

    def on_app_focus(self) -> None:
        # Textual sends AppFocus to the app only: pass it on to a screen that shows live data,
        # which may have been changed from another terminal while this one was in the back.
        check = getattr(self.screen, "check_for_changes", None)
        if check is not None:
            check()

    def mark(self, what: str) -> None:
        """A start-up milestone reached; timed from `started_at` when a bench listens."""
        self.milestones.add(what)
        self.report_timing(what, time.perf_counter() - self.started_at)

    def report_timing(self, what: str, seconds: float) -> None:
        if self.timing is not None:
            self.timing(what, seconds)

    def time_until_drawn(self, what: str, started: float, widget: MessagePump) -> None:
        """When a bench listens: report the seconds from `started` until `widget` has handled
        its pending messages and the screen is redrawn."""
        timing = self.timing
        if timing is not None:
            widget.call_after_refresh(lambda: timing(what, time.perf_counter() - started))

    async def action_quit(self) -> None:
        from vaudit.tui.screens.dialogs import QuitDialog

        typed = [s for s in self.screen_stack if getattr(s, "unsaved_input", lambda: False)()]
        if not typed or isinstance(self.screen, QuitDialog):
            self._quit_now()
            return

        def decided(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self._quit_now()

        # Typed text is never dropped silently: ask, and keep editing by default.
        dialog = QuitDialog(
            self.t("Quit without saving?"),
            self.t("What you typed is not saved yet. Quit anyway and lose it?"),
            self.t("Quit and lose it"),
            self.t("Keep editing"),
        )
        self.push_screen(dialog, decided)

    def _quit_now(self) -> None:
        self.writer.stop()
        self.exit()

    def on_unmount(self) -> None:
        # Every queued write is finished before the process ends: nothing typed is lost.
        self.writer.stop()
        if self.service is not None:
            self.service.store.dispose()

    # ------------------------------------------------------------------ language and theme

    def t(self, text: str, /, **values: object) -> str:
        return tr(text, self.lang, **values)

    def action_switch_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def watch_lang(self, lang: Lang) -> None:
        self.settings.lang = lang
        self._save_settings()
        self.apply_language()

    def apply_language(self) -> None:
        translate_bindings(self, self.lang)
        for screen in self.screen_stack:
            translate_bindings(screen, self.lang)
            apply = getattr(screen, "apply_language", None)
            if apply is not None and screen.is_mounted:
                apply()
        self.screen.refresh_bindings()

    def _remember_theme(self, theme: object) -> None:
        self.settings.theme = self.theme
        self._save_settings()

    def _save_settings(self) -> None:
        try:
            self.settings.save(self.config_file)
        except OSError as error:
            self.notify(f"settings not saved: {error}", severity="warning")

    # ------------------------------------------------------------------ shared actions

    def open_audit(self, audit_id: int) -> None:
        """Show an audit: one audit screen is kept and refilled (see AuditScreen.switch_to)."""
        from vaudit.tui.screens.audit import AuditScreen

        opened_at = time.perf_counter()
        if not self.is_screen_installed(AUDIT_SCREEN):
            self.install_screen(AuditScreen(audit_id, opened_at=opened_at), AUDIT_SCREEN)
        else:
            screen = self.get_screen(AUDIT_SCREEN)
            assert isinstance(screen, AuditScreen)
            screen.switch_to(audit_id, opened_at=opened_at)
        self.push_screen(AUDIT_SCREEN)

    def action_help(self) -> None:
        from vaudit.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from vaudit.tui.screens.home import HomeScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            yield SystemCommand(
                self.t("New audit"),
                self.t("Start an audit of a vendor in a selection."),
                home.action_new_audit,
            )
            yield SystemCommand(
                self.t("New vendor"), self.t("Add a vendor and its facts."), home.action_new_vendor
            )
            yield SystemCommand(
                self.t("New selection"),
                self.t("Start a selection round with its scenario."),
                home.action_new_selection,
            )
            yield SystemCommand(
                self.t("Compare"),
                self.t("Compare the marked audits side by side."),
                home.action_compare,
            )
        export = getattr(self.screen, "action_export", None)
        if export is not None:
            yield SystemCommand(
                self.t("Export reports"),
                self.t("Export the marked audits (or the one under the cursor) as scored reports."),
                export,
            )
        channel_test = getattr(self.screen, "action_channel_test", None)
        if channel_test is not None:
            yield SystemCommand(
                self.t("Channel test"),
                self.t("Plan and run a channel test of this audit's vendor, tick receipts."),
                channel_test,
            )
        yield SystemCommand(
            self.t("Switch language"),
            self.t("Switch between Chinese and English; the choice is remembered."),
            self.action_switch_language,
        )
        yield SystemCommand(
            self.t("Switch theme"),
            self.t("Pick a colour theme; the choice is remembered."),
            self.action_change_theme,
        )
        yield SystemCommand(self.t("Help"), self.t("Keys on this screen"), self.action_help)
        yield SystemCommand(self.t("Quit"), "", self.action_quit)


def make_app(
    *,
    db_target: str,
    actor: str,
    lang: Lang | None = None,
    checklist_dirs: Sequence[Path] = (),
    config_file: Path | None = None,
    today: dt.date | None = None,
) -> VauditApp:
    """The one way to build the app, for the command line, the tests and the bench."""
    return VauditApp(
        db_target=db_target,
        actor=actor,
        lang=lang,
        checklist_dirs=checklist_dirs,
        config_file=config_file,
        today=today,
    )
