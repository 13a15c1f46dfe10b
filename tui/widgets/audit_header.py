"""The audit screen's top lines: who and what is audited, with its score; and the banner a
signed-off audit shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.widgets import Static

from vaudit.audits.present import percent, points, visible
from vaudit.tui.screens.base import Speaks, Words
from vaudit.tui.widgets.format import status_name, verdict_text

if TYPE_CHECKING:
    from vaudit.audits.models import Audit
    from vaudit.audits.scoring import AuditScore
    from vaudit.audits.service import AuditView
    from vaudit.audits.text import Lang
    from vaudit.tui.app import VauditApp


class AuditHeader(Words, Static):
    app: VauditApp

    def show(self, view: AuditView, score: AuditScore) -> None:
        lang = self.app.lang
        status = status_name(view.audit.status, lang)
        if view.audit.revision > 1:
            status += f" r{view.audit.revision}"
        self.update(
            RichText.assemble(
                (visible(view.vendor.name), "bold"),
                "  ·  ",
                visible(view.selection.name),
                "  ·  ",
                f"{self.t('Audit')} #{view.audit.id} {status}",
                "  ·  ",
                f"{self.t('Total')} ",
                (points(score.total), "bold"),
                "  ",
                verdict_text(score.verdict.value, lang),
                "  ·  ",
                f"{self.t('Completion')} {score.answered}/{score.applicable} "
                f"({percent(score.completion)})",
                "\n",
                (f"{self.t('Why')}: ", "bold"),
                *_reason_parts(score, lang),
            )
        )


# How each kind of reason reads: what disqualifies or caps stands out.
REASON_STYLES = {
    "failed_gate": "bold red",
    "critical_failed": "red",
    "critical_open": "yellow",
    "below_threshold": "yellow",
}


def _reason_parts(score: AuditScore, lang: Lang) -> list[str | tuple[str, str]]:
    parts: list[str | tuple[str, str]] = []
    for n, reason in enumerate(score.verdict_reasons):
        if n:
            parts.append("  ·  ")
        parts.append((reason.line(lang), REASON_STYLES.get(reason.kind.value, "")))
    return parts


class ReadOnlyBanner(Words, Static):
    """Shown only while the audit is signed off."""

    app: VauditApp

    def show(self, audit: Audit) -> None:
        self.display = audit.status == "signed_off"
        if self.display:
            self.update(read_only_note(self, audit))


def read_only_note(words: Speaks, audit: Audit) -> str:
    signed = audit.signed_off_at
    return words.t(
        "Signed off by {by} on {on}: read only. Press r to start a revision.",
        by=audit.signed_off_by,
        on=f"{signed:%Y-%m-%d}" if signed else "",
    )
