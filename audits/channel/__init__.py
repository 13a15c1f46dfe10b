"""Channel testing: send through a vendor's HTTP API, collect delivery reports and handset
receipts, and measure what really arrived.

Never imports textual. Modules are imported where used so `import audits.channel` stays cheap:

  cards      the auditor's test SIMs (validation, allocated carrier, coverage warnings)
  segments   SMS length and billed segments (GSM-7 160/153, UCS-2 70/67)
  plan       cards × message kinds × repetitions, time slot, limits, timeouts
  adapters   one interface per API family: simulator, kannel, generic (TOML profile)
  secrets    credentials from the environment or the OS keyring, and redaction
  httpserve  a small loopback HTTP/1.1 server (h11) shared by the receiver and the simulator
  receiver   the per-run server for DLR callbacks and forwarded handset receipts
  runner     the async sender: rate and concurrency limits, 429, safe retries, cancellation
  store      run storage: plan rows, batched commits while the run goes on
  metrics    rates, latencies and failover figures per run and split by carrier/kind/slot
  simulator  vaudit's own vendor simulator (`vaudit simulate`)
  rules      checklist rules that read the latest run's metrics
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaudit.audits.text import Text

if TYPE_CHECKING:
    from vaudit.audits.db import Store


# The basic carriers a test card may declare, by key; a plan must cover the first three.
CARRIERS: dict[str, Text] = {
    "mobile": Text("中国移动", "China Mobile"),
    "unicom": Text("中国联通", "China Unicom"),
    "telecom": Text("中国电信", "China Telecom"),
    "broadnet": Text("中国广电", "China Broadnet"),
}
MAIN_CARRIERS = ("mobile", "unicom", "telecom")


class ChannelError(Exception):
    """A channel-test mistake the user can fix (bad card, plan, profile, run); one line."""


def run_summary(store: Store, run_id: int) -> dict[str, Any]:
    """A run's plan, counts and metrics as plain data (str/int/float/bool/None/list/dict with
    sorted keys), for reports to embed."""
    from vaudit.audits.channel.metrics import summary_of_run

    return summary_of_run(store, run_id)
