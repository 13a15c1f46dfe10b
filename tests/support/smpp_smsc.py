"""A small SMPP v3.4 SMSC for tests: Kannel binds to it as a transceiver, and it does to each
submitted message what the test's script says for the destination number: accept and report
a receipt state after a delay, refuse the submit with an SMPP error, or throttle the first
attempts. It runs on its own thread and event loop and writes down what it did, with the wall
clock time of each receipt it sent, so a test can set vaudit's records against it.

Only what Kannel's SMPP client uses is spoken: bind_transceiver, submit_sm, deliver_sm (the
receipts), enquire_link, unbind and generic_nack (SMPP v3.4, sections 4 and Appendix B).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x15
GENERIC_NACK, RESP = 0x80000000, 0x80000000
ESME_ROK, ESME_RINVCMDID, ESME_RTHROTTLED = 0x00, 0x03, 0x58
RECEIPT_ESM_CLASS = 0x04  # SMPP v3.4 §5.2.12: the short message is a delivery receipt
HEADER = struct.Struct(">IIII")
Send = Callable[[int, int, int, bytes], Awaitable[None]]


@dataclass(frozen=True)
class Fate:
    """What the SMSC does to a message for one destination: refuse it with `refuse` (an SMPP
    command_status), or accept it (after `throttle` refusals with ESME_RTHROTTLED) and send a
    receipt with `stat`/`err` after `delay_s`."""

    stat: str = "DELIVRD"
    err: str = "000"
    delay_s: float = 0.1
    refuse: int | None = None
    throttle: int = 0
    parts_reported: int | None = None  # of a long message: receipts for the first N parts only


@dataclass
class Record:
    """What the SMSC did to one destination's message."""

    destination: str
    message_id: str | None = None
    refused: int | None = None
    throttled: int = 0
    accepted_at: float | None = None  # wall clock (time.time())
    reported_at: float | None = None  # wall clock when the receipt left the SMSC
    stat: str | None = None
    parts: int = 0  # submit_sm accepted for this destination
    part_ids: list[str] = field(default_factory=list)  # the message ids given, in order
    receipts: int = 0


@dataclass
class SmppSmsc:
    fates: Mapping[str, Fate]
    system_id: str = "vaudit"
    password: str = "smpppass"
    port: int = 0
    records: dict[str, Record] = field(default_factory=dict)
    binds: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ life cycle

    def start(self) -> SmppSmsc:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._session, "127.0.0.1", self.port)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name="smpp-smsc", daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def script(self, fates: Mapping[str, Fate]) -> None:
        """Start a new test with these fates: nothing done yet (throttling starts over)."""
        with self._lock:
            self.fates = fates
            self.records.clear()

    def record(self, destination: str) -> Record:
        with self._lock:
            return self.records.setdefault(destination, Record(destination))

    # ------------------------------------------------------------------ the protocol

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sequence = itertools.count(1)
        write_lock = asyncio.Lock()

        async def send(command: int, status: int, number: int, body: bytes) -> None:
            async with write_lock:
                writer.write(HEADER.pack(HEADER.size + len(body), command, status, number) + body)
                await writer.drain()

        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                head = await reader.readexactly(HEADER.size)
                length, command, status, number = HEADER.unpack(head)
                body = await reader.readexactly(length - HEADER.size)
                del status
                if command in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
                    system_id, password = _cstrings(body, 2)
                    ok = system_id == self.system_id and password == self.password
                    self.binds += ok
                    await send(
                        command | RESP, ESME_ROK if ok else 0x0E, number, _cstr(self.system_id)
                    )
                elif command == ENQUIRE_LINK:
                    await send(ENQUIRE_LINK | RESP, ESME_ROK, number, b"")
                elif command == UNBIND:
                    await send(UNBIND | RESP, ESME_ROK, number, b"")
                    break
                elif command == SUBMIT_SM:
                    await self._submit(body, number, send, next(sequence), tasks)
                elif command & RESP:
                    continue  # deliver_sm_resp, enquire_link_resp
                else:
                    await send(GENERIC_NACK, ESME_RINVCMDID, number, b"")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for task in tasks:
                task.cancel()
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _submit(
        self, body: bytes, number: int, send: Send, seq: int, tasks: set[asyncio.Task[None]]
    ) -> None:
        fields = _submit_fields(body)
        source, destination = fields["source_addr"], fields["destination_addr"]
        fate = self.fates.get(destination, Fate())
        record = self.record(destination)
        if fate.refuse is not None:
            record.refused = fate.refuse
            await send(SUBMIT_SM | RESP, fate.refuse, number, b"")
            return
        if record.throttled < fate.throttle:
            record.throttled += 1
            await send(SUBMIT_SM | RESP, ESME_RTHROTTLED, number, b"")
            return
        message_id = str(next(self._ids))
        record.message_id, record.accepted_at = message_id, time.time()
        record.parts += 1
        record.part_ids.append(message_id)
        await send(SUBMIT_SM | RESP, ESME_ROK, number, _cstr(message_id))
        if fate.parts_reported is not None and record.parts > fate.parts_reported:
            return  # this part's receipt never comes

        async def report() -> None:
            await asyncio.sleep(fate.delay_s)
            now = dt.datetime.now(dt.UTC)
            stamp = now.strftime("%y%m%d%H%M")
            text = (
                f"id:{message_id} sub:001 dlvrd:{'001' if fate.stat == 'DELIVRD' else '000'} "
                f"submit date:{stamp} done date:{stamp} stat:{fate.stat} err:{fate.err} text:"
            ).encode("ascii")
            deliver = (
                _cstr("")  # service_type
                + bytes([1, 1])
                + _cstr(destination)  # the receipt comes from the handset's number
                + bytes([0, 0])
                + _cstr(source)
                + bytes([RECEIPT_ESM_CLASS, 0, 0])
                + _cstr("")
                + _cstr("")
                + bytes([0, 0, 0, 0, len(text)])
                + text
            )
            record.reported_at, record.stat = time.time(), fate.stat
            record.receipts += 1
            await send(DELIVER_SM, ESME_ROK, 0x7FFF0000 + seq, deliver)

        task = asyncio.create_task(report())
        tasks.add(task)
        task.add_done_callback(tasks.discard)


def _cstr(text: str) -> bytes:
    return text.encode("ascii") + b"\0"


def _cstrings(body: bytes, count: int) -> list[str]:
    return [part.decode("latin-1") for part in body.split(b"\0", count)[:count]]


def _submit_fields(body: bytes) -> dict[str, str]:
    """submit_sm's addresses (SMPP v3.4 §4.4.1): service_type, then the source address after
    its TON and NPI octets, then the destination address after its own."""
    at = 0

    def cstring() -> str:
        nonlocal at
        end = body.index(b"\0", at)
        text = body[at:end].decode("latin-1")
        at = end + 1
        return text

    cstring()  # service_type
    at += 2
    source = cstring()
    at += 2
    destination = cstring()
    return {"source_addr": source, "destination_addr": destination}
