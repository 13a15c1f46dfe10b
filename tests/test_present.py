"""The shared presenter: how percentages, scores and durations read, and the channel metrics
table both the CLI and the TUI's channel screen draw from."""

from __future__ import annotations

import datetime as dt

import pytest

from vaudit.audits.channel.metrics import Outcome, stats
from vaudit.audits.channel.present import (
    METRIC_HEADINGS,
    dlr_latencies,
    metric_cells,
    metric_rows,
)
from vaudit.audits.cli.channel_cmds import summary_table
from vaudit.audits.present import DASH, percent, points, seconds

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def test_figures_read_the_same_everywhere() -> None:
    assert percent(0.874) == "87%"
    assert percent(0.874, decimals=1) == "87.4%"
    assert percent(None) == DASH and percent(None, blank="") == ""
    assert points(94.46) == "94.5" and points(None) == DASH
    assert seconds(0.349) == "0.35s" and seconds(None) == DASH


def outcome(token: str, carrier: str, *, dlr_s: float | None, hand_s: float | None) -> Outcome:
    at = T0
    return Outcome(
        token=token,
        carrier=carrier,
        kind="verification",
        time_slot="off_peak",
        text="x",
        segments=1,
        submitted_at=at,
        accepted=True,
        error=None,
        dlr_final_at=None if dlr_s is None else at + dt.timedelta(seconds=dlr_s),
        dlr_delivered=dlr_s is not None,
        receipt_at=None if hand_s is None else at + dt.timedelta(seconds=hand_s),
        arrived=hand_s is not None,
    )


OUTCOMES = [
    outcome("A", "mobile", dlr_s=1.0, hand_s=2.0),
    outcome("B", "mobile", dlr_s=3.0, hand_s=None),
    outcome("C", "unicom", dlr_s=None, hand_s=4.0),
    outcome("D", "unicom", dlr_s=2.0, hand_s=12.0),
]
SUMMARY = {
    "overall": stats(OUTCOMES),
    "by_carrier": {c: stats(o for o in OUTCOMES if o.carrier == c) for c in ("mobile", "unicom")},
    "by_kind": {"verification": stats(OUTCOMES)},
    "by_time_slot": {"off_peak": stats(OUTCOMES)},
    "failover": None,
}


def test_metric_cells_follow_the_headings_and_show_the_computed_percentile() -> None:
    overall = SUMMARY["overall"]
    cells = dict(zip(METRIC_HEADINGS, metric_cells(overall), strict=True))
    assert cells["sent"] == "4"
    assert cells["arrived"] == "75.0%"  # 3 of 4 reached a phone
    assert cells["DLR ok"] == "75.0%"  # 3 of 4 accepted got DELIVRD
    assert cells["pseudo"] == "33.3%"  # B: delivered, never on the phone
    assert cells["no final"] == "25.0%"
    # The handset figures are the percentiles metrics computed, under their own names.
    upper = next(h for h in METRIC_HEADINGS if h.startswith("hand p") and h != "hand p50")
    assert cells[upper] == seconds(overall["latency_handset_s"][upper.removeprefix("hand ")])
    assert cells["hand p50"] == seconds(overall["latency_handset_s"]["p50"]) == "4.00s"


def test_metric_rows_put_the_whole_run_first_then_the_splits_asked_for() -> None:
    rows = metric_rows(SUMMARY, ["by_carrier"])
    assert [(r.split, r.group) for r in rows] == [
        ("all", ""),
        ("carrier", "mobile"),
        ("carrier", "unicom"),
    ]
    assert rows[1].cells == metric_cells(SUMMARY["by_carrier"]["mobile"])
    assert [r.split for r in metric_rows(SUMMARY)] == [
        "all",
        "carrier",
        "carrier",
        "kind",
        "time_slot",
    ]


def test_the_cli_table_is_the_presenter_s(capsys: pytest.CaptureFixture[str]) -> None:
    summary_table(SUMMARY)
    heading, _rule, *lines = capsys.readouterr().out.splitlines()
    assert heading.split() == ["split", "group", *" ".join(METRIC_HEADINGS).split(), "billed"]
    for line, row in zip(lines, metric_rows(SUMMARY), strict=True):
        group = [row.group] if row.group else []
        billed = str(row.stats["segments_billed"])
        assert line.split() == [row.split, *group, *row.cells, billed]


def test_dlr_latencies_are_the_messages_with_a_final_report() -> None:
    assert dlr_latencies(OUTCOMES) == [1.0, 3.0, 2.0]
