"""Export reports from the app: choose format, path and evidence; see progress, where it
wrote and the digest. The work runs in a thread worker; the dialog stays open on an error so
nothing typed is lost and the path can be fixed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    Static,
)

from vaudit.tui.screens.dialogs import Dialog
from vaudit.tui.widgets.path_suggester import PathSuggester

if TYPE_CHECKING:
    from vaudit.audits.report import Written


class ExportDialog(Dialog[list[str]]):
    """Export the given audits, one report each, or (compare=True) one comparison of them."""

    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("ctrl+s", "export", "Export")]

    def __init__(self, audit_ids: list[int], *, compare: bool = False) -> None:
        super().__init__(classes="dialog")
        self.audit_ids = audit_ids
        self.compare = compare
        self.running = False

    def _default_path(self) -> str:
        if self.compare:
            return f"reports/comparison-{dt.date.today().isoformat()}.toml"
        return "reports/"

    def compose(self) -> ComposeResult:
        n = len(self.audit_ids)
        title = (
            self.t("Export a comparison of {n} audits", n=n)
            if self.compare
            else self.t("Export {n} report(s)", n=n)
        )
        with Vertical(classes="dialog-box wide", id="export-box"):
            yield Label(RichText(title, style="bold"))
            yield Label(self.t("Format"))
            with RadioSet(id="format"):
                yield RadioButton(
                    self.t("TOML: the record, with its digest"), value=True, id="toml"
                )
                yield RadioButton(self.t("Markdown: the same content, to read"), id="md")
            yield Label(self.t("File or folder (a trailing / makes a folder)"))
            yield Input(self._default_path(), id="path", suggester=PathSuggester())
            yield Checkbox(
                self.t("Write the evidence files beside the report"),
                id="evidence",
                disabled=self.compare,
            )
            yield Checkbox(self.t("Overwrite existing files"), id="force")
            yield ProgressBar(total=n, id="progress", show_eta=False)
            yield Static(id="outcome", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.t("Export"), variant="primary", id="ok")
                yield Button(self.t("Close"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#path", Input).focus()

    @on(RadioSet.Changed, "#format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        # Keep the file name's suffix in step with the format chosen.
        path = self.query_one("#path", Input)
        fmt = "md" if event.pressed.id == "md" else "toml"
        for old, new in ((".toml", ".md"), (".md", ".toml")):
            if path.value.endswith(old) and not path.value.endswith(f".{fmt}"):
                path.value = path.value[: -len(old)] + new

    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#ok")
    def action_export(self) -> None:
        if self.running:
            return
        raw = self.query_one("#path", Input).value.strip()
        outcome = self.query_one("#outcome", Static)
        if not raw:
            outcome.update(RichText(self.t("Give a file or folder."), style="red"))
            return
        fmt = "md" if self.query_one("#md", RadioButton).value else "toml"
        self.running = True
        self.query_one("#ok", Button).disabled = True
        progress = self.query_one("#progress", ProgressBar)
        progress.update(progress=0)
        progress.display = not self.compare and len(self.audit_ids) > 1
        outcome.update(self.t("Exporting…"))
        self._run(
            raw,
            fmt,
            self.query_one("#evidence", Checkbox).value,
            self.query_one("#force", Checkbox).value,
        )

    @work(thread=True, exclusive=True, group="export")
    def _run(self, raw: str, fmt: str, with_evidence: bool, force: bool) -> None:
        from vaudit.audits.files import FileExists
        from vaudit.audits.report import ReportError, export_audits, export_comparison
        from vaudit.audits.service import AuditError

        service = self.app.service
        assert service is not None
        output = Path(raw).expanduser()
        try:
            if self.compare:
                written = [
                    export_comparison(
                        service, self.audit_ids, output, fmt=fmt, force=force, lang=self.app.lang
                    )
                ]
            else:
                # Passed as text: a trailing / (which Path would drop) means a folder.
                target = str(output) + "/" if raw.endswith("/") else output
                written = export_audits(
                    service,
                    self.audit_ids,
                    target,
                    fmt=fmt,
                    with_evidence=with_evidence,
                    force=force,
                    lang=self.app.lang,
                    progress=lambda n, total, _: self.app.call_from_thread(self._advance, n),
                )
        except (ReportError, FileExists, AuditError, OSError) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._done, written)

    def _advance(self, n: int) -> None:
        self.query_one("#progress", ProgressBar).update(progress=n)

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#ok", Button).disabled = False
        self.query_one("#outcome", Static).update(RichText(message, style="red"))

    def _done(self, written: list[Written]) -> None:
        self.running = False
        self.query_one("#ok", Button).disabled = False  # another format or place, if wanted
        lines = [self.t("Wrote {n} file(s):", n=len(written))]
        for done in written:
            lines.append(f"  {done.path}")
            lines.append(f"    sha256 {done.digest}")
        self.query_one("#outcome", Static).update(RichText("\n".join(lines), style="green"))
        button = self.query_one("#cancel", Button)
        button.label = self.t("Close")
        button.focus()
        self.result = [str(done.path) for done in written]

    @on(Button.Pressed, "#cancel")
    def _close(self) -> None:
        self.dismiss(getattr(self, "result", None))

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(getattr(self, "result", None))
