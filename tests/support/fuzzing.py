"""What the fuzz harness shares: its example budget, the hostile values it draws from, and the
check that an outcome is clean (a result, or a short error; never a traceback or a hang)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from hypothesis import settings
from hypothesis import strategies as st

# Examples per target in the long run (`--hypothesis-profile=fuzz`).
FUZZ_EXAMPLES = 5_000


def budget(in_ci: int) -> int:
    """Examples for one target: `in_ci` in the suite, FUZZ_EXAMPLES under the fuzz profile."""
    return (
        max(in_ci, settings.default.max_examples)
        if settings.default.max_examples > 1_000
        else in_ci
    )


class Hang(Exception):
    """An example that did not finish in time: a finding, like a traceback."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Interrupt the main thread after `seconds` (a blocking open of a FIFO included)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Numbers a person would not type, as text: past 64 bits, past a float, not numbers at all.
ABSURD_NUMBERS = [
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 400,
    "-1",
    "0",
    "1e999",
    "nan",
    "inf",
    "-0",
    "0x1F",
    "１２",  # full-width digits
    "",
]
# Text that has hurt text handlers: controls, bidi overrides, bytes that were not UTF-8 (as
# surrogateescape keeps them on the command line), markup, huge and empty strings.
HOSTILE_TEXT = [
    "\x1b[2J\x1b]0;t\x07",
    "\u202eevil",
    "\x00",
    "\udcff\udcfe",
    "name\udc80",
    "[bold]x[/]",
    "'; DROP TABLE vendor; --",
    "x" * 100_000,
    "示例" * 5_000,
    " ",
    "\n",
    "-",
    "--",
    "../../../etc/passwd",
]


def hostile_text(alphabet_size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.sampled_from(ABSURD_NUMBERS),
        st.text(max_size=alphabet_size),
        st.text(st.characters(codec="utf-8"), max_size=alphabet_size),
    )


def clean_failure(stderr: str) -> bool:
    """A refusal the user can read: `error: …` (one line, or a heading and indented lines for
    several problems), click's own usage error, or an aborted prompt."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not lines or "Traceback" in stderr:
        return False
    if lines[0].startswith("error: "):
        return len(lines) == 1
    if lines[0] == "error:":
        return all(line.startswith("  ") for line in lines[1:])
    # click's usage error quotes the argument as given, so it may run over several lines.
    return any(line.startswith("Error: ") for line in lines) or lines[-1] == "Aborted!"
