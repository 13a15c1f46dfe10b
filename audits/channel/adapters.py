"""One interface per vendor API family, and the adapter a profile file asks for.

An adapter turns a planned message into an httpx request, reads the vendor's answer (accepted
or not, the vendor's message id), and reads delivery reports, pushed to the receiver or pulled.

- `generic` (generic_adapter): a TOML profile describes the API (see docs/channel-testing.md).
- `simulator`: the generic adapter with the profile of vaudit's own simulator.
- `kannel` (kannel_adapter): Kannel's HTTP sendsms interface.
- `aliyun` / `tencent` (aliyun_adapter, tencent_adapter): Alibaba Cloud and Tencent Cloud SMS.

The interface itself is in adapter_base; this module re-exports what callers use.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from vaudit.audits import toml_text
from vaudit.audits.channel import ChannelError
from vaudit.audits.channel.adapter_base import (
    Adapter,
    DlrUpdate,
    ReceiptMapping,
    SubmitResult,
    receipt_from,
    short,
    str_map,
)
from vaudit.audits.channel.generic_adapter import (
    GenericAdapter,
    GenericProfile,
    SimulatorAdapter,
    generic_profile,
    simulator_profile,
)
from vaudit.audits.channel.kannel_adapter import KannelAdapter, kannel_adapter
from vaudit.audits.files import InputFileError, read_input


def load_adapter(path: Path) -> Adapter:
    """An adapter from a profile file (`adapter = "generic" | "kannel" | "simulator"`)."""
    try:
        data = toml_text.loads(read_input(path).decode("utf-8"))
    except InputFileError as exc:
        raise ChannelError(f"profile: {exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChannelError(f"{path}: not a valid TOML profile: {exc}") from None
    kind = data.get("adapter", "generic")
    if kind == "kannel":
        return kannel_adapter(data, str(path))
    if kind == "aliyun":
        from vaudit.audits.channel.aliyun_adapter import aliyun_adapter

        return aliyun_adapter(data, str(path))
    if kind == "tencent":
        from vaudit.audits.channel.tencent_adapter import tencent_adapter

        return tencent_adapter(data, str(path))
    if kind == "simulator":
        sim = data.get("simulator", {})
        if "url" not in sim:
            raise ChannelError(f"{path}: missing simulator.url")
        names = str_map(data.get("credentials", {}), f"{path}: credentials")
        profile = simulator_profile(str(sim["url"]), str(sim.get("dlr", "push")), names)
        return SimulatorAdapter(profile)
    if kind == "generic":
        return GenericAdapter(generic_profile(data, str(path)))
    raise ChannelError(
        f"{path}: adapter must be generic, kannel, simulator, aliyun or tencent, not {kind!r}"
    )


__all__ = [
    "Adapter",
    "DlrUpdate",
    "GenericAdapter",
    "GenericProfile",
    "KannelAdapter",
    "ReceiptMapping",
    "SimulatorAdapter",
    "SubmitResult",
    "generic_profile",
    "load_adapter",
    "receipt_from",
    "short",
    "simulator_profile",
]
