"""Names people read for the stages of a selection and the statuses of an audit.

Kept apart from vaudit.audits.models so that screens can name them without importing SQLModel.
"""

from __future__ import annotations

from vaudit.audits.text import Text

STAGE_LABELS: dict[str, Text] = {
    "screening": Text("初筛", "screening"),
    "technical_test": Text("技术测试", "technical test"),
    "negotiation": Text("商务谈判", "negotiation"),
    "finalist": Text("入围", "finalist"),
    "rejected": Text("淘汰", "rejected"),
}

STATUS_LABELS: dict[str, Text] = {
    "draft": Text("草稿", "draft"),
    "in_review": Text("复核中", "in review"),
    "signed_off": Text("已签字", "signed off"),
}
