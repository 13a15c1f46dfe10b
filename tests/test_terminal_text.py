"""Stored text reaches the terminal shown, never interpreted: a vendor name or a note holding
escape sequences, C1 controls, bidi overrides or bytes that were not UTF-8 is printed with
those characters made visible, in tables, plain lines, errors and JSON alike."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import vaudit
from vaudit.audits.present import visible

# A title-setting OSC sequence ended by BEL, a screen clear, a right-to-left override and a
# C1 CSI: each would be acted on by a terminal printing it as it is.
HOSTILE = "Evil\x1b]0;owned\x07\x1b[2J\u202eCorp\x9b31m"
SHOWN = "Evil␛]0;owned␇␛[2J<U+202E>Corp<U+009B>31m"
INTERPRETED = ["\x1b", "\x07", "\u202e", "\x9b"]


def test_visible_shows_every_control_and_keeps_plain_text() -> None:
    assert visible("示例通信 Ltd. (RTL: שלום)") == "示例通信 Ltd. (RTL: שלום)"
    assert visible(HOSTILE) == SHOWN
    assert visible("name\udcff") == "name<0xFF>"  # a byte that was not UTF-8
    assert visible("a\tb\nc") == "a␉b␊c"
    assert visible("a\tb\nc\rd", lines=True) == "a\tb\nc␍d"
    assert visible("\x00\x7f\u2028\u2066") == "␀␡<U+2028><U+2066>"


def printed(result) -> str:  # type: ignore[no-untyped-def]
    return result.stdout + result.stderr


def test_the_cli_prints_stored_text_with_controls_made_visible(db_path: Path) -> None:
    added = vaudit(db_path, "vendors", "add", HOSTILE, ok=True)
    outputs = [
        added,
        vaudit(db_path, "vendors", "list", ok=True),
        vaudit(db_path, "vendors", "show", "1", ok=True),
        vaudit(db_path, "selections", "add", "S", ok=True),
        vaudit(db_path, "audits", "start", "1", "S", ok=True),
        vaudit(db_path, "audits", "list", ok=True),
        # An error quoting what was typed: one line, shown the same way.
        vaudit(db_path, "vendors", "add", HOSTILE, ok=False),
    ]
    for result in outputs:
        text = printed(result)
        assert not any(char in text for char in INTERPRETED), text
    assert SHOWN in printed(outputs[1]) and SHOWN in printed(outputs[2])
    assert len(printed(outputs[-1]).strip().splitlines()) == 1
    # JSON keeps the exact string for a program, escaped so a terminal does not act on it.
    listed = vaudit(db_path, "vendors", "list", "--json", ok=True).stdout
    assert not any(char in listed for char in INTERPRETED)
    assert json.loads(listed)[0]["name"] == HOSTILE
