"""How the channel commands print a run: the live progress line and the metrics table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaudit.audits.cli.output import echo_table, say
from vaudit.audits.present import seconds

if TYPE_CHECKING:
    from vaudit.audits.channel.runner import Progress


def progress_line(p: Progress) -> str:
    """The live counters: refusals and refused callbacks show as they happen."""
    return (
        f"{p.phase}: sent {p.sent}/{p.planned} · accepted {p.accepted} · "
        f"rejected {p.rejected} · errors {p.errors} · throttled {p.throttled} · "
        f"DLR {p.dlr_final} ({p.dlr_delivered} delivered) · handset {p.receipts} · "
        f"refused posts {p.bad_posts}"
    )


def summary_table(summary: dict[str, Any]) -> None:
    from vaudit.audits.channel.present import METRIC_HEADINGS, metric_rows

    rows = [
        [row.split, row.group, *row.cells, row.stats["segments_billed"]]
        for row in metric_rows(summary)
    ]
    headings = ["split", "group", *METRIC_HEADINGS, "billed"]
    echo_table(headings, rows, right=list(range(2, len(headings))))
    overall = summary["overall"]
    if overall["sender_mismatch"] or overall["text_modified"]:
        say(
            f"sender not the claimed code: {overall['sender_mismatch']} · "
            f"text modified in transit: {overall['text_modified']}"
        )
    reasons = summary.get("reasons") or {}
    for title, key in (("refused or failed at submit", "submit"), ("final reports", "reports")):
        counted = sorted((reasons.get(key) or {}).items(), key=lambda item: (-item[1], item[0]))
        if counted:
            say(f"{title}, by the gateway's reason:")
            for reason, n in counted:
                say(f"  {n:>6}  {reason}")
    if summary.get("failover"):
        f = summary["failover"]
        say(
            f"failover: recovered {'yes' if f['recovered'] else 'no'} · "
            f"time to recover {seconds(f['time_to_recover_s'])} · "
            f"lost {f['messages_lost']} · longest gap {seconds(f['longest_gap_s'])}"
        )
