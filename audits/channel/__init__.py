"""Channel testing: send through a vendor's HTTP API, collect delivery reports and handset
receipts, and measure what really arrived.

Never imports textual. Modules are imported where used so `import vaudit.audits.channel` stays
cheap; this package itself holds only what they all share (the carriers, ChannelError):

  cards            the auditor's test SIMs (validation, allocated carrier, coverage warnings)
  segments         SMS length and billed segments (GSM-7 160/153, UCS-2 70/67)
  plan             cards × message kinds × repetitions, time slot, limits, timeouts
  adapters         the adapter a profile file asks for (generic, kannel or simulator)
  adapter_base     the adapter interface, its results, and helpers for reading vendor answers
  generic_adapter  an API described by a TOML profile; the simulator's API is one
  kannel_adapter   Kannel's HTTP sendsms interface
  credentials      credentials from the environment or the OS keyring, and redaction
  httpserve        a small loopback HTTP/1.1 server (h11) shared by the receiver and the simulator
  receiver         the per-run server for DLR callbacks and forwarded handset receipts
  runner           the async sender: rate and concurrency limits, 429, safe retries, cancellation
  models           the channel-test tables: cards, runs, messages, reports, receipts
  store            run storage: plan rows, batched commits while the run goes on
  metrics          rates, latencies and failover figures per run and split by carrier/kind/slot
  export           a run as plain data, every message with its reports and receipts
  simulator        vaudit's own vendor simulator (`vaudit simulate`)
  demo             the demo's test cards and one small simulated run

The checklist rules that read a run's metrics are vaudit.audits.rules.channel.
"""

from __future__ import annotations

from vaudit.audits.text import Text

# The carriers a test card may declare, by key. Coverage warnings ask for all four; the
# checklist's carrier item passes on the three basic ones (MAIN_CARRIERS).
CARRIERS: dict[str, Text] = {
    "mobile": Text("中国移动", "China Mobile"),
    "unicom": Text("中国联通", "China Unicom"),
    "telecom": Text("中国电信", "China Telecom"),
    "broadnet": Text("中国广电", "China Broadnet"),
}
MAIN_CARRIERS = ("mobile", "unicom", "telecom")


class ChannelError(Exception):
    """A channel-test mistake the user can fix (bad card, plan, profile, run); one line."""
