"""The vendor form: every vendor fact, checked as it is typed, saved with ctrl+s.

Lists of records (access codes with their details, port changes) are multi-line text areas in
the syntax shown under them; Enter starts a new line there and Tab moves on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, Static, TextArea

from vaudit.audits.vendor_fields import (
    VENDOR_FIELDS,
    FieldError,
    field_text,
    field_warnings,
    parse_vendor_fields,
)
from vaudit.tui.messages import VendorSaved
from vaudit.tui.screens.base import AppScreen
from vaudit.tui.writer import WriteFailed

if TYPE_CHECKING:
    from vaudit.audits.models import Vendor


class VendorLoaded(Message):
    def __init__(self, vendor: Vendor) -> None:
        super().__init__()
        self.vendor = vendor


class VendorFormScreen(AppScreen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, vendor_id: int | None) -> None:
        super().__init__()
        self.vendor_id = vendor_id
        self.version: int | None = None
        self.original: dict[str, str] = {f.name: "" for f in VENDOR_FIELDS}

    def compose(self) -> ComposeResult:
        yield Static(id="form-title")
        with VerticalScroll(id="form"):
            for spec in VENDOR_FIELDS:
                yield Label(id=f"label-{spec.name}", classes="field-label")
                if spec.multiline:
                    yield TextArea(id=f"field-{spec.name}", classes="field records")
                else:
                    yield Input(id=f"field-{spec.name}", classes="field")
                if spec.syntax is not None:
                    yield Static(id=f"syntax-{spec.name}", classes="syntax")
                yield Static(id=f"problem-{spec.name}", classes="problem")
        yield Footer()

    def on_mount(self) -> None:
        self.apply_language()
        if self.vendor_id is not None:
            self.query_one("#form").loading = True
            self._load(self.vendor_id)
        else:
            self.query_one(f"#field-{VENDOR_FIELDS[0].name}", Input).focus()

    @work(thread=True, exclusive=True)
    def _load(self, vendor_id: int) -> None:
        assert self.app.service is not None
        self.post_message(VendorLoaded(self.app.service.vendor(vendor_id)))

    def on_vendor_loaded(self, message: VendorLoaded) -> None:
        vendor = message.vendor
        self.version = vendor.version
        self.original = {f.name: field_text(vendor, f.name) for f in VENDOR_FIELDS}
        for name, text in self.original.items():
            self._set_text(name, text)
        self.query_one("#form").loading = False
        self.query_one(f"#field-{VENDOR_FIELDS[0].name}", Input).focus()
        self.apply_language()

    def apply_language(self) -> None:
        lang = self.app.lang
        title = self.t("Vendor facts")
        if self.vendor_id is not None and self.original.get("name"):
            title += f": {self.original['name']}"
        self.query_one("#form-title", Static).update(RichText(title, style="bold"))
        for spec in VENDOR_FIELDS:
            mark = " *" if spec.required else ""
            self.query_one(f"#label-{spec.name}", Label).update(spec.label(lang) + mark)
            if spec.syntax is not None:
                self.query_one(f"#syntax-{spec.name}", Static).update(
                    RichText(spec.syntax(lang), style="dim")
                )

    def _text(self, name: str) -> str:
        widget = self._field(name)
        return widget.text if isinstance(widget, TextArea) else widget.value

    def _set_text(self, name: str, text: str) -> None:
        widget = self._field(name)
        if isinstance(widget, TextArea):
            widget.load_text(text)
        else:
            widget.value = text

    def _field(self, name: str) -> Input | TextArea:
        """A field's widget: a TextArea for the records fields, an Input for the others."""
        widget = self.query_one(f"#field-{name}")
        assert isinstance(widget, Input | TextArea)
        return widget

    def values(self) -> dict[str, str]:
        return {f.name: self._text(f.name) for f in VENDOR_FIELDS}

    def unsaved_input(self) -> bool:
        """Whether something typed here would be lost if the app quit now."""
        return bool(self.changed())

    def changed(self) -> dict[str, str]:
        return {k: v for k, v in self.values().items() if v.strip() != self.original[k].strip()}

    @on(Input.Changed, ".field")
    def _check_field(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        self._show_problem(name, event.value)

    @on(TextArea.Changed, ".field")
    def _check_records(self, event: TextArea.Changed) -> None:
        name = (event.text_area.id or "").removeprefix("field-")
        self._show_problem(name, event.text_area.text)

    def _show_problem(self, name: str, text: str) -> bool:
        problem = self.query_one(f"#problem-{name}", Static)
        try:
            values = parse_vendor_fields({name: text})
        except FieldError as error:
            problem.update(RichText(error.message, style="red"))
            return False
        # Accepted, but the regulatory checks may still say "look this up".
        warnings = field_warnings(name, values.get(name))
        problem.update(RichText("\n".join(w(self.app.lang) for w in warnings), style="yellow"))
        return True

    @on(Input.Submitted, ".field")
    def _next_field(self, event: Input.Submitted) -> None:
        self.focus_next()

    def action_save(self) -> None:
        assert self.app.service is not None
        fields = self.values() if self.vendor_id is None else self.changed()
        ok = [self._show_problem(name, text) for name, text in self.values().items()]
        if not all(ok):
            self.notify(self.t("Fix the fields marked in red first."), severity="error")
            return
        if not fields:
            self.dismiss_form()
            return
        service, vendor_id, version = self.app.service, self.vendor_id, self.version
        if vendor_id is None:
            job: Any = lambda: service.add_vendor(fields)  # noqa: E731
        else:
            job = lambda: service.edit_vendor(vendor_id, fields, expected_version=version)  # noqa: E731
        self.app.writer.submit(job, self, done=lambda d: VendorSaved(d.result.name))

    def on_vendor_saved(self, message: VendorSaved) -> None:
        self.notify(self.t("Saved vendor {name}.", name=message.name))
        self.dismiss_form()

    def on_write_failed(self, message: WriteFailed) -> None:
        error = message.error
        if isinstance(error, FieldError):
            self.query_one(f"#problem-{error.field}", Static).update(
                RichText(error.message, style="red")
            )
        self.notify(str(error), title=self.t("Not saved"), severity="error", timeout=10)

    def action_cancel(self) -> None:
        if not self.changed():
            self.dismiss_form()
            return
        from vaudit.tui.screens.dialogs import ConfirmDialog

        def decided(discard: bool | None) -> None:
            if discard:
                self.dismiss_form()

        self.app.push_screen(
            ConfirmDialog(
                self.t("Unsaved changes"),
                self.t("Discard the changes to this vendor?"),
                self.t("Discard"),
                self.t("Keep editing"),
            ),
            decided,
        )

    def dismiss_form(self) -> None:
        self.app.pop_screen()
