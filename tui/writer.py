"""One thread that runs the app's database writes, in the order the auditor made them.

Writes leave the UI thread so a slow disk never freezes a keystroke, and a single thread keeps
their order: `p` then `f` on the same item ends as `f`, as typed. Results come back to the
screen that asked, as messages (posting a message is thread-safe in Textual): WriteDone and
WriteFailed with the job's tag, or the typed messages the job names (`done`, `failed`).
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


class WriteDone(Message):
    def __init__(self, tag: str, result: Any, started: float, ran: float = 0.0) -> None:
        super().__init__()
        self.tag = tag
        self.result = result
        self.started = started
        self.ran = ran  # seconds the write itself took, in the writer thread


class WriteFailed(Message):
    def __init__(self, tag: str, error: Exception, started: float) -> None:
        super().__init__()
        self.tag = tag
        self.error = error
        self.started = started


@dataclass
class _Job:
    run: Callable[[], Any]
    reply_to: MessagePump
    tag: str
    done: Callable[[WriteDone], Message] | None = None
    failed: Callable[[WriteFailed], Message] | None = None
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
        tag: str = "",
        *,
        done: Callable[[WriteDone], Message] | None = None,
        failed: Callable[[WriteFailed], Message] | None = None,
    ) -> None:
        """Queue `run`; its outcome goes to `reply_to` as WriteDone/WriteFailed, or as the
        message `done`/`failed` makes of it."""
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._jobs.put(_Job(run, reply_to, tag, done, failed))

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
                failure = WriteFailed(job.tag, error, job.started)
                job.reply_to.post_message(job.failed(failure) if job.failed else failure)
            else:
                ran = time.perf_counter() - began
                success = WriteDone(job.tag, result, job.started, ran)
                job.reply_to.post_message(job.done(success) if job.done else success)
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.set()
