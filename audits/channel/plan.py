"""A channel-test plan: test cards × message kinds × repetitions in one time slot, with the
sending limits and how long to wait for delivery reports and handset receipts.

Every message carries a short token, unique in its run, so that a receipt forwarded from a
phone (which knows nothing of vendor ids) is matched to the message that caused it.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.segments import Segments, count
from vaudit.audits.text import Text

# The content a channel test covers (codes, notices, links, marketing) plus a long text, each a
# realistic template. {token} is the run's mark; {code} a random verification code. The
# 【signature】 is prepended.
KINDS: dict[str, tuple[Text, str]] = {
    "verification": (
        Text("验证码", "verification code"),
        "您的验证码为{code}，5分钟内有效，请勿告诉他人。编号{token}",
    ),
    "notification": (
        Text("通知", "notification"),
        "您的订单已发货，预计明天送达，请保持电话畅通。编号{token}",
    ),
    "link": (
        Text("含链接", "with a link"),
        "您的电子账单已生成，查看详情 https://t.example.com/{token}",
    ),
    "marketing": (
        Text("营销", "marketing wording"),
        "会员日全场满300减50，限时三天，先到先得！编号{token} 拒收请回复R",
    ),
    "long": (
        Text("长短信", "long text"),
        "尊敬的客户：您申请的服务已受理，工作人员将在三个工作日内与您联系核实资料，"
        "请留意来电并准备好身份证件原件。如需改约，请在营业时间内致电客服热线。"
        "本短信无需回复，感谢您的支持。编号{token}",
    ),
}
TIME_SLOTS: dict[str, Text] = {
    "weekday_peak": Text("工作日晚高峰", "weekday evening peak"),
    "off_peak": Text("非高峰", "off-peak"),
    "holiday": Text("节假日", "holiday"),
}
TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen by hand
TOKEN_LENGTH = 6
MAX_MESSAGES = 10_000
LIMITS = {  # name: (lowest, highest) accepted
    "repetitions": (1, 100),
    "rate_per_second": (0.01, 5_000),
    "concurrency": (1, 512),
    "dlr_timeout_s": (0.05, 72 * 3600),  # a DLR may come up to 72 h late (Huawei Cloud SMS API)
    "handset_timeout_s": (0.05, 72 * 3600),
}


@dataclass(frozen=True)
class PlanCard:
    id: int
    number: str
    carrier: str
    mvno: bool
    ported: bool


@dataclass(frozen=True)
class Plan:
    cards: tuple[PlanCard, ...]
    kinds: tuple[str, ...] = ("verification", "notification", "link", "marketing", "long")
    repetitions: int = 1
    time_slot: str = "off_peak"
    rate_per_second: float = 1.0
    concurrency: int = 4
    dlr_timeout_s: float = 300.0
    handset_timeout_s: float = 300.0
    signature: str = "示例测试"
    seed: int | None = None  # tokens and codes repeat for a given seed (tests, the demo)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.cards:
            raise ChannelError("the plan has no test cards")
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown or not self.kinds:
            raise ChannelError(
                f"unknown message kind {', '.join(unknown) or '(none)'}; "
                f"choose from {', '.join(KINDS)}"
            )
        if self.time_slot not in TIME_SLOTS:
            raise ChannelError(
                f"unknown time slot {self.time_slot!r}; one of {', '.join(TIME_SLOTS)}"
            )
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ChannelError(f"{name.replace('_', '-')} must be between {low} and {high}")
        if self.size > MAX_MESSAGES:
            raise ChannelError(f"the plan makes {self.size} messages; at most {MAX_MESSAGES}")
        signature = self.signature.strip()
        if not 2 <= len(signature) <= 12 or any(ch in signature for ch in "【】[]"):
            raise ChannelError("the signature must be 2 to 12 characters, without brackets")

    @property
    def size(self) -> int:
        return len(self.cards) * len(self.kinds) * self.repetitions

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        data = json.loads(text)
        data["cards"] = tuple(PlanCard(**c) for c in data["cards"])
        data["kinds"] = tuple(data["kinds"])
        return cls(**data)


@dataclass(frozen=True)
class PlannedMessage:
    token: str
    card: PlanCard
    kind: str
    text: str
    length: Segments


def _token(rng: random.Random | None) -> str:
    pick = rng.choice if rng is not None else secrets.choice
    return "".join(pick(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def messages(plan: Plan) -> list[PlannedMessage]:
    """Every message of the plan, cards interleaved so no card gets a burst in a row."""
    rng = random.Random(plan.seed) if plan.seed is not None else None
    draw = rng.randrange if rng is not None else secrets.randbelow
    tokens: set[str] = set()
    out = []
    for repetition in range(plan.repetitions):
        for kind in plan.kinds:
            for card in plan.cards:
                token = _token(rng)
                while token in tokens:
                    token = _token(rng)
                tokens.add(token)
                code = f"{draw(1_000_000):06d}"
                body = KINDS[kind][1].format(token=token, code=code)
                text = f"【{plan.signature.strip()}】{body}"
                out.append(PlannedMessage(token, card, kind, text, count(text)))
        del repetition
    return out


def plan_for(
    cards: Sequence[Any],
    *,
    kinds: Sequence[str] | None = None,
    **settings: Any,
) -> Plan:
    """A plan over TestCard rows (or anything with their attributes)."""
    plan_cards = tuple(
        PlanCard(id=c.id, number=c.number, carrier=c.carrier, mvno=c.mvno, ported=c.ported)
        for c in cards
    )
    if kinds is not None:
        settings["kinds"] = tuple(kinds)
    return Plan(cards=plan_cards, **settings)
