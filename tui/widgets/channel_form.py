"""What the next channel run sends and where: the message kinds, and the form with the plan's
numbers, time slot, signature, the vendor (a simulator URL or a profile file) and the address
the receiver listens on. Credentials are never typed here: a profile names environment
variables, and only those names are shown."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Button, Checkbox, Input, Select, SelectionList, Static

from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.plan import KINDS, TIME_SLOTS
from vaudit.tui.screens.base import Words
from vaudit.tui.widgets.channel_status import Caption

if TYPE_CHECKING:
    from vaudit.audits.channel.adapters import Adapter
    from vaudit.audits.channel.models import TestCard
    from vaudit.audits.channel.plan import Plan
    from vaudit.tui.app import VauditApp

DEFAULT_SIMULATOR = "http://127.0.0.1:8790"
# Where the run's receiver listens for DLR callbacks and forwarded receipts: loopback by
# default; this machine's LAN address so a vendor or the test phones can reach it.
DEFAULT_RECEIVER = "127.0.0.1"

# Number fields: (widget id, English label, value at start).
NUMBER_FIELDS = (
    ("repetitions", "Repetitions", "1"),
    ("rate", "Messages per second", "1"),
    ("concurrency", "Requests at once", "4"),
    ("dlr-timeout", "DLR timeout (s)", "300"),
    ("handset-timeout", "Handset timeout (s)", "300"),
)


class MessageKinds(Words, SelectionList[str]):
    app: VauditApp

    def apply_language(self) -> None:
        """The kinds in the language, keeping which are ticked (all at first)."""
        lang = self.app.lang
        chosen = set(self.selected) if self.option_count else set(KINDS)
        self.clear_options()
        self.add_options([(label(lang), key, key in chosen) for key, (label, _) in KINDS.items()])
        self.border_title = self.t("Message kinds")


class RunForm(Words, Grid):
    app: VauditApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.adapter_line = Static(id="ch-adapter")

    def compose(self) -> ComposeResult:
        for field_id, label, _value in NUMBER_FIELDS:
            yield Caption(label, id=f"lbl-{field_id}")
            yield Input(id=field_id, type="number", compact=True)
        yield Caption("Time slot", id="lbl-slot")
        yield Select[str](
            [(name(self.app.lang), key) for key, name in TIME_SLOTS.items()],
            value="off_peak",
            id="slot",
            allow_blank=False,
            compact=True,
        )
        yield Caption("Signature", id="lbl-signature")
        yield Input("示例测试", id="signature", compact=True)
        yield Caption("Claimed sender", id="lbl-claimed")
        yield Input(id="claimed", compact=True)
        yield Caption("URL or profile file", id="lbl-target")
        yield Input(DEFAULT_SIMULATOR, id="target", compact=True)
        yield Caption("Receiver address", id="lbl-receiver")
        yield Input(DEFAULT_RECEIVER, id="receiver", compact=True)
        yield Caption("Declared fault", id="lbl-fault")
        yield Checkbox(id="fault", compact=True)
        yield Button(id="start", variant="primary", compact=True)
        yield self.adapter_line

    def on_mount(self) -> None:
        for field_id, _label, value in NUMBER_FIELDS:
            self._input(field_id).value = value

    def apply_language(self) -> None:
        """The words that are not captions: options, placeholder and button."""
        slot = self.query_one("#slot", Select)
        current = slot.value if isinstance(slot.value, str) else "off_peak"
        slot.set_options([(name(self.app.lang), key) for key, name in TIME_SLOTS.items()])
        slot.value = current
        self._input("claimed").placeholder = self.t("106 code, optional")
        self.query_one("#fault", Checkbox).label = self.t("during a fault")
        self.query_one("#start", Button).label = self.t("Start (ctrl+r)")

    def _input(self, field_id: str) -> Input:
        return self.query_one(f"#{field_id}", Input)

    def _number(self, field_id: str, whole: bool) -> float:
        label = next(label for key, label, _ in NUMBER_FIELDS if key == field_id)
        raw = self._input(field_id).value.strip()
        try:
            return int(raw) if whole else float(raw)
        except ValueError:
            raise ValueError(self.t("{what} must be a number", what=self.t(label))) from None

    def plan(self, cards: Sequence[TestCard], kinds: Sequence[str]) -> Plan:
        """The plan over these cards and kinds as the form sets it (ChannelError or
        ValueError names what is wrong)."""
        from vaudit.audits.channel.plan import plan_for

        return plan_for(
            cards,
            kinds=kinds,
            repetitions=int(self._number("repetitions", whole=True)),
            time_slot=str(self.query_one("#slot", Select).value),
            rate_per_second=self._number("rate", whole=False),
            concurrency=int(self._number("concurrency", whole=True)),
            dlr_timeout_s=self._number("dlr-timeout", whole=False),
            handset_timeout_s=self._number("handset-timeout", whole=False),
            signature=self._input("signature").value,
        )

    def adapter(self) -> Adapter:
        from vaudit.audits.channel.adapters import SimulatorAdapter, load_adapter, simulator_profile

        target = self._input("target").value.strip()
        if not target:
            raise ChannelError(self.t("give the simulator's URL or the vendor's profile file"))
        if target.startswith(("http://", "https://")):
            return SimulatorAdapter(simulator_profile(target))
        # The profile names the environment variables holding the key; their values are read
        # by the adapter and never pass through this form.
        return load_adapter(Path(target).expanduser())

    def receiver_address(self) -> str:
        """An IP address of this machine to listen on (and to give the vendor and phones)."""
        text = self._input("receiver").value.strip() or DEFAULT_RECEIVER
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise ValueError(
                self.t("receiver: {text} is not an IP address of this machine", text=text)
            ) from None
        if address.is_unspecified:
            raise ValueError(
                self.t("receiver: give the LAN address itself, which the phones will call")
            )
        return str(address)

    def claimed_sender(self) -> str | None:
        return self._input("claimed").value.strip() or None

    def declared_fault(self) -> bool:
        return self.query_one("#fault", Checkbox).value

    def describe_adapter(self, adapter: Adapter) -> None:
        """Which vendor the run sends through, and the variables its key is read from."""
        profile = getattr(adapter, "profile", None)
        names = sorted(getattr(profile, "credential_names", {}).values())
        text = f"{adapter.kind}: {adapter.name}"
        if names:
            text += " · " + self.t("key from") + " " + ", ".join(f"${n}" for n in names)
        self.adapter_line.update(RichText(text, style="dim"))
