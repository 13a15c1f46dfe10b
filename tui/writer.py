"""One thread that runs the app's database writes, in the order the auditor made them.

Writes leave the UI thread so a slow disk never freezes a keystroke, and a single thread keeps
their order: `p` then `f` on the same item ends as `f`, as typed. Results come back to the
screen that asked as the typed message the job names for its outcome (posting a message is
thread-safe in Textual): `done` makes one of the write's result, `failed` of its error (by
default WriteFailed, which a screen shows as "not saved").
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump


@dataclass(frozen=True)
class WriteDone:
    """A write that went through: what it returned, when it was asked for (perf_counter) and
    how long it ran in the writer thread."""

    result: Any
    started: float
    ran: float


class WriteFailed(Message):
    """A write that was refused or failed; `error` says why, for the auditor."""

    def __init__(self, error: Exception, started: float) -> None:
        super().__init__()
        self.error = error
        self.started = started


def _default_failure(failure: WriteFailed) -> Message:
    return failure


@dataclass
class _Job:
    run: Callable[[], Any]
    reply_to: MessagePump
    done: Callable[[WriteDone], Message]
    failed: Callable[[WriteFailed], Message]
    started: float = field(default_factory=time.perf_counter)


class Writer:
    def __init__(self) -> None:
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="vaudit-writer", daemon=True)
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread.start()

    def submit(
        self,
        run: Callable[[], Any],
        reply_to: MessagePump,
        *,
        done: Callable[[WriteDone], Message],
        failed: Callable[[WriteFailed], Message] = _default_failure,
    ) -> None:
        """Queue `run`; its outcome goes to `reply_to` as the message `done` or `failed` makes
        of it."""
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._jobs.put(_Job(run, reply_to, done, failed))

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish every queued write, then end the thread (called when the app closes)."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            began = time.perf_counter()
            try:
                result = job.run()
            except Exception as error:  # every failure goes back to the screen to show
                job.reply_to.post_message(job.failed(WriteFailed(error, job.started)))
            else:
                ran = time.perf_counter() - began
                job.reply_to.post_message(job.done(WriteDone(result, job.started, ran)))
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.set()
