"""What every vaudit screen shares: its words in the app's language, the service, and key
descriptions translated when it is mounted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.screen import Screen

from vaudit.tui.labels import tr, translate_bindings

if TYPE_CHECKING:
    from vaudit.audits.service import Service
    from vaudit.tui.app import VauditApp


class _InVauditApp(Protocol):
    @property
    def app(self) -> VauditApp: ...


class Speaks(Protocol):
    """Anything that says a label in the app's language (a screen or widget with Words)."""

    def t(self, text: str, /, **values: object) -> str: ...


class Words:
    """The app's labels in its current language (see tui/labels.py). Mixed into screens and
    widgets before their Textual base class; each such class declares `app: VauditApp` (its
    Textual `app` is always this app), which also types its own uses of `self.app`."""

    def t(self: _InVauditApp, text: str, /, **values: object) -> str:
        return tr(text, self.app.lang, **values)


class AppScreen(Words, Screen[None]):
    app: VauditApp

    @property
    def service(self) -> Service:
        assert self.app.service is not None
        return self.app.service

    def on_mount(self) -> None:
        # Textual runs this after the subclass's own on_mount handler.
        translate_bindings(self, self.app.lang)
        self.refresh_bindings()
