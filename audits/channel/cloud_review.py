"""Sign and template review status from Alibaba Cloud or Tencent Cloud, recorded as evidence.

The provider's review lists are read once (QuerySmsSignList / QuerySmsTemplateList, or
DescribeSmsSignList / DescribeSmsTemplateList) and written as a note on the matching checklist
item, stamped with the moment they were read: signs on the real-name filing item, templates on
the template pre-review item. The note names the profile and the API call, never a credential.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import httpx

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapter_base import short
from vaudit.audits.channel.cloud_adapter import CloudAdapter, ReviewEntry

# The checklist items the review lists are evidence for.
SIGN_ITEM = "legal_compliance.review.signature_filed"
TEMPLATE_ITEM = "legal_compliance.review.template_prereview"
CALLS = {
    "aliyun": ("QuerySmsSignList", "QuerySmsTemplateList"),
    "tencent": ("DescribeSmsSignList", "DescribeSmsTemplateList"),
}


async def fetch_review(adapter: CloudAdapter) -> list[ReviewEntry]:
    """The provider's review lists (ChannelError, redacted, when the call fails)."""
    async with httpx.AsyncClient(timeout=adapter.timeout_s, trust_env=False) as client:
        try:
            return await adapter.review(client)
        except (httpx.HTTPError, ValueError) as exc:
            raise ChannelError(adapter.redact(short(f"review lists: {exc}"))) from None


def review_notes(
    adapter: CloudAdapter, entries: Sequence[ReviewEntry], at: dt.datetime
) -> dict[str, str]:
    """The evidence note for each item, by item id (only items the lists say something on)."""
    stamp = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sign_call, template_call = CALLS[adapter.kind]
    notes = {}
    for item, kind, call in (
        (SIGN_ITEM, "sign", sign_call),
        (TEMPLATE_ITEM, "template", template_call),
    ):
        rows = [e for e in entries if e.kind == kind]
        if not rows:
            continue
        lines = [f"{adapter.kind} {call}, read {stamp} (profile {adapter.name}):"]
        for e in rows:
            name = f"【{e.name}】" if kind == "sign" else e.name
            line = f"- {name}: {e.status} ({e.raw_status})"
            if e.created:
                line += f", created {e.created}"
            if e.reason:
                line += f"; {e.reason}"
            lines.append(line)
        counts = {s: sum(e.status == s for e in rows) for s in ("approved", "pending", "rejected")}
        lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
        notes[item] = "\n".join(lines)
    return notes
