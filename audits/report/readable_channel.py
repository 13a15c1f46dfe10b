"""The channel test of a readable report as tables: overall, per carrier, per message kind,
per time slot, latency percentiles and pseudo-success; never the stored data as it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vaudit.audits.channel.plan import KINDS, TIME_SLOTS
from vaudit.audits.present import DASH, percent, seconds
from vaudit.audits.report.document import Block, Heading, Paragraph, Table
from vaudit.audits.report.words import word
from vaudit.audits.text import Lang, Text
from vaudit.audits.vendor_records import CARRIERS

PERCENTILES = ("p50", "p90", "p95", "p99")
_RATES = (
    ("accepted", "acceptance_rate"),
    ("dlr_ok", "dlr_delivered_rate"),
    ("arrived", "arrival_rate"),
    ("pseudo_rate", "pseudo_success_rate"),
    ("no_final", "dlr_without_final_rate"),
)


def _rate(value: Any) -> str:
    return percent(value, decimals=1) if isinstance(value, int | float) else DASH


def _count(value: Any) -> str:
    return str(value) if isinstance(value, int) else DASH


def _group_label(split: str, key: str, lang: Lang) -> str:
    if split == "by_carrier":
        return CARRIERS[key](lang) if key in CARRIERS else key
    if split == "by_kind":
        return KINDS[key][0](lang) if key in KINDS else key
    return TIME_SLOTS[key](lang) if key in TIME_SLOTS else key


def _figures_table(groups: list[tuple[str, Mapping[str, Any]]], lang: Lang) -> Table:
    headers = (word("group", lang), word("sent", lang), *(word(k, lang) for k, _ in _RATES))
    rows = tuple(
        (name, _count(stats.get("sent")), *(_rate(stats.get(key)) for _, key in _RATES))
        for name, stats in groups
    )
    return Table(headers, rows)


def _latency_table(groups: list[tuple[str, Mapping[str, Any]]], lang: Lang) -> Table:
    headers = (
        word("group", lang),
        word("latency_kind", lang),
        word("samples", lang),
        *PERCENTILES,
    )
    rows = []
    for name, stats in groups:
        for key, label in (
            ("latency_dlr_s", "dlr_latency"),
            ("latency_handset_s", "handset_latency"),
        ):
            latency = stats.get(key) or {}
            rows.append(
                (
                    name,
                    word(label, lang),
                    _count(latency.get("n")),
                    *(seconds(latency.get(p)) for p in PERCENTILES),
                )
            )
    return Table(headers, tuple(rows))


def _pseudo_table(groups: list[tuple[str, Mapping[str, Any]]], lang: Lang) -> Table:
    headers = (
        word("group", lang),
        word("dlr_delivered", lang),
        word("arrived_count", lang),
        word("pseudo_count", lang),
        word("pseudo_rate", lang),
    )
    rows = tuple(
        (
            name,
            _count(stats.get("dlr_delivered")),
            _count(stats.get("arrived")),
            _count(stats.get("pseudo_success")),
            _rate(stats.get("pseudo_success_rate")),
        )
        for name, stats in groups
    )
    return Table(headers, rows)


def _run_blocks(run: Mapping[str, Any], lang: Lang) -> list[Block]:
    overall = run.get("overall") or {}
    everything = [(word("overall", lang), overall)]
    for split in ("by_carrier", "by_kind", "by_time_slot"):
        for key, stats in sorted((run.get(split) or {}).items()):
            everything.append((_group_label(split, key, lang), stats))
    blocks: list[Block] = [Heading(word("overall", lang), 4), _figures_table(everything[:1], lang)]
    for split, title in (
        ("by_carrier", "per_carrier"),
        ("by_kind", "per_kind"),
        ("by_time_slot", "per_slot"),
    ):
        groups = [
            (_group_label(split, k, lang), v) for k, v in sorted((run.get(split) or {}).items())
        ]
        if groups:
            blocks += [Heading(word(title, lang), 4), _figures_table(groups, lang)]
    blocks += [Heading(word("latency", lang), 4), _latency_table(everything, lang)]
    blocks += [Heading(word("pseudo", lang), 4), _pseudo_table(everything, lang)]
    return blocks


def channel_blocks(channel: Mapping[str, Any], lang: Lang) -> list[Block]:
    blocks: list[Block] = [Heading(word("channel", lang), 2)]
    if channel.get("state") != "measured":
        return [*blocks, Paragraph(word("not_run", lang))]
    for key, title in (("latest", "channel_latest"), ("failover", "channel_failover")):
        run = channel.get(key)
        if isinstance(run, Mapping):
            blocks += [Heading(word(title, lang), 3), *_run_blocks(run, lang)]
    slots = channel.get("by_slot")
    if isinstance(slots, Mapping) and slots:
        blocks += [
            Heading(word("slots_runs", lang), 3),
            Table(
                (word("group", lang), word("run_no", lang), word("arrived", lang)),
                tuple(
                    (
                        TIME_SLOTS.get(slot, Text(slot, slot))(lang),
                        _count(figures.get("run")),
                        _rate(figures.get("arrival_rate")),
                    )
                    for slot, figures in sorted(slots.items())
                ),
            ),
        ]
    return blocks
