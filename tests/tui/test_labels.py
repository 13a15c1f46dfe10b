from __future__ import annotations

from types import SimpleNamespace

from vaudit.tui.labels import tr
from vaudit.tui.screens.base import Words

RECEIVER = "receiver: {text} is not an IP address of this machine"


def test_a_placeholder_may_be_named_like_the_label_argument() -> None:
    # The channel screen fills {text}; the label itself is passed by position only.
    assert tr(RECEIVER, "en", text="x") == "receiver: x is not an IP address of this machine"
    screen = SimpleNamespace(app=SimpleNamespace(lang="en"))
    assert Words.t(screen, RECEIVER, text="x") == tr(RECEIVER, "en", text="x")
