"""Signs that delivery reports are not what happened, and checks on what arrived.

Fake delivery reports:
- fast_delivered: a DELIVRD report sooner after submission than settings.toml's
  `fake_reports.fast_delivered_s` (default 1 s): too soon for a real handset acknowledgement.
- delivered_never_arrived: DELIVRD, but the handset never got it (the pseudo-successes).
- partial_parts: a long message with final reports for only some of its parts, counted only
  in runs whose gateway reports per part (some long message got a report for every part).

What arrived, for marketing messages with a forwarded text: arrived without the 【signature】
that was sent, without an opt-out instruction (settings.toml's `content.opt_out_phrases`), or
with the text changed. All are counted per split (carrier, kind, time slot) by metrics.stats.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaudit.audits.channel.metrics import Outcome

MARKETING = "marketing"


@dataclass(frozen=True)
class Settings:
    fast_delivered_s: float
    opt_out_phrases: tuple[str, ...]


@functools.cache
def settings() -> Settings:
    text = resources.files("vaudit.audits.channel").joinpath("settings.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return Settings(
        fast_delivered_s=float(data["fake_reports"]["fast_delivered_s"]),
        opt_out_phrases=tuple(str(p) for p in data["content"]["opt_out_phrases"]),
    )


def _squeezed(text: str) -> str:
    return "".join(text.split())


def has_opt_out(text: str, phrases: Sequence[str] | None = None) -> bool:
    squeezed = _squeezed(text)
    return any(_squeezed(p) in squeezed for p in phrases or settings().opt_out_phrases)


def mark(outcomes: Sequence[Outcome], signature: str | None) -> None:
    """Set each outcome's signs (after its reports and receipt are loaded)."""
    limit = settings().fast_delivered_s
    per_part = any(o.segments > 1 and o.final_reports >= o.segments for o in outcomes)
    mark_of_sender = f"【{signature.strip()}】" if signature else None
    for o in outcomes:
        latency = o.dlr_latency()
        o.fast_delivered = o.dlr_delivered and latency is not None and latency < limit
        o.partial_parts = per_part and o.segments > 1 and 0 < o.final_reports < o.segments
        if o.kind != MARKETING or o.receipt_text is None:
            continue
        arrived = o.receipt_text
        if mark_of_sender is not None and mark_of_sender in o.text:
            o.no_signature = mark_of_sender not in arrived
        o.no_opt_out = has_opt_out(o.text) and not has_opt_out(arrived)
        o.marketing_changed = arrived.strip() != o.text


def counts(rows: Iterable[Outcome]) -> dict[str, Any]:
    """The signs, counted: fake_reports feeds the pseudo-success item, content the content one."""
    rows = list(rows)
    pseudo = sum(1 for o in rows if o.dlr_delivered and not o.arrived and o.waited_out)
    return {
        "fake_reports": {
            "fast_delivered": sum(o.fast_delivered for o in rows),
            "fast_delivered_s": settings().fast_delivered_s,
            "delivered_never_arrived": pseudo,
            "partial_parts": sum(o.partial_parts for o in rows),
        },
        "content": {
            "marketing_arrived": sum(
                1 for o in rows if o.kind == MARKETING and o.receipt_text is not None
            ),
            "no_signature": sum(o.no_signature for o in rows),
            "no_opt_out": sum(o.no_opt_out for o in rows),
            "changed": sum(o.marketing_changed for o in rows),
        },
    }
