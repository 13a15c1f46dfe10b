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
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Static

from vaudit.tui.screens.dialogs import Dialog
from vaudit.tui.widgets.path_suggester import PathSuggester

if TYPE_CHECKING:
    from vaudit.audits.report import Written

FORMAT_LABELS = (
    ("toml", "TOML: the record"),
    ("html", "HTML: a page to read or print"),
    ("docx", "Word"),
    ("md", "Markdown"),
)


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
            yield Label(self.t("Formats (written side by side)"))
            with Horizontal(id="formats"):
                for fmt, label in FORMAT_LABELS:
                    # A comparison is a TOML record or its Markdown; the rest are per audit.
                    yield Checkbox(
                        self.t(label),
                        value=fmt == "toml",
                        id=fmt,
                        disabled=self.compare and fmt in ("html", "docx"),
                    )
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

    def _formats(self) -> list[str]:
        return [fmt for fmt, _ in FORMAT_LABELS if self.query_one(f"#{fmt}", Checkbox).value]

    @on(Checkbox.Changed, "#formats Checkbox")
    def _format_changed(self) -> None:
        # One format chosen: keep the file name's suffix in step with it. Several: the files
        # share the name's stem, whatever its suffix.
        chosen = self._formats()
        if len(chosen) != 1:
            return
        path = self.query_one("#path", Input)
        for fmt, _ in FORMAT_LABELS:
            if path.value.endswith(f".{fmt}"):
                path.value = path.value[: -len(fmt)] + chosen[0]
                break

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
        formats = self._formats()
        if not formats:
            outcome.update(RichText(self.t("Choose at least one format."), style="red"))
            return
        if self.compare and len(formats) > 1:
            outcome.update(RichText(self.t("A comparison is written in one format."), style="red"))
            return
        fmt = ",".join(formats)
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
        except FileExists as exc:
            # The app's own words: its Overwrite box, not the command line's --force.
            message = self.t(
                "{path} exists; tick “Overwrite existing files” to replace it.", path=exc.path
            )
            self.app.call_from_thread(self._failed, message)
            return
        except (ReportError, AuditError, OSError) as exc:
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
            lines.extend(f"  {path}" for path in done.files or (done.path,))
            if done.file_sha256:
                lines.append(f"    {self.t('record file SHA-256 (sha256sum)')} {done.file_sha256}")
            lines.append(f"    {self.t('content digest')} {done.digest}")
        self.query_one("#outcome", Static).update(RichText("\n".join(lines), style="green"))
        button = self.query_one("#cancel", Button)
        button.label = self.t("Close")
        button.focus()
        self.result = [str(path) for done in written for path in done.files or (done.path,)]

    @on(Button.Pressed, "#cancel")
    def _close(self) -> None:
        self.dismiss(getattr(self, "result", None))

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(getattr(self, "result", None))
