"""The channel screen's lines of words: captions that follow the app's language, the header,
and the run's status line (live counters while it sends, stored figures after)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual.widgets import Label, Static

from vaudit.tui.screens.base import Words

REASONS_SHOWN = 3  # the gateway's commonest reasons on the status line (all: `channel show`)

if TYPE_CHECKING:
    from vaudit.audits.channel.runner import ChannelRunner
    from vaudit.tui.app import VauditApp


class Caption(Words, Label):
    """A label given in English and shown in the app's language."""

    app: VauditApp

    def __init__(self, english: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.english = english

    def apply_language(self) -> None:
        self.update(self.t(self.english))


class ChannelHeader(Words, Static):
    app: VauditApp

    def __init__(self, audit_id: int, title: str, read_only: bool, *, id: str | None = None):
        super().__init__(id=id)
        self.audit_id = audit_id
        self.title_text = title
        self.read_only = read_only

    def apply_language(self) -> None:
        text = f"[b]{self.t('Channel test')}[/b] · {self.t('audit')} {self.audit_id}"
        if self.title_text:
            text += f" · {self.title_text}"
        if self.read_only:
            text += f" · [yellow]{self.t('signed off: read-only')}[/yellow]"
        self.update(text)


class RunStatus(Words, Static):
    app: VauditApp

    def show(
        self,
        *,
        run_id: int | None,
        summary: dict[str, Any] | None,
        live: ChannelRunner | None,
        notice: str,
        error: str,
        proposing: int | None = None,
    ) -> None:
        """The run's phase and counts: from `live`, the runner while it sends, else from the
        stored summary; where the phones forward to, and a notice, while it runs; any error."""
        counts: dict[str, int] = {}
        phase = ""
        overall = summary["overall"] if summary else None
        if live is not None:
            p = live.progress
            phase = self.t(p.phase)
            counts = {
                "planned": p.planned,
                "sent": p.sent,
                "accepted": p.accepted,
                "DLR delivered": p.dlr_delivered,
                "arrived": p.receipts,
                "pseudo-success": overall["pseudo_success"] if overall else 0,
                "rejected": p.rejected,
                "errors": p.errors,
                "throttled": p.throttled,
                "refused posts": p.bad_posts,
            }
        elif summary is not None and overall is not None:
            phase = self.t(summary["run"]["status"])
            counts = {
                "planned": overall["planned"],
                "sent": overall["sent"],
                "accepted": overall["accepted"],
                "DLR delivered": overall["dlr_delivered"],
                "arrived": overall["arrived"],
                "pseudo-success": overall["pseudo_success"],
                "errors": overall["errors"],
            }
        failed = live is None and summary is not None and summary["run"]["status"] == "failed"
        text = RichText()
        if run_id is not None:
            text.append(f"{self.t('run')} {run_id}: ", style="bold")
        if phase:
            text.append(phase, style="bold red" if failed else "bold")
            text.append(" · ")
        text.append(" · ".join(f"{self.t(name)} {value}" for name, value in counts.items()))
        if not counts:
            text.append(self.t("No run yet: check the plan and press ctrl+r."), style="dim")
        if live is None and summary is not None:
            reasons = summary.get("reasons") or {}
            counted = sorted(
                (
                    (n, reason)
                    for part in ("submit", "reports")
                    for reason, n in (reasons.get(part) or {}).items()
                ),
                key=lambda pair: (-pair[0], pair[1]),
            )
            if counted:
                listed = " · ".join(f"{reason} ×{n}" for n, reason in counted[:REASONS_SHOWN])
                text.append(f"\n{self.t('Gateway reasons')}: {listed}", style="yellow")
        if failed and summary is not None:
            if summary["run"]["failure"] != error:  # else the error line below says it
                text.append(f"\n{summary['run']['failure']}", style="red")
            text.append(f"\n{self.t('A failed run proposes nothing.')}", style="dim")
        if live is None and run_id is not None:
            if proposing == run_id:
                here = self.t("The channel items propose from this run.")
                text.append(f"\n{here}", style="green")
            elif proposing is not None:
                text.append(
                    "\n"
                    + self.t(
                        "The channel items propose from run {n}; u: use this run instead.",
                        n=proposing,
                    ),
                    style="dim",
                )
        if live is not None and live.receipt_url:
            # What the phones' forwarding app posts to (a per-run secret, not a vendor key).
            text.append(f"\n{self.t('Phones forward to')} {live.receipt_url}", style="dim")
        if live is not None and notice:
            text.append(f"\n{notice}", style="yellow")
        if error:
            text.append(f"\nerror: {error}", style="bold red")
        self.update(text)
