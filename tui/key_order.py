"""Keys typed faster than the screen handles them land where they were meant to.

Textual forwards each key to the focused widget's queue at once. A key that moves focus or opens
a dialog (Tab, `e`, Enter) is acted on only when that queue reaches it, so keys typed right
after it (a paste, a macro, a fast typist) were already queued for the old widget: "AAA⇥BBB"
put "BBB" in the first field, and "e12⏎" lost "12". Here a key is forwarded only once the
screen has finished with the one before; keys that come sooner wait, in order."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

# How long one key may keep the next waiting, at most: a handler that blocks longer (it should
# not) costs the order of keys, never the keys themselves.
SETTLE_LIMIT_S = 1.0
# A key's effects travel a few hops (widget → parent → screen → a pushed dialog's mount).
SETTLE_ROUNDS = 6

Forward = Callable[[events.Event], Awaitable[None]]


class KeyOrder:
    """Holds keys and pastes back while the previous one is still being handled."""

    def __init__(self, app: App[Any], forward: Forward) -> None:
        self.app = app
        self.forward = forward
        self.held: deque[events.Event] = deque()
        self.busy = False

    async def receive(self, event: events.Event) -> None:
        if self.busy:
            self.held.append(event)
            return
        self.busy = True
        try:
            await self.forward(event)
        except BaseException:
            self.busy = False
            raise
        asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            await self._settled()
            while self.held:
                await self.forward(self.held.popleft())
                await self._settled()
        finally:
            self.busy = False

    async def _settled(self) -> None:
        """Wait until the app and the current screen have handled what is queued for them,
        including what handling it queued in turn (a bubbled key, a pushed dialog's mount)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_LIMIT_S
        for _ in range(SETTLE_ROUNDS):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await _round(self._pumps(), remaining)
            if all(pump._message_queue.empty() for pump in self._pumps()):
                return

    def _pumps(self) -> list[MessagePump]:
        try:
            screen = self.app.screen
        except Exception:  # no screen yet, or the app is closing
            return [self.app]
        return [self.app, *screen.walk_children(with_self=True)]


async def _round(pumps: list[MessagePump], timeout: float) -> None:
    """One pass: every pump handles what it had queued before this call."""
    remaining = 0
    finished = asyncio.Event()

    def one_done() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining == 0:
            finished.set()

    for pump in pumps:
        if pump.call_later(one_done):
            remaining += 1
    if remaining:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(finished.wait(), timeout)
